"""Values and helpers the promotion tests share (uniquely named: every test folder has a conftest)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from container_platform.promotion import command as promote_command

FIXTURE_PROJECT = Path(__file__).parent / "fixtures" / "project"
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
PREFIX = "container-platform"
IMAGES = ("base", "java-runtime", "hello-world")


def reference(image: str, hex_char: str, registry: str = REGISTRY) -> str:
    return f"{registry}/{PREFIX}/{image}@sha256:{hex_char * 64}"


# What dev published in the tests: a new digest for every image of the chain.
DEV_DIGESTS = {image: reference(image, char) for image, char in zip(IMAGES, "abc", strict=True)}


def write_outputs(directory: Path, digests: dict[str, object], name: str = "dev-outputs.json") -> Path:
    """What `pulumi stack output --json --stack dev` prints, saved to a file."""
    path = directory / name
    path.write_text(json.dumps({"imageDigests": digests, "url": "http://dev.example"}, indent=2))
    return path


def run_promote(project: Path, *extra: str, from_stack: str = "dev", to_stack: str = "prod") -> int:
    """The subcommand as the CLI registers it (cli.main also loads the other engineers' commands)."""
    parser = argparse.ArgumentParser()
    promote_command.register(parser.add_subparsers())
    args = parser.parse_args(
        ["promote", "--from", from_stack, "--to", to_stack, "--project-dir", str(project), *extra]
    )
    return args.handler(args)
