"""The program's own stacks, evaluated under the SDK mocks, pass their own policy configs.

Each stack is shown to the real pack as the engine shows it: Analyze with every resource's inputs, then
AnalyzeStack with the final state, configured with `policies/config/<stack>.json`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from container_platform.review.analyzer_client import Diagnostic, PolicyPackProcess
from container_platform.review.offline_runtime import StackRecording, evaluate_stack
from container_platform.review.run import analyzed
from tests.policies.helpers import PACK_DIR, PROJECT

CONFIG_DIR = PACK_DIR / "config"


@cache
def recording(stack: str, preview: bool) -> StackRecording:
    return evaluate_stack(stack, preview=preview)


def review(stack: str, preview: bool, config: str | Path) -> list[Diagnostic]:
    config_file = config if isinstance(config, Path) else CONFIG_DIR / f"{config}.json"
    return review_recording(recording(stack, preview), config_file)


def review_recording(recorded: StackRecording, config_file: Path) -> list[Diagnostic]:
    """Every diagnostic the pack, configured with `config_file`, gives the recorded stack."""
    registered = recorded.by_urn()
    with PolicyPackProcess(
        PACK_DIR, project=PROJECT, stack=recorded.stack, dry_run=recorded.preview, config_file=config_file
    ) as pack:
        diagnostics = [
            diagnostic
            for r in recorded.resources
            if not r.external
            for diagnostic in pack.analyze(analyzed(r, registered, final_state=False))
        ]
        final_state = [analyzed(r, registered, final_state=True) for r in recorded.resources]
        diagnostics += pack.analyze_stack(final_state)
    return diagnostics


def findings(diagnostics: list[Diagnostic]) -> set[tuple[str, str, str]]:
    return {(d.enforcement_level, d.policy_name, d.urn.rsplit("::", 1)[-1]) for d in diagnostics}


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
@pytest.mark.parametrize("stack", ["dev", "qa", "prod", "registry"])
def test_program_stack_passes_its_own_policy_config(stack, preview):
    assert findings(review(stack, preview, stack)) == set()


def prod_config_promoting(tmp_path: Path, promoted: list[str], lineage: dict | None = None) -> Path:
    """Prod's policy config as it is, but with `promoted` as the promotion record's digests and `lineage`
    as their recorded lineage."""
    config = json.loads((CONFIG_DIR / "prod.json").read_text())
    config["prod-images-promoted"]["promotedImages"] = promoted
    config["promoted-lineage"]["lineage"] = lineage or {}
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(config))
    return path


@pytest.mark.parametrize("dev_digests_promoted", [False, True], ids=["nothing-promoted", "dev-promoted"])
def test_dev_stack_under_prod_config_shows_exactly_the_prod_only_rules(tmp_path, dev_digests_promoted):
    """Prod builds nothing and serves HTTP only as a redirect; dev's task runs a promoted digest, rooted in
    an approved upstream as recorded, only once dev's digests and their lineage were promoted."""
    dev_outputs = recording("dev", False).outputs
    dev_digests = dev_outputs["imageDigests"]
    promoted = sorted(dev_digests.values()) if dev_digests_promoted else []
    lineage = dev_outputs["imageLineage"] if dev_digests_promoted else {}
    expected = {
        ("mandatory", "listener-https-only", "dev-http"),
        ("mandatory", "prod-images-promoted", "base"),
        ("mandatory", "prod-images-promoted", "java-runtime"),
        ("mandatory", "prod-images-promoted", "hello-world"),
    }
    if not dev_digests_promoted:
        expected.add(("mandatory", "prod-images-promoted", "hello-world-task"))
        expected.add(("mandatory", "promoted-lineage", "hello-world-task"))
    assert findings(review("dev", False, prod_config_promoting(tmp_path, promoted, lineage))) == expected
