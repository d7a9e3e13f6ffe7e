"""`python -m container_platform review`: review stacks offline, write the board's report, gate on mandatory.

Exit codes: 0 every stack passed; 1 a mandatory violation remains; 2 a stack could not be reviewed (the
program raised, the stack file or its policy config is missing, the policy pack failed, the promotions log
is corrupt, a promotion was interrupted; a crash of the review itself exits 2 too, never 1). Errors print one
clear message per stack, never a traceback, and replace that stack's pages with one that says the review
failed. A preview whose mandatory checks could not all run is INCOMPLETE: exit 0, with a warning.
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console

from container_platform.project import PROJECT_ROOT
from container_platform.promotion.record import PromotionLogError
from container_platform.promotion.transaction import interrupted_promotion
from container_platform.review.facts import board_facts
from container_platform.review.offline_runtime import ProgramError
from container_platform.review.provenance import Provenance, provenance
from container_platform.review.report import (
    failure_document,
    render_failure_markdown,
    render_html,
    render_markdown,
    review_document,
    write_atomically,
    write_json,
)
from container_platform.review.run import MODES, ReviewSettings, review_stacks
from container_platform.review.terminal import make_console, print_error, print_review, progress
from container_platform.stack_config import stack_file

EXIT_PASSED = 0
EXIT_BLOCKED = 1
EXIT_ERROR = 2


def all_stacks(project_dir: Path) -> list[str]:
    """Every stack with a `Pulumi.<stack>.yaml` in the project, sorted."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml"))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="review stacks offline against the policy pack and write the review board's report",
        description="Run the Pulumi program for each stack under the SDK's mock runtime, feed every resource "
        "to the real policy pack over the Analyzer protocol, print the result and write "
        "<output-dir>/<stack>.json and .md. Exits 1 when a mandatory violation remains, 2 on errors.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--stack", action="append", metavar="NAME", help="a stack to review (repeatable)")
    which.add_argument("--all-stacks", action="store_true", help="every Pulumi.<stack>.yaml (the default)")
    parser.add_argument(
        "--mode",
        choices=MODES,
        default="update",
        help="preview: computed values unknown, as in a first `pulumi preview`; "
        "update: every value known, as `pulumi up` checks it (default)",
    )
    parser.add_argument("--output-dir", type=Path, default=Path("build/review"), help="default: build/review")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT, help="the Pulumi project to review")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # The Pulumi SDK builds many short-lived reference cycles; in a review that lasts seconds, collecting
    # them costs a third of the program's run (a 40-service stack: 7.5 s -> 5.1 s) for under 3% of memory.
    gc.disable()
    try:
        return _run(args)
    finally:
        gc.enable()


def _run(args: argparse.Namespace) -> int:
    console = make_console()
    project_dir = args.project_dir.resolve()
    stacks = args.stack or all_stacks(project_dir)
    if not stacks:
        print_error(console, "(none)", f"no Pulumi.<stack>.yaml in {project_dir}; create one or pass --stack")
        return EXIT_ERROR
    settings = ReviewSettings(project_dir=project_dir, mode=args.mode)
    output_dir = args.output_dir if args.output_dir.is_absolute() else Path.cwd() / args.output_dir
    exit_code = EXIT_PASSED
    try:
        outcomes = list(_reviewed(stacks, settings, console, output_dir))
    except ProgramError as error:
        print_error(console, ", ".join(stacks), str(error))
        for stack in stacks:
            _write_failure(console, stack, str(error), settings, output_dir)
        return EXIT_ERROR
    for outcome in outcomes:
        if outcome == EXIT_ERROR or (outcome == EXIT_BLOCKED and exit_code == EXIT_PASSED):
            exit_code = outcome
    return exit_code


def _made_from(stack: str, settings: ReviewSettings) -> Provenance:
    return provenance(
        settings.project_dir, stack_file(settings.project_dir, stack), settings.policy_config_file(stack)
    )


def _paths(output_dir: Path, stack: str) -> list[Path]:
    return [output_dir / f"{stack}.{suffix}" for suffix in ("json", "md", "html")]


def _write(output_dir: Path, stack: str, document: dict, markdown: str) -> list[Path]:
    paths = _paths(output_dir, stack)
    output_dir.mkdir(parents=True, exist_ok=True)
    write_json(paths[0], document)
    write_atomically(paths[1], markdown)
    write_atomically(paths[2], render_html(markdown, f"Architecture review: {stack}"))
    return paths


def _write_failure(
    console: Console, stack: str, message: str, settings: ReviewSettings, output_dir: Path
) -> None:
    """Fail closed on disk too: a stale PASSED page must not outlive a review that failed."""
    made_from = _made_from(stack, settings)
    try:
        _write(
            output_dir,
            stack,
            failure_document(stack, message, made_from),
            render_failure_markdown(stack, message, made_from),
        )
    except OSError as error:
        print_error(console, stack, f"cannot write the report to {output_dir}: {error}; pass --output-dir")


def _reviewed(
    stacks: list[str], settings: ReviewSettings, console: Console, output_dir: Path
) -> Iterator[int]:
    """Review, print and write each stack; yield its exit code."""
    with progress(console, f"reviewing {', '.join(stacks)}"):
        outcomes = review_stacks(stacks, settings)
        for stack, outcome in outcomes:
            failure = str(outcome) if isinstance(outcome, Exception) else _interrupted(settings, stack)
            if failure is None and not isinstance(outcome, Exception):
                made_from = _made_from(stack, settings)
                try:
                    facts = board_facts(outcome.recording, settings.project_dir, settings.pack())
                    paths = _write(
                        output_dir,
                        stack,
                        review_document(outcome, facts, settings.project_dir, made_from),
                        render_markdown(outcome, facts, settings.project_dir, made_from),
                    )
                except OSError as error:
                    print_error(
                        console, stack, f"cannot write the report to {output_dir}: {error}; pass --output-dir"
                    )
                    yield EXIT_ERROR
                    continue
                except PromotionLogError as error:
                    failure = str(error)
                else:
                    print_review(console, outcome, paths)
                    yield EXIT_PASSED if outcome.passed else EXIT_BLOCKED
                    continue
            print_error(console, stack, failure)
            _write_failure(console, stack, failure, settings, output_dir)
            yield EXIT_ERROR


def _interrupted(settings: ReviewSettings, stack: str) -> str | None:
    """Why a stack cannot be reviewed while a promotion into it is unfinished, or None."""
    journal = interrupted_promotion(settings.project_dir, stack)
    if journal is None:
        return None
    return (
        f"{journal} records an interrupted promotion into {stack}, so its stack file, policy config and log "
        "may disagree; run the same promote again (it finishes the interrupted one), then review"
    )
