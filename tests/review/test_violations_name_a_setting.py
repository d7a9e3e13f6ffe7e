"""Every violation on a resource the program made names the stack setting behind it and the value to set.

Stack settings the program accepts (tests/review/accepted_settings.py) are evaluated offline and shown to
the real pack under prod's policy config. Each violation must map to a `container-platform:` key and a value
(container_platform/review/stack_settings.py); where the fix is one value, setting it must make that
violation go. `make test` tries a few generated stacks, seeded; `HYPOTHESIS_PROFILE=fuzz` many more.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings

from components.settings import (
    CLOUDWATCH_RETENTION_DAYS,
    CONTAINER_PORTS,
    LOG_RETENTION_DAYS,
    MODERN_SSL_POLICIES,
)
from container_platform.review.analyzer_client import Diagnostic, PolicyPackProcess
from container_platform.review.offline_runtime import ProgramError, StackRecording, evaluate_stack
from container_platform.review.run import WAIVER_REPORT_POLICIES, analyzed
from container_platform.review.stack_settings import POLICY_SOURCES, SettingFix, setting_fix, sources_table
from tests.policies.helpers import PACK_DIR, PROJECT
from tests.program.stack_configs import stack_config
from tests.review.accepted_settings import blocked_in_prod, prod_like_settings

UNTRUSTED = "999988887777"
EXAMPLES = 100 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 3
KEY = re.compile(r"^(container-platform|aws):([A-Za-z]+)((?:\[\d+\]|\.[A-Za-z0-9_-]+)*)$")


@pytest.fixture(scope="module")
def prod_pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(
        PACK_DIR, project=PROJECT, stack="prod", dry_run=False, config_file=PACK_DIR / "config" / "prod.json"
    ) as pack:
        yield pack


def violations(pack: PolicyPackProcess, recording: StackRecording) -> list[Diagnostic]:
    """What the engine would show: Analyze on each resource's inputs, AnalyzeStack on the final state."""
    registered = recording.by_urn()
    found = [
        diagnostic
        for resource in recording.resources
        if not resource.external
        for diagnostic in pack.analyze(analyzed(resource, registered, final_state=False))
    ]
    found += pack.analyze_stack([analyzed(r, registered, final_state=True) for r in recording.resources])
    return [d for d in found if d.policy_name not in WAIVER_REPORT_POLICIES]


def accepted(config: dict[str, Any], stack: str = "prod") -> StackRecording | None:
    """The recording, or None when the settings refuse the config (naming the key, as they must)."""
    try:
        return evaluate_stack(stack, config=config)
    except ProgramError as error:
        assert "invalid stack configuration" in str(error) and "container-platform:" in str(error), error
        return None


def set_setting(config: dict[str, Any], fix: SettingFix) -> None:
    """Apply `fix` to a `config:` section: walk `container-platform:top[1].key.key`, set or remove."""
    match = KEY.match(fix.key)
    assert match, f"{fix.key!r} is not a stack setting's key path"
    steps: list[str | int] = [
        int(part[1:-1]) if part.startswith("[") else part[1:]
        for part in re.findall(r"\[\d+\]|\.[A-Za-z0-9_-]+", match.group(3))
    ]
    parent: Any = config
    key: str | int = f"{match.group(1)}:{match.group(2)}"
    for step in steps:
        parent, key = parent[key], step
    if fix.unset:
        parent.pop(key, None)
    else:
        parent[key] = copy.deepcopy(fix.set_to)


def fixes_of(pack: PolicyPackProcess, recording: StackRecording) -> dict[tuple[str, str], list[SettingFix]]:
    """Each (policy, resource)'s fixes, asserting that every violation has one naming a key and a value."""
    config = {name: entry.properties for name, entry in pack.config.items()}
    types = {r.urn: r.type for r in recording.resources}
    fixes: dict[tuple[str, str], list[SettingFix]] = {}
    for diagnostic in violations(pack, recording):
        where = (
            f"{diagnostic.policy_name} on {types.get(diagnostic.urn, diagnostic.urn)}: {diagnostic.message}"
        )
        assert diagnostic.urn in types, f"a violation on a resource the program did not make: {where}"
        fix = setting_fix(diagnostic, recording, config)
        assert fix is not None, f"no stack setting named for {where}"
        assert KEY.match(fix.key) and fix.value, (fix, where)
        fixes.setdefault((diagnostic.policy_name, diagnostic.urn), []).append(fix)
    return fixes


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@example(config=blocked_in_prod())
@given(config=prod_like_settings())
def test_every_violation_names_a_stack_setting_whose_value_makes_it_pass(prod_pack, config):
    recording = accepted(config)
    assume(recording is not None)
    assert recording is not None
    fixes = fixes_of(prod_pack, recording)
    applied = {
        where: found
        for where, found in fixes.items()
        if all(fix.unset or fix.set_to is not None for fix in found)
    }
    if not applied:
        return
    fixed = copy.deepcopy(config)
    for found in applied.values():
        for fix in found:
            set_setting(fixed, fix)
    recording = evaluate_stack("prod", config=fixed)  # the settings accept every value a fix names
    remaining = {(d.policy_name, d.urn) for d in violations(prod_pack, recording)}
    assert not remaining & set(applied), {where: applied[where] for where in remaining & set(applied)}


def test_the_example_that_prod_blocks_reaches_every_setting_kind_of_rule_a_prod_stack_can(prod_pack):
    """The explicit example is the generator's floor: each rule a prod-like stack's settings can break."""
    recording = accepted(blocked_in_prod())
    assert recording is not None
    fired = {policy for policy, _ in fixes_of(prod_pack, recording)}
    reachable_in_prod_stacks = {
        "approved-container-images",
        "prod-images-promoted",
        "promoted-lineage",
        "ingress-allowed-ports",
        "listener-https-only",
        "iam-resources-scoped",
        "iam-no-privilege-escalation",
        "iam-no-credential-exposure",
        "iam-no-shell-access",
        "container-no-plaintext-secrets",
        "secrets-from-approved-arns",
        "alb-access-logs",
        "alb-deletion-protection",
    }
    assert fired == reachable_in_prod_stacks


def test_a_registry_letting_in_an_untrusted_account_names_the_pull_account_to_change():
    config = stack_config("registry")
    config["container-platform:registry"]["pullAccounts"].append(UNTRUSTED)
    recording = accepted(config, "registry")
    assert recording is not None
    with PolicyPackProcess(
        PACK_DIR,
        project=PROJECT,
        stack="registry",
        dry_run=False,
        config_file=PACK_DIR / "config" / "registry.json",
    ) as pack:
        fixes = fixes_of(pack, recording)
    policies = {policy for policy, _ in fixes}
    assert policies == {"ecr-cross-account-pull-only", "iam-resource-policies-trusted"}
    keys = {fix.key for found in fixes.values() for fix in found}
    assert keys == {"container-platform:registry.pullAccounts[1]"}


def test_every_policy_of_the_pack_says_where_its_violations_come_from(prod_pack):
    """The model covers the pack: a new policy must say whether a stack setting can break it."""
    assert {policy.name for policy in prod_pack.info.policies} == set(POLICY_SOURCES)
    for name, source in POLICY_SOURCES.items():
        assert source.kind in ("setting", "refused", "program", "report"), name
        assert (source.kind in ("setting", "refused")) == bool(source.fixes), name
        assert (source.kind == "refused") <= bool(source.refused_by), name


def test_what_the_settings_accept_the_packs_defaults_accept(prod_pack):
    """The values the settings take for keys a default rule judges: exactly the pack's, or fewer."""
    info = prod_pack.info
    ssl = info.policy("listener-https-only").config_schema["allowedSslPolicies"]["default"]
    assert set(MODERN_SSL_POLICIES) <= set(ssl)
    ports = info.policy("container-ports-allowed").config_schema["allowedPorts"]["default"]
    assert set(CONTAINER_PORTS) <= set(ports)
    minimum = info.policy("log-group-retention").config_schema["minimumDays"]["default"]
    assert min(LOG_RETENTION_DAYS) >= minimum
    assert set(LOG_RETENTION_DAYS) == {days for days in CLOUDWATCH_RETENTION_DAYS if days >= minimum}
    prod = json.loads((PACK_DIR / "config" / "prod.json").read_text())
    for policy, key in (
        ("listener-https-only", "allowedSslPolicies"),
        ("container-ports-allowed", "allowedPorts"),
        ("log-group-retention", "minimumDays"),
    ):
        assert key not in (prod.get(policy) or {}), (
            f"prod.json sets {policy}.{key}: the settings follow defaults"
        )


def test_docs_show_the_model_as_it_is():
    """docs/review.md's table of where violations come from is POLICY_SOURCES, row for row."""
    text = (PACK_DIR.parent / "docs" / "review.md").read_text()
    rows = [f"| `{n}` | {k} | {t} | {w} |" for n, k, t, w in sources_table(list(POLICY_SOURCES))]
    missing = [row for row in rows if row not in text.splitlines()]
    assert not missing, "docs/review.md, 'Which setting to change', lacks:\n" + "\n".join(missing)
