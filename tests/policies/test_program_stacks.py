"""The program's own stacks, evaluated under the SDK mocks, pass their own policy configs.

Each stack is shown to the real pack as the engine shows it: Analyze with every resource's inputs, then
AnalyzeStack with the final state, configured with `policies/config/<stack>.json`.
"""

from __future__ import annotations

from functools import cache

import pytest

from container_platform.analyzer_client import AnalyzedResource, Diagnostic, PolicyPackProcess
from container_platform.offline_runtime import StackRecording, evaluate_stack
from tests.policies.helpers import PACK_DIR, PROJECT

CONFIG_DIR = PACK_DIR / "config"


@cache
def recording(stack: str, preview: bool) -> StackRecording:
    return evaluate_stack(stack, preview=preview)


def review(stack: str, preview: bool, config: str) -> list[Diagnostic]:
    recorded = recording(stack, preview)
    with PolicyPackProcess(
        PACK_DIR, project=PROJECT, stack=stack, dry_run=preview, config_file=CONFIG_DIR / f"{config}.json"
    ) as pack:
        diagnostics = [
            diagnostic
            for r in recorded.resources
            if not r.external
            for diagnostic in pack.analyze(AnalyzedResource(r.urn, r.type, r.name, r.inputs, r.parent))
        ]
        diagnostics += pack.analyze_stack(
            [AnalyzedResource(r.urn, r.type, r.name, r.outputs, r.parent) for r in recorded.resources]
        )
    return diagnostics


def findings(diagnostics: list[Diagnostic]) -> set[tuple[str, str, str]]:
    return {(d.enforcement_level, d.policy_name, d.urn.rsplit("::", 1)[-1]) for d in diagnostics}


@pytest.mark.parametrize("preview", [False, True], ids=["update", "preview"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_program_stack_passes_its_own_policy_config(stack, preview):
    assert findings(review(stack, preview, stack)) == set()


def test_dev_stack_under_prod_config_shows_exactly_the_prod_only_rules():
    expected = {
        ("mandatory", "listener-https-only", "dev-http"),
        ("mandatory", "prod-images-promoted", "base"),
        ("mandatory", "prod-images-promoted", "java-runtime"),
        ("mandatory", "prod-images-promoted", "hello-world"),
        ("mandatory", "prod-images-promoted", "hello-world-task"),
    }
    assert findings(review("dev", False, "prod")) == expected
