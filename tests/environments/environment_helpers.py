"""Values and helpers the environment tests share (uniquely named: every test folder has a conftest)."""

from __future__ import annotations

import argparse
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from container_platform.environments import init_command, preflight_command
from container_platform.environments.stack_settings import round_trip_yaml
from container_platform.review.run import ReviewSettings, StackReview, review_stack

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ("__main__.py", "Pulumi.yaml", "components", "images")
ACCOUNT = "210987654321"  # the seeded account: not AWS's documentation account, which preflight refuses
REGION = "eu-west-1"
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/9d2f4c1e-6b7a-4e8f-a1b2-c3d4e5f6a7b8"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:qa-alarms"
DEV_LIKE = ("--from", "dev", "--account-id", ACCOUNT, "--region", REGION, "--cidr-block", "10.30.0.0/16")
PROD_LIKE = (
    "--from", "prod", "--account-id", ACCOUNT, "--region", REGION, "--cidr-block", "10.40.0.0/16",
    "--certificate-arn", CERTIFICATE, "--alarm-topic-arn", TOPIC,
)  # fmt: skip


def copy_project(directory: Path) -> Path:
    """The real program beside copies of the repository's stack files and policy configs."""
    directory.mkdir()
    for name in PROGRAM:
        (directory / name).symlink_to(ROOT / name)
    for stack_file in ROOT.glob("Pulumi.*.yaml"):
        shutil.copy(stack_file, directory)
    shutil.copytree(ROOT / "policies" / "config", directory / "policies" / "config")
    return directory


def run_command(module: Any, argv: list[str], **extra: Any) -> int:
    """A subcommand as the CLI registers it (cli.main also loads the other engineers' commands)."""
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.handler(args, **extra)


def run_init(project: Path, stack: str, *options: str, ask: Callable[[str], str] | None = None) -> int:
    return run_command(
        init_command, ["init", "--stack", stack, *options, "--project-dir", str(project)], ask=ask
    )


def run_preflight(project: Path, stack: str) -> int:
    return run_command(preflight_command, ["preflight", "--stack", stack, "--project-dir", str(project)])


def review(project: Path, stack: str) -> StackReview:
    """`make review STACK=<stack>` of the temporary project, against the real pack."""
    return review_stack(
        stack,
        ReviewSettings(
            project_dir=project,
            mode="update",
            pack_dir=ROOT / "policies",
            policy_config_dir=project / "policies" / "config",
        ),
    )


def edit_stack(project: Path, stack: str, change: Callable[[CommentedMap], None]) -> None:
    """Change `Pulumi.<stack>.yaml`'s config the way a person editing it would."""
    path = project / f"Pulumi.{stack}.yaml"
    yaml = round_trip_yaml()
    document = yaml.load(path.read_text())
    change(document["config"])
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    path.write_text(buffer.getvalue())
