"""`init` offline: a new dev-like or prod-like environment reviews clean at once; bad values are refused
with the setting and the fix, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from environment_helpers import ACCOUNT, CERTIFICATE, DEV_LIKE, PROD_LIKE, REGION, TOPIC, review, run_init

from container_platform.environments.init_command import ANSWER_KEYS
from container_platform.environments.placeholders import MARK


def config_of(project: Path, stack: str) -> dict:
    return yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())["config"]


def test_a_dev_like_stack_builds_into_its_own_account_and_reviews_clean(project: Path) -> None:
    assert run_init(project, "uat", *DEV_LIKE) == 0
    config = config_of(project, "uat")
    assert config["aws:allowedAccountIds"] == [ACCOUNT]
    assert config["container-platform:network"]["cidrBlock"] == "10.30.0.0/16"
    assert config["container-platform:images"]["source"] == "build"
    policy = json.loads((project / "policies" / "config" / "uat.json").read_text())
    registry = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    assert policy["approved-container-images"]["approvedRegistries"] == [registry]
    assert policy["approved-base-images"]["approvedRegistries"] == [registry]
    assert policy["all"] == "advisory"
    assert MARK not in (project / "Pulumi.uat.yaml").read_text()
    outcome = review(project, "uat")
    assert outcome.passed and not outcome.violations


def test_a_prod_like_stack_keeps_the_models_pins_and_reviews_clean(project: Path) -> None:
    assert run_init(project, "prodeu", *PROD_LIKE) == 0
    config = config_of(project, "prodeu")
    model = config_of(project, "prod")
    assert config["container-platform:images"] == model["container-platform:images"]
    assert config["container-platform:loadBalancer"]["certificateArn"] == CERTIFICATE
    assert config["container-platform:alarmTopicArns"] == [TOPIC]
    text = (project / "Pulumi.prodeu.yaml").read_text()
    replaced = [line for line in text.splitlines() if CERTIFICATE in line or TOPIC in line or ACCOUNT in line]
    assert replaced and not any(MARK in line for line in replaced), "the replaced values' marks are gone"
    # The model's pins are kept until the first promotion, and with them prod's visibly placeholder lineage.
    assert "sourceRevision: PLACEHOLDER-never-built-run-promote" in text
    assert "pinned digests are prod's until the first promotion into prodeu" in text
    policy = json.loads((project / "policies" / "config" / "prodeu.json").read_text())
    model_policy = json.loads((project / "policies" / "config" / "prod.json").read_text())
    trusted = policy.pop("iam-resource-policies-trusted")["trustedAccounts"]
    model_trusted = model_policy.pop("iam-resource-policies-trusted")["trustedAccounts"]
    assert policy == model_policy, "a prod-like stack keeps prod's gate"
    assert trusted == [*model_trusted, ACCOUNT], "it pulls from the model's registry and owns its own key"
    outcome = review(project, "prodeu")
    assert outcome.passed and not outcome.violations


def test_values_missing_from_the_flags_are_asked_for(project: Path) -> None:
    answers = iter([ACCOUNT, "", "10.50.0.0/16"])  # account, region (Enter keeps dev's), CIDR
    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    assert run_init(project, "sandbox", ask=ask) == 0
    assert prompts[1] == "AWS region [eu-west-1]: "
    config = config_of(project, "sandbox")
    assert config["aws:region"] == "eu-west-1"
    assert config["container-platform:network"]["cidrBlock"] == "10.50.0.0/16"


def test_the_answers_pulumi_new_recorded_become_the_stack(project: Path) -> None:
    """`pulumi new` writes the template's answers to Pulumi.<stack>.yaml; init turns them into the stack."""
    answers = {
        ANSWER_KEYS["from_stack"]: "prod",
        ANSWER_KEYS["account_id"]: ACCOUNT,
        ANSWER_KEYS["region"]: REGION,
        ANSWER_KEYS["cidr_block"]: "10.60.0.0/16",
        ANSWER_KEYS["certificate_arn"]: CERTIFICATE,
        ANSWER_KEYS["alarm_topic_arns"]: TOPIC,
    }
    (project / "Pulumi.staging.yaml").write_text(yaml.safe_dump({"config": answers}))
    assert run_init(project, "staging") == 0
    config = config_of(project, "staging")
    assert not set(config) & {key for key in answers.values() if key.startswith("init:")}
    assert config["container-platform:loadBalancer"]["certificateArn"] == CERTIFICATE
    assert review(project, "staging").passed


OTHER_REGION_CERTIFICATE = CERTIFICATE.replace(REGION, "us-east-1")
# Each: the options (on top of a valid set), the words the refusal must contain.
REFUSED = [
    pytest.param(DEV_LIKE, ("--account-id", "12345"), "is not an AWS account ID", id="short-account-id"),
    pytest.param(DEV_LIKE, ("--account-id", "123456789012"), "documentation account", id="docs-account"),
    pytest.param(DEV_LIKE, ("--region", "europe"), "aws:region = 'europe' is not allowed", id="bad-region"),
    pytest.param(DEV_LIKE, ("--cidr-block", "10.30.0.0/24"), "network.cidrBlock", id="cidr-too-small"),
    pytest.param(DEV_LIKE, ("--cidr-block", "10.30.0.1/16"), "not a CIDR block", id="cidr-host-bits"),
    pytest.param(DEV_LIKE, ("--cidr-block", "10.10.128.0/20"), "overlaps stack dev's VPC", id="cidr-overlap"),
    pytest.param(DEV_LIKE, ("--certificate-arn", CERTIFICATE), "serves plain HTTP", id="cert-for-http"),
    pytest.param(PROD_LIKE, ("--certificate-arn", "arn:aws:acm:eu-west-1:1:certificate/x"),
                 "expected an ACM certificate ARN", id="malformed-cert"),
    pytest.param(PROD_LIKE, ("--certificate-arn", OTHER_REGION_CERTIFICATE),
                 "an ALB takes only certificates of its own region", id="cert-other-region"),
    pytest.param(PROD_LIKE, ("--certificate-arn", CERTIFICATE.replace(ACCOUNT, "111111111111")),
                 "uses only its own account's certificates", id="cert-other-account"),
    pytest.param(PROD_LIKE, ("--alarm-topic-arn", "not-an-arn"), "expected an SNS topic ARN", id="bad-topic"),
    pytest.param(PROD_LIKE, ("--alarm-topic-arn", TOPIC.replace(REGION, "eu-central-1")),
                 "notify topics in eu-west-1 only", id="topic-other-region"),
]  # fmt: skip


@pytest.mark.parametrize(("valid", "override", "words"), REFUSED)
def test_a_bad_value_is_refused_and_nothing_written(
    project: Path, capsys: pytest.CaptureFixture[str], valid: tuple[str, ...], override: tuple[str, str],
    words: str,
) -> None:
    options = list(valid)
    if override[0] in options:
        options[options.index(override[0]) + 1] = override[1]
    else:
        options.extend(override)
    before = sorted(project.rglob("*"))
    assert run_init(project, "uat", *options) == 1
    output = capsys.readouterr().out
    assert "refused to create stack uat" in output
    assert words in output
    assert sorted(project.rglob("*")) == before


@pytest.mark.parametrize(
    ("options", "words"),
    [
        pytest.param(DEV_LIKE[:2], "--account-id is required", id="no-account"),
        pytest.param(PROD_LIKE[:8], "--certificate-arn is required", id="prod-needs-certificate"),
        pytest.param(PROD_LIKE[:10], "--alarm-topic-arn is required", id="prod-needs-topics"),
    ],
)
def test_without_a_terminal_a_missing_value_names_its_flag(
    project: Path, capsys: pytest.CaptureFixture[str], options: tuple[str, ...], words: str
) -> None:
    assert run_init(project, "uat", *options) == 1
    assert words in capsys.readouterr().out


def test_an_invalid_stack_name_is_refused_by_the_settings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_init(project, "Prod_EU", *DEV_LIKE) == 1
    assert "container-platform:environment = 'Prod_EU' is not allowed" in capsys.readouterr().out


@pytest.mark.parametrize("existing", ["dev", "prod"])
def test_an_existing_stack_is_never_overwritten(
    project: Path, capsys: pytest.CaptureFixture[str], existing: str
) -> None:
    before = (project / f"Pulumi.{existing}.yaml").read_text()
    assert run_init(project, existing, *DEV_LIKE) == 1
    assert "init never overwrites a stack" in capsys.readouterr().out
    assert (project / f"Pulumi.{existing}.yaml").read_text() == before


def test_a_stack_with_only_a_policy_config_is_not_overwritten(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "policies" / "config" / "uat.json").write_text("{}")
    assert run_init(project, "uat", *DEV_LIKE) == 1
    assert "policies/config/uat.json exists" in capsys.readouterr().out
    assert not (project / "Pulumi.uat.yaml").exists()


def test_an_unknown_model_names_the_stacks_there_are(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_init(project, "uat", *DEV_LIKE, "--from", "staging") == 1
    assert "known stacks: dev, prod" in capsys.readouterr().out
