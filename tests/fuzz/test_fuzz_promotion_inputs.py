"""Mutated promotion inputs (dev's outputs file, the target's stack file and policy config): promote exits
0, 1 or 2 with a message, never a traceback, and the three files are all old or all new afterwards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.mutations import JSON_VALUES, mutated_text
from tests.promotion.promotion_helpers import FIXTURE_PROJECT, run_promote

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
GOOD = {
    image: f"{REGISTRY}/container-platform/{image}@sha256:{char * 64}"
    for image, char in zip(("base", "java-runtime", "hello-world"), "abc", strict=True)
}
FILES = ("Pulumi.prod.yaml", "policies/config/prod.json", "promotions/prod.log")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1")


def promote(project: Path, outputs: Path, capsys) -> tuple[int, str]:
    code = run_promote(project, "--outputs", str(outputs))
    return code, capsys.readouterr().out


def files(project: Path) -> dict[str, bytes | None]:
    return {name: (project / name).read_bytes() if (project / name).exists() else None for name in FILES}


def check(project: Path, outputs: Path, capsys) -> None:
    before = files(project)
    code, out = promote(project, outputs, capsys)
    assert code in (0, 1, 2) and "Traceback" not in out, out[-500:]
    after = files(project)
    if code != 0:
        assert after == before, out[-500:]
    else:
        changed = {name for name in FILES if after[name] != before[name]}
        assert changed in (set(), set(FILES)), changed  # all new, or nothing to do


@given(
    digests=st.dictionaries(
        st.sampled_from([*GOOD, "x", ""]), JSON_VALUES | st.sampled_from(list(GOOD.values()))
    ),
    wrapper=st.sampled_from(["imageDigests", "imagedigests", None]),
    encoding=st.sampled_from(ENCODINGS),
)
def test_any_outputs_file_is_promoted_or_refused_cleanly(
    tmp_path_factory, capsys, digests, wrapper, encoding
):
    project = tmp_path_factory.mktemp("p") / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    document = {wrapper: {**GOOD, **digests}} if wrapper else digests
    outputs = project / "dev-outputs.json"
    outputs.write_bytes(json.dumps(document, ensure_ascii=False).encode(encoding, errors="replace"))
    check(project, outputs, capsys)


@given(target=st.sampled_from(["Pulumi.prod.yaml", "policies/config/prod.json"]), data=st.data())
def test_a_mutated_target_file_is_promoted_or_refused_cleanly(tmp_path_factory, capsys, target, data):
    project = tmp_path_factory.mktemp("p") / "project"
    shutil.copytree(FIXTURE_PROJECT, project)
    path = project / target
    path.write_text(data.draw(mutated_text(path.read_text())), errors="surrogatepass")
    outputs = project / "dev-outputs.json"
    outputs.write_text(json.dumps({"imageDigests": GOOD}))
    check(project, outputs, capsys)
