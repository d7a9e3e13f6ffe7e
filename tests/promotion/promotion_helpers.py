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
# The upstream the fixture project's policy configs approve (images/base/Dockerfile's default).
APPROVED_UPSTREAM = (
    "quay.io/centos/centos:stream9@sha256:e5fdd83894773a25f22fbdf0b5253c63677d0cbaf8d3a8366b165a3ef5902964"
)
UNAPPROVED_UPSTREAM = (
    "docker.io/library/debian:bookworm@sha256:0000000000000000000000000000000000000000000000000000000000000000"
)
REVISION = "0123456789abcdef0123456789abcdef01234567"


def chain_lineage(digests: dict[str, object], upstream: str = APPROVED_UPSTREAM) -> dict[str, dict]:
    """The `imageLineage` a build of `digests` publishes: base FROM upstream, runtime FROM base, apps FROM
    the runtime."""
    parents = {"base": upstream, "java-runtime": digests.get("base")}
    return {
        image: {
            "reference": digest,
            "parent": parents.get(image, digests.get("java-runtime")),
            "upstream": upstream,
            "sourceRevision": REVISION,
        }
        for image, digest in digests.items()
    }


def write_outputs(
    directory: Path,
    digests: dict[str, object],
    name: str = "dev-outputs.json",
    lineage: object = None,
) -> Path:
    """What `pulumi stack output --json --stack dev` prints, saved to a file; the lineage of a build of
    `digests` FROM the approved upstream unless `lineage` is given."""
    path = directory / name
    outputs = {
        "imageDigests": digests,
        "imageLineage": chain_lineage(digests) if lineage is None else lineage,
        "url": "http://dev.example",
    }
    path.write_text(json.dumps(outputs, indent=2))
    return path


def run_promote(project: Path, *extra: str, from_stack: str = "dev", to_stack: str = "prod") -> int:
    """The subcommand as the CLI registers it (cli.main also loads the other engineers' commands)."""
    parser = argparse.ArgumentParser()
    promote_command.register(parser.add_subparsers())
    args = parser.parse_args(
        ["promote", "--from", from_stack, "--to", to_stack, "--project-dir", str(project), *extra]
    )
    return args.handler(args)
