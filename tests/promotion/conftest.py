"""A throwaway copy of a project (stack files, policy configs) for each test: tests never touch the repo's."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from container_platform import promote as promote_command

FIXTURE_PROJECT = Path(__file__).parent / "fixtures" / "project"
REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
PREFIX = "container-platform"
IMAGES = ("base", "java-runtime", "hello-world")


def reference(image: str, hex_char: str, registry: str = REGISTRY) -> str:
    return f"{registry}/{PREFIX}/{image}@sha256:{hex_char * 64}"


# What dev published in the tests: a new digest for every image of the chain.
DEV_DIGESTS = {image: reference(image, char) for image, char in zip(IMAGES, "abc", strict=True)}


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The person the promotion record names, independent of the machine's git config."""
    git_config = tmp_path / "gitconfig"
    git_config.write_text("[user]\n\tname = Rita Release\n\temail = rita@bank.example\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(git_config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    shutil.copytree(FIXTURE_PROJECT, directory)
    return directory


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
