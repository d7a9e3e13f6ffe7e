"""`python -m container_platform init --stack NAME --from dev|prod ...`: a new environment in one step.

Writes `Pulumi.<stack>.yaml` and `policies/config/<stack>.json` from an existing stack (a dev-like one that
builds its images, or a prod-like one that deploys pinned digests), with the new environment's own account,
region, VPC block, certificate and alarm topics, each validated by the program's own settings before
anything is written. Values come from flags, from the answers `pulumi new` recorded in the stack file (the
`init:` keys of Pulumi.yaml's template), or from prompts on a terminal. An existing stack is never
overwritten; the new one reviews clean offline at once (`make review STACK=<stack>`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from container_platform.environments.new_stack import (
    Environment,
    InitRefused,
    new_policy_config,
    new_stack_text,
    vpc_blocks,
)
from container_platform.environments.stack_settings import (
    REGION_KEY,
    StackSettings,
    StackSettingsError,
    load_stack,
)
from container_platform.project import PROJECT_ROOT
from container_platform.stack_config import stack_file
from container_platform.stack_file_yaml import StackFileYamlError, load_stack_yaml

POLICY_CONFIG_DIR = Path("policies") / "config"
# The answers Pulumi.yaml's `template:` asks `pulumi new` for, by option; `aws:region` is the provider's own.
ANSWER_KEYS = {
    "from_stack": "init:from",
    "account_id": "init:accountId",
    "region": REGION_KEY,
    "cidr_block": "init:cidrBlock",
    "certificate_arn": "init:certificateArn",
    "alarm_topic_arns": "init:alarmTopicArns",
}
PROMPTS = {
    "account_id": "AWS account ID (12 digits)",
    "region": "AWS region",
    "cidr_block": "the new VPC's IPv4 block (/20 or larger, overlapping no other environment's)",
    "certificate_arn": "ACM certificate ARN for the HTTPS listener",
    "alarm_topic_arns": "SNS topic ARN(s) for alarms, comma-separated",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "init",
        help="create a new environment's stack file and policy config from an existing stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--stack", required=True, metavar="NAME", help="the new stack (its environment name)")
    parser.add_argument(
        "--from",
        dest="from_stack",
        metavar="STACK",
        help="the stack to start from: dev (dev-like, the default) or prod (prod-like), or any other",
    )
    parser.add_argument("--account-id", help="the account the stack deploys to (aws:allowedAccountIds)")
    parser.add_argument("--region", help="aws:region (default: the model stack's)")
    parser.add_argument("--cidr-block", help="container-platform:network.cidrBlock of the new VPC")
    parser.add_argument(
        "--certificate-arn",
        help="container-platform:loadBalancer.certificateArn (when the model serves HTTPS)",
    )
    parser.add_argument(
        "--alarm-topic-arn",
        dest="alarm_topic_arns",
        action="append",
        metavar="ARN",
        help="container-platform:alarmTopicArns (repeatable; required when the model notifies topics)",
    )
    parser.add_argument(
        "--project-dir", type=Path, default=PROJECT_ROOT, help="the project root holding Pulumi.<stack>.yaml"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ask: Callable[[str], str] | None = None) -> int:
    """`ask` prompts for a missing value (default: `input` when stdin is a terminal, otherwise nothing)."""
    if ask is None and sys.stdin.isatty():
        ask = input
    project_dir = args.project_dir.resolve()
    try:
        written = init(args, project_dir, ask)
    except InitRefused as refusal:
        print(f"init: refused to create stack {args.stack}:")
        for reason in refusal.reasons:
            print(f"  - {reason}")
        return 1
    except StackSettingsError as error:
        print(f"init: {error}")
        return 1
    for path in written:
        print(f"init: wrote {path.relative_to(project_dir)}")
    print(
        f"init: next `make review STACK={args.stack}`, `make preflight STACK={args.stack}`, then "
        f"`pulumi stack init {args.stack}` (if `pulumi new` did not) and `pulumi up`"
    )
    return 0


def init(args: argparse.Namespace, project_dir: Path, ask: Callable[[str], str] | None) -> list[Path]:
    """Write the new stack's two files (atomically, both or neither) and return their paths."""
    stack_path = stack_file(project_dir, args.stack)
    policy_path = project_dir / POLICY_CONFIG_DIR / f"{args.stack}.json"
    answers = _answers(stack_path)
    if policy_path.exists():
        raise InitRefused(
            [
                f"{policy_path.relative_to(project_dir)} exists: stack {args.stack} is already "
                "set up; init never overwrites a stack (choose another name)"
            ]
        )
    values = {option: getattr(args, option) for option in ANSWER_KEYS}
    for option, value in values.items():
        if value is None and answers.get(option) not in (None, ""):
            values[option] = answers[option]
    model = load_stack(project_dir, values["from_stack"] or "dev")
    model_policy = project_dir / POLICY_CONFIG_DIR / f"{model.stack}.json"
    if not model_policy.is_file():
        raise InitRefused(
            [
                f"{model.stack} has no policy config {model_policy.relative_to(project_dir)} to "
                "start from; start from a stack that has one"
            ]
        )
    if ask is not None:
        _ask_missing(values, model, ask)
    environment = Environment(
        stack=args.stack,
        account_id=values["account_id"],
        region=values["region"],
        cidr_block=values["cidr_block"],
        certificate_arn=values["certificate_arn"],
        alarm_topic_arns=_topics(values["alarm_topic_arns"]),
    )
    stack_text = new_stack_text(model, environment, vpc_blocks(project_dir, exclude=args.stack))
    policy_text = new_policy_config(model_policy.read_text(encoding="utf-8"), model, environment)
    _write_together({stack_path: stack_text, policy_path: policy_text})
    return [stack_path, policy_path]


def _answers(stack_path: Path) -> dict[str, str]:
    """What `pulumi new` recorded in the stack file (answers only); refused when the stack holds more."""
    if not stack_path.exists():
        return {}
    try:
        document = load_stack_yaml(stack_path.read_bytes(), str(stack_path)) or {}
    except StackFileYamlError as error:
        raise InitRefused([str(error)]) from None
    config = document.get("config") if isinstance(document, dict) else None
    keys = set(config or {}) if isinstance(config, dict) else {"(not a mapping)"}
    if not keys or not keys <= set(ANSWER_KEYS.values()):
        raise InitRefused(
            [
                f"{stack_path.name} exists: stack {stack_path.stem.removeprefix('Pulumi.')} is "
                "already set up; init never overwrites a stack (choose another name)"
            ]
        )
    by_key = {key: option for option, key in ANSWER_KEYS.items()}
    return {by_key[key]: str(value) for key, value in config.items()}


def _ask_missing(values: dict[str, Any], model: StackSettings, ask: Callable[[str], str]) -> None:
    """Prompt for each value the flags and answers left out that the model needs; Enter keeps a default."""
    needed = {
        "account_id": True,
        "region": True,
        "cidr_block": not model.settings.network.existing,
        "certificate_arn": model.settings.load_balancer.protocol == "HTTPS",
        "alarm_topic_arns": bool(model.settings.alarm_topic_arns),
    }
    defaults = {"region": model.settings.region}
    for option, prompt in PROMPTS.items():
        if values[option] is not None or not needed[option]:
            continue
        default = defaults.get(option)
        answer = ask(f"{prompt}{f' [{default}]' if default else ''}: ").strip()
        values[option] = answer or default


def _topics(value: str | list[str] | None) -> tuple[str, ...] | None:
    """Topics from repeated flags or one comma-separated answer."""
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item.strip())


def _write_together(files: dict[Path, str]) -> None:
    """Each file written to a temporary beside it, then all renamed: a failure leaves no half environment."""
    staged = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            staged.append((Path(temporary), path))
        for temporary, path in staged:
            temporary.replace(path)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
