"""A new environment's stack file and policy config, written from an existing stack's.

Everything an environment shares with its model (images, cluster, services, policy enforcement) is kept,
comments included; what belongs to the new environment alone is replaced: its account and region, its VPC
block, its certificate and alarm topics. A stack that builds its images pushes them to its own account's
registry, so its policy config approves that registry instead of the model's. A stack that deploys pinned
digests keeps the model's pins (and the list of promoted ones) until the first promotion into it.
"""

from __future__ import annotations

import io
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from components.settings import NAMESPACE, ConfigError, NetworkSettings
from container_platform.environments.placeholders import DOCUMENTATION_ACCOUNT, MARK
from container_platform.environments.resource_scope import misplaced_arns
from container_platform.environments.stack_settings import (
    ACCOUNTS_KEY,
    REGION_KEY,
    StackSettings,
    round_trip_yaml,
    settings_of,
)
from container_platform.stack_config import known_stacks, stack_file
from container_platform.stack_file_yaml import StackFileYamlError, load_stack_yaml
from image_references.digest_reference import ecr_registry

NETWORK_KEY = f"{NAMESPACE}:network"
LOAD_BALANCER_KEY = f"{NAMESPACE}:loadBalancer"
TOPICS_KEY = f"{NAMESPACE}:alarmTopicArns"
ENVIRONMENT_KEY = f"{NAMESPACE}:environment"
MAPPING_INDENT = 2  # what `pulumi config set` writes
_ACCOUNT_ID = re.compile(r"^\d{12}$")


class InitRefused(Exception):
    """Values the new environment cannot have; one reason per line, each naming the option and the fix."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("\n".join(self.reasons))


@dataclass(frozen=True)
class Environment:
    """What the new environment sets itself; None: keep the model's (or, where it has none, refuse)."""

    stack: str
    account_id: str | None
    region: str | None
    cidr_block: str | None
    certificate_arn: str | None
    alarm_topic_arns: tuple[str, ...] | None


def new_stack_text(model: StackSettings, environment: Environment, other_cidrs: Mapping[str, str]) -> str:
    """The new `Pulumi.<stack>.yaml`, validated by the program's settings, or InitRefused."""
    text, indent, offset = _without_header(model.text)
    document, _, _ = load_yaml_guess_indent(text, yaml=round_trip_yaml())
    config: CommentedMap = document["config"]
    reasons = _apply(config, model, environment, other_cidrs)
    if reasons:
        raise InitRefused(reasons)
    try:
        settings = settings_of(config, environment.stack)
    except ConfigError as error:
        raise InitRefused(str(error).splitlines()) from None
    problems = misplaced_arns(settings, str(environment.account_id))
    if problems:
        raise InitRefused(problems)
    dumper = round_trip_yaml()
    dumper.indent(mapping=MAPPING_INDENT, sequence=indent, offset=offset)
    buffer = io.StringIO()
    dumper.dump(document, buffer)
    return _header(model, environment) + buffer.getvalue()


def _apply(
    config: CommentedMap, model: StackSettings, environment: Environment, other_cidrs: Mapping[str, str]
) -> list[str]:
    """Set the environment's own values in `config` (the model's copy); the reasons it cannot."""
    reasons = []
    account = environment.account_id
    if account is None:
        reasons.append(
            f"--account-id is required: the 12-digit ID of the account {environment.stack} "
            f"deploys to ({ACCOUNTS_KEY})"
        )
    elif not _ACCOUNT_ID.match(account):
        reasons.append(
            f"--account-id {account!r} is not an AWS account ID ({ACCOUNTS_KEY}); use the 12 digits "
            "`aws sts get-caller-identity` prints as Account"
        )
    elif account == DOCUMENTATION_ACCOUNT:
        reasons.append(
            f"--account-id {account} is AWS's documentation account ({ACCOUNTS_KEY}); use your own"
        )
    else:
        config[ACCOUNTS_KEY] = CommentedSeq([DoubleQuotedScalarString(account)])
    if environment.region is not None:
        _set(config, REGION_KEY, environment.region)
    config.pop(ENVIRONMENT_KEY, None)  # the environment is the stack name, never the model's
    reasons.extend(_network(config, model, environment, other_cidrs))
    reasons.extend(_load_balancer(config, model, environment))
    if environment.alarm_topic_arns is not None:
        if environment.alarm_topic_arns:
            config[TOPICS_KEY] = CommentedSeq(environment.alarm_topic_arns)
        else:
            config.pop(TOPICS_KEY, None)
    elif model.settings.alarm_topic_arns:
        reasons.append(
            f"--alarm-topic-arn is required: {model.stack} notifies alarm topics ({TOPICS_KEY}), "
            "and the new environment needs its own (an SNS topic ARN in its account and region)"
        )
    return reasons


def _network(
    config: CommentedMap, model: StackSettings, environment: Environment, other_cidrs: Mapping[str, str]
) -> list[str]:
    if model.settings.network.existing:
        return [
            f"{model.stack} uses an existing VPC ({NETWORK_KEY}.vpcId); init copies stacks that create "
            "their own: start from another stack, or copy the file and set the network IDs by hand"
        ]
    cidr = environment.cidr_block
    if cidr is None:
        return [
            f"--cidr-block is required ({NETWORK_KEY}.cidrBlock): the new VPC's IPv4 block, /20 or larger, "
            f"overlapping no other environment's ({', '.join(f'{s}: {c}' for s, c in other_cidrs.items())})"
        ]
    try:
        block = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        block = None  # the settings say why, in their words
    if block is not None:
        for stack, other in other_cidrs.items():
            if block.overlaps(ipaddress.ip_network(other)):
                return [
                    f"--cidr-block {cidr} overlaps stack {stack}'s VPC ({other}); environments are peered "
                    "with the management VPC, so their blocks must not overlap: choose another"
                ]
    network = config.get(NETWORK_KEY)
    if not isinstance(network, CommentedMap):
        network = config[NETWORK_KEY] = CommentedMap()
    _set(network, "cidrBlock", cidr)
    return []


def _load_balancer(config: CommentedMap, model: StackSettings, environment: Environment) -> list[str]:
    load_balancer = config.get(LOAD_BALANCER_KEY)
    arn = environment.certificate_arn
    if model.settings.load_balancer.protocol == "HTTPS":
        if arn is None:
            return [
                f"--certificate-arn is required: {model.stack} serves HTTPS ({LOAD_BALANCER_KEY}"
                ".certificateArn); give the ARN of an ACM certificate in the new environment's account "
                "and region"
            ]
        _set(load_balancer, "certificateArn", arn)
    elif arn is not None:
        return [
            f"--certificate-arn given, but {model.stack} serves plain HTTP ({LOAD_BALANCER_KEY}.protocol); "
            "start from an HTTPS stack, or leave the certificate out"
        ]
    return []


def _set(mapping: CommentedMap, key: str, value: Any) -> None:
    """`mapping[key] = value`, dropping a placeholder comment that described the model's value."""
    mapping[key] = value
    comment = mapping.ca.items.get(key)
    if comment and comment[2] is not None and MARK in comment[2].value:
        comment[2].value = "\n" + comment[2].value.partition("\n")[2]


def _without_header(text: str) -> tuple[str, int, int]:
    """The file without its leading comment lines (the model's description and promotion record), and its
    sequence indentation."""
    lines = text.splitlines(keepends=True)
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    body = "".join(lines)
    _, indent, offset = load_yaml_guess_indent(body, yaml=round_trip_yaml())
    return body, indent or 4, offset or 2


def _header(model: StackSettings, environment: Environment) -> str:
    kind = "prod-like: deploys pinned digests" if model.prod_like else "dev-like: builds the image chain"
    lines = [
        f"# {environment.stack}: a new environment, {kind}, written by `make init` from {model.path.name}.",
        "# Every key is described in docs/configuration.md. Before `pulumi up`:",
        f"# `make review STACK={environment.stack}` and `make preflight STACK={environment.stack}`.",
    ]
    if model.settings.images.source == "pinned":
        lines.append(
            f"# The pinned digests are {model.stack}'s until the first promotion into "
            f"{environment.stack} (`make promote FROM=<stack> TO={environment.stack}`)."
        )
    return "\n".join(lines) + "\n"


def new_policy_config(model_text: str, model: StackSettings, environment: Environment) -> str:
    """The new stack's policy config: the model's, trusting the new account where the model trusts its own
    (resource policies, ECR pulls), and, when it builds its own images, approving the registry it builds into
    (the new account's and region's) instead of the model's."""
    document = json.loads(model_text)
    accounts = {str(account) for account in model.allowed_account_ids}
    new_account = str(environment.account_id)
    builds = model.settings.images.source == "build"
    own = {ecr_registry(account, model.settings.region) for account in accounts}
    new = ecr_registry(new_account, environment.region or model.settings.region)
    for settings in document.values():
        if not isinstance(settings, dict):
            continue
        trusted = settings.get("trustedAccounts")
        if isinstance(trusted, list) and accounts & set(trusted):
            # A stack that builds owns its account alone; one that deploys pinned digests still pulls them
            # from the model's registry, so it trusts both.
            kept = [a for a in trusted if not (builds and a in accounts)]
            settings["trustedAccounts"] = list(dict.fromkeys([*kept, new_account]))
        registries = settings.get("approvedRegistries")
        if builds and isinstance(registries, list):
            settings["approvedRegistries"] = list(dict.fromkeys(new if r in own else r for r in registries))
    return json.dumps(document, indent=2) + "\n"


def vpc_blocks(project_dir: Path, exclude: str) -> dict[str, str]:
    """Each other stack's new-VPC block (stack -> CIDR), from its file as written; unreadable ones skipped
    (the review reports them)."""
    blocks = {}
    for stack in known_stacks(project_dir):
        if stack == exclude:
            continue
        path = stack_file(project_dir, stack)
        try:
            config = (load_stack_yaml(path.read_bytes(), str(path)) or {}).get("config") or {}
        except (StackFileYamlError, AttributeError):
            continue
        network = config.get(NETWORK_KEY) or {}
        if isinstance(network, dict) and "vpcId" not in network:
            blocks[stack] = str(network.get("cidrBlock", NetworkSettings().cidr_block))
    return blocks
