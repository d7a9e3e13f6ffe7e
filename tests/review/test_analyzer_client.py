"""The gRPC driver starts the real pack, configures it as the CLI does, and relays its verdicts."""

from __future__ import annotations

import json
import sys

import pytest

from components.settings import CONTAINER_PORTS
from container_platform.project import PROJECT_ROOT
from container_platform.review.analyzer_client import (
    PolicyPackConfigError,
    PolicyPackProcess,
    PolicyPackStartError,
)
from tests.policies.helpers import PACK_DIR, PROJECT, resource

MUTABLE_REPOSITORY = resource(
    "aws:ecr/repository:Repository",
    "app-repo",
    {"imageTagMutability": "MUTABLE", "imageScanningConfiguration": {"scanOnPush": True}},
)


def test_info_lists_every_policy_with_its_config_schema(pack_process):
    info = pack_process.info
    assert info.name == "container-platform"
    scan = info.policy("ecr-encryption")
    assert scan.config_schema["requireKms"]["default"] is True
    assert "waivers" in scan.config_schema
    resource_policies = [p.name for p in info.policies if not p.stack_policy]
    stack_policies = [p.name for p in info.policies if p.stack_policy]
    assert resource_policies[-1] == "waivers-used"  # after every policy whose waivers it reports
    assert stack_policies[-1] == "stack-waivers-used"


def test_analyze_reports_a_violation_with_the_configured_level(pack):
    diagnostics = pack.process.analyze(MUTABLE_REPOSITORY)
    immutable = [d for d in diagnostics if d.policy_name == "ecr-immutable-tags"]
    assert len(immutable) == 1
    assert immutable[0].enforcement_level == "mandatory"
    assert immutable[0].policy_pack == "container-platform"
    assert immutable[0].urn == MUTABLE_REPOSITORY.urn
    assert "'app-repo'" in immutable[0].message and "MUTABLE" in immutable[0].message


def test_config_file_sets_levels_per_policy_over_all(tmp_path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"all": "advisory", "ecr-immutable-tags": {"enforcementLevel": "disabled"}}))
    with PolicyPackProcess(
        PACK_DIR, project=PROJECT, stack="dev", dry_run=True, config_file=config
    ) as process:
        assert process.config["ecr-encryption"].enforcement_level == "advisory"
        assert process.config["ecr-encryption"].properties["requireKms"] is True
        names = {d.policy_name: d.enforcement_level for d in process.analyze(MUTABLE_REPOSITORY)}
    assert "ecr-immutable-tags" not in names
    assert names["ecr-encryption"] == "advisory"


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"no-such-policy": "mandatory"}, "'no-such-policy' is not a policy"),
        ({"all": "strict"}, "'strict' is not one of"),
        ({"ecr-encryption": {"requireKms": "yes"}}, "requireKms: 'yes' is not of type 'boolean'"),
        ({"log-group-retention": {"minimumDays": 0}}, "minimumDays: 0 is less than the minimum of 1"),
        (
            {"ecr-encryption": {"waivers": [{"resources": ["x"], "reason": "short"}]}},
            "'expires' is a required",
        ),
        (
            {
                "ecr-encryption": {
                    "waivers": [{"resources": ["x"], "reason": "ten chars+", "expires": "2026-13-01"}]
                }
            },
            "'2026-13-01' is not a 'date'",
        ),
        ({"ecr-encryption": 3}, "must be an enforcement level or an object"),
    ],
)
def test_bad_config_is_rejected_before_analysis(pack, config, complaint):
    with pytest.raises(PolicyPackConfigError, match="test config") as raised:
        pack.configure(config)
    assert complaint in str(raised.value)


def test_unstartable_pack_reports_its_stderr(tmp_path):
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text("raise SystemExit('the pack refuses to start: missing rules')\n")
    with pytest.raises(PolicyPackStartError, match="the pack refuses to start: missing rules"):
        PolicyPackProcess(tmp_path, project=PROJECT, stack="dev", dry_run=True, python=sys.executable).start()


def test_directory_without_pack_is_named_in_the_error(tmp_path):
    with (
        pytest.raises(PolicyPackStartError, match=r"no PulumiPolicy\.yaml"),
        PolicyPackProcess(tmp_path, project=PROJECT, stack="dev", dry_run=True),
    ):
        pass


def test_pack_process_gets_the_engine_environment(tmp_path):
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import os, sys\n"
        "sys.exit(' '.join(os.environ[k] for k in "
        "('PULUMI_PROJECT', 'PULUMI_STACK', 'PULUMI_DRY_RUN', 'PULUMI_CONFIG')))\n"
    )
    process = PolicyPackProcess(
        tmp_path, project=PROJECT, stack="prod", dry_run=True, stack_config={"container-platform:x": "1"}
    )
    with pytest.raises(PolicyPackStartError) as raised:
        process.start()
    process.close()
    assert 'container-platform prod true {"container-platform:x": "1"}' in str(raised.value)


def test_every_policy_states_its_question_description_and_config_defaults(pack_process):
    questions = {"question-1", "question-2", "question-3", "question-extras"}
    for policy in pack_process.info.policies:
        if policy.name in ("waivers-used", "stack-waivers-used"):
            continue
        assert set(policy.tags) & questions, policy.name
        assert "review board question" in policy.description or "security reviewer" in policy.description
        for key, schema in policy.config_schema.items():
            assert "default" in schema, f"{policy.name}.{key} has no default"


def test_the_settings_accept_exactly_the_container_ports_the_pack_allows(pack_process):
    """What `containerPort` accepts, the prod pack accepts: the settings refuse the rest first."""
    schema = pack_process.info.policy("container-ports-allowed").config_schema
    assert sorted(schema["allowedPorts"]["default"]) == sorted(CONTAINER_PORTS)
    prod = json.loads((PROJECT_ROOT / "policies" / "config" / "prod.json").read_text())
    assert "allowedPorts" not in prod.get("container-ports-allowed", {}), "prod keeps the pack's default"
