"""The project's command line: one subcommand per verb, each registered by the module that owns it."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence

# Each module exposes `register(subparsers)`, which adds its subcommand and sets
# `handler=<callable(args) -> int>`.
COMMAND_MODULES = {
    "review": "container_platform.review.command",
    "promote": "container_platform.promotion.command",
    "init": "container_platform.environments.init_command",
    "preflight": "container_platform.environments.preflight_command",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for `command` alone when it is known (so a command never pays for another's imports:
    review loads the SDKs, promote ruamel and boto3), otherwise for every command, to list them."""
    parser = argparse.ArgumentParser(
        prog="python -m container_platform",
        description="Review Pulumi stacks offline against the policy pack, promote images between stacks, "
        "create new environments and check them against their AWS account.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMAND_MODULES.items():
        if command not in COMMAND_MODULES or command == name:
            importlib.import_module(module_name).register(subparsers)
    return parser


# Every command exits 2 when it could not do its job, a crash included: exit code 1 is a verdict (a
# mandatory violation, a refused promotion) and an unexpected exception must never read as one.
EXIT_COULD_NOT_RUN = 2


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((argument for argument in arguments if not argument.startswith("-")), None)
    try:
        args = build_parser(command).parse_args(arguments)
        return int(args.handler(args))
    except Exception as error:
        with contextlib.suppress(OSError):  # stderr itself may be what failed
            print(
                f"{command or 'container_platform'}: could not run, an internal error "
                f"({type(error).__name__}: {str(error)[:200]}); nothing was decided. Please report it "
                "with the command you ran",
                file=sys.stderr,
            )
        return EXIT_COULD_NOT_RUN
