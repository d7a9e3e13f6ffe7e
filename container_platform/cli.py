"""The project's command line: one subcommand per verb, each registered by the module that owns it."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

# Each module exposes `register(subparsers)`, which adds its subcommand and sets
# `handler=<callable(args) -> int>`.
COMMAND_MODULES = (
    "container_platform.review_command",
    "container_platform.promote",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m container_platform",
        description="Review Pulumi stacks offline against the policy pack, "
        "and promote images between stacks.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))
