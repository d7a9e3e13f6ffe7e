"""`promote` carries lineage: every bad lineage is refused naming the image and the field, nothing written.

The shapes come from what a user or a broken pipeline can hand the command: the `pulumi stack output --json`
of a stack deployed before lineage existed, an outputs file edited by hand, a chain assembled from two runs.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from promotion_helpers import (
    APPROVED_UPSTREAM,
    DEV_DIGESTS,
    UNAPPROVED_UPSTREAM,
    chain_lineage,
    reference,
    run_promote,
    write_outputs,
)

from container_platform.promotion.record import read_log

GOOD = chain_lineage(DEV_DIGESTS)


def edited(change) -> dict:
    lineage = copy.deepcopy(GOOD)
    change(lineage)
    return lineage


def _set(image: str, field: str, value: object):
    return lambda lineage: lineage[image].__setitem__(field, value)


def _drop(image: str, field: str | None = None):
    return lambda lineage: lineage.pop(image) if field is None else lineage[image].pop(field)


BAD_LINEAGE = [
    pytest.param([GOOD], "imageLineage: expected a map of image name", id="wrong shape: a list"),
    pytest.param(edited(_set("base", "parent", ["a"])), "imageLineage.base.parent: expected a reference",
                 id="wrong shape: a parent that is not a string"),
    pytest.param(edited(_drop("java-runtime", "sourceRevision")), "imageLineage.java-runtime.sourceRevision: "
                 "missing", id="a field missing"),
    pytest.param(edited(_set("base", "builtBy", "me")), "imageLineage.base.builtBy: unknown field",
                 id="an unknown field"),
    pytest.param(edited(_drop("hello-world")), "imageLineage.hello-world: missing", id="an image missing"),
    pytest.param(edited(_set("base", "upstream", "quay.io/centos/centos:stream9")),
                 "imageLineage.base.upstream: 'quay.io/centos/centos:stream9' is given by the tag 'stream9'",
                 id="upstream given by tag"),
    pytest.param(edited(_set("hello-world", "reference", reference("base", "c"))),
                 "imageLineage.hello-world.reference: ", id="reference a digest of another repository"),
    pytest.param(edited(_set("java-runtime", "parent", reference("hello-world", "a"))),
                 "imageLineage.java-runtime.parent: ", id="parent a digest of another repository"),
    pytest.param(edited(_set("java-runtime", "parent", reference("base", "9"))),
                 "imageLineage.java-runtime.parent: ", id="parent not the chain's previous image"),
    pytest.param(edited(_set("base", "parent", DEV_DIGESTS["hello-world"])),
                 "imageLineage.base.parent: ", id="a cycle"),
    pytest.param(edited(_set("base", "reference", reference("base", "f"))),
                 "imageLineage.base.reference: ", id="lineage of another digest than the published one"),
    pytest.param(edited(lambda lineage: [e.__setitem__("upstream", UNAPPROVED_UPSTREAM) for e in
                                         lineage.values()] and lineage["base"].__setitem__(
                                             "parent", UNAPPROVED_UPSTREAM)),
                 f"imageLineage.base.upstream: {UNAPPROVED_UPSTREAM} is not approved for stack 'prod'",
                 id="an unapproved upstream"),
]
EXPECTED_DETAIL = {
    "reference a digest of another repository": "is a digest of repository 'container-platform/base', not "
    "of image 'hello-world'",
    "parent a digest of another repository": "is a digest of repository 'container-platform/hello-world', "
    "but 'java-runtime' is built FROM 'base'",
    "parent not the chain's previous image": "is not the chain's previous image 'base'",
    "a cycle": "leads back to 'hello-world', so the lineage is a cycle "
    "(hello-world -> java-runtime -> base -> hello-world)",
    "lineage of another digest than the published one": "but imageDigests.base is",
}


def snapshot(project: Path) -> dict[str, str]:
    files = ("Pulumi.prod.yaml", "policies/config/prod.json")
    return {name: (project / name).read_text() for name in files}


@pytest.mark.parametrize(("lineage", "message"), BAD_LINEAGE)
def test_bad_lineage_is_refused_naming_the_image_and_the_field(project, capsys, request, lineage, message):
    before = snapshot(project)

    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS, lineage=lineage))) == 1

    out = capsys.readouterr().out
    assert "refused to promote dev -> prod" in out
    assert message in out, out
    assert EXPECTED_DETAIL.get(request.node.callspec.id, "") in out, out
    assert snapshot(project) == before and read_log(project, "prod") == []


def test_outputs_of_a_stack_deployed_before_lineage_are_refused(project, capsys):
    outputs = project / "old-outputs.json"
    outputs.write_text(json.dumps({"imageDigests": DEV_DIGESTS}))

    assert run_promote(project, "--outputs", str(outputs)) == 1

    assert "the source outputs have no `imageLineage`" in capsys.readouterr().out


def test_good_lineage_is_written_beside_the_digests_and_into_the_record(project):
    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0

    config = json.loads((project / "policies/config/prod.json").read_text())
    assert config["promoted-lineage"] == {"approvedUpstreams": [APPROVED_UPSTREAM], "lineage": GOOD}
    [record] = read_log(project, "prod")
    assert record.lineage == GOOD
    log = json.loads((project / "promotions/prod.log").read_text().splitlines()[0])
    assert log["lineage"] == GOOD
