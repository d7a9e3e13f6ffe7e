"""What `review` prints: a resource tree like `pulumi preview`'s, violations grouped by policy with the
resources they hit, the checks that could not run, a `Resources:` summary by type, and a one-line verdict.

rich decides colour: on a terminal the tree and levels are coloured and a spinner shows progress, in CI (no
TTY) the same text is plain and there is no spinner, so logs stay readable and diffable.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from container_platform.review.analyzer_client import Diagnostic
from container_platform.review.offline_runtime import RecordedResource
from container_platform.review.report import finding, in_authors_words, resource_label
from container_platform.review.run import BLOCKED, INCOMPLETE, PASSED, PASSED_WITH_WAIVERS, StackReview

LEVEL_STYLES = {"mandatory": "bold red", "advisory": "yellow", "remediate": "cyan", "disabled": "dim"}
VERDICT_STYLES = {
    PASSED: "bold green",
    PASSED_WITH_WAIVERS: "bold blue",
    BLOCKED: "bold red",
    INCOMPLETE: "bold yellow",
}
PLAIN_WIDTH = 140


def make_console() -> Console:
    """Colour on a terminal; plain, wide-enough text otherwise (CI logs, pipes, files)."""
    console = Console(highlight=False)
    if not console.is_terminal:
        return Console(highlight=False, no_color=True, width=PLAIN_WIDTH, soft_wrap=True)
    return console


@contextlib.contextmanager
def progress(console: Console, what: str) -> Iterator[None]:
    """A spinner on a terminal while stacks are reviewed (a 40-service stack takes seconds); nothing in CI."""
    if not console.is_terminal:
        yield
        return
    with console.status(escape(what)):
        yield


def _operation(review: StackReview, resource: RecordedResource) -> str:
    if resource.external:
        return "[blue]>[/] "
    return "[green]+[/] "


def resource_tree(review: StackReview) -> Tree:
    """Every resource under its parent, providers at the top level, as `pulumi preview` draws them."""
    by_parent: dict[str | None, list[RecordedResource]] = defaultdict(list)
    for resource in review.recording.resources:
        by_parent[resource.parent].append(resource)
    violated = {d.urn for d in review.violations}
    roots = by_parent[None]
    stack = next((r for r in roots if r.type == "pulumi:pulumi:Stack"), None)
    title = f"{escape(stack.type)}  {escape(stack.name)}" if stack else review.stack
    tree = Tree(f"[green]+[/] {title}", guide_style="dim")

    def add(branch: Tree, resource: RecordedResource) -> None:
        mark = "  [red]![/]" if resource.urn in violated else ""
        node = branch.add(
            f"{_operation(review, resource)}{escape(resource.type)}  [bold]{escape(resource.name)}[/]{mark}"
        )
        for child in by_parent[resource.urn]:
            add(node, child)

    for resource in roots:
        if resource is not stack:
            add(tree, resource)
    if stack is not None:
        for child in by_parent[stack.urn]:
            add(tree, child)
    return tree


def _grouped(diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
    groups: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        groups[diagnostic.policy_name].append(diagnostic)
    return dict(
        sorted(groups.items(), key=lambda item: (item[1][0].enforcement_level != "mandatory", item[0]))
    )


def resources_summary(review: StackReview) -> list[str]:
    """`Resources:` as `pulumi preview` ends: what would be created, then how many of each type."""
    resources = [r for r in review.recording.resources if not r.external]
    lines = ["[bold]Resources:[/]", f"    [green]+ {len(resources)} to create[/]"]
    by_type = Counter(r.type for r in resources)
    lines += [f"      {count:>3} {escape(kind)}" for kind, count in sorted(by_type.items())]
    read = len(review.recording.resources) - len(resources)
    if read:
        lines.append(f"    [blue]> {read} to read[/]")
    return lines


def verdict_line(review: StackReview) -> str:
    """One line a CI log is searched for: the stack, its verdict and why."""
    advisory = sum(d.enforcement_level == "advisory" for d in review.violations)
    return (
        f"[{VERDICT_STYLES[review.verdict]}]{review.verdict}[/] {escape(review.stack)} ({review.mode}): "
        f"{len(review.mandatory_violations)} mandatory and {advisory} advisory violation(s), "
        f"{len(review.deferred)} check(s) deferred ({len(review.mandatory_deferred)} mandatory), "
        f"{len(review.waivers_used)} waiver(s) used, {review.timings.get('total', 0.0):.2f} s"
    )


def print_review(console: Console, review: StackReview, written: list[Path]) -> None:
    verb = "Previewing update" if review.mode == "preview" else "Reviewing update"
    console.print(f"[bold]{verb} ({escape(review.stack)})[/], offline under the Pulumi SDK's mock runtime")
    console.print(resource_tree(review))
    console.print()
    mark = {BLOCKED: "[bold red]blocked[/]", INCOMPLETE: "[bold yellow]incomplete[/]"}.get(
        review.verdict, "[green]passed[/]"
    )
    console.print(f"[bold]Policies[/] {escape(review.pack_name)}@v{escape(review.pack_version)}: {mark}")
    for policy, diagnostics in _grouped(review.violations).items():
        level = diagnostics[0].enforcement_level
        severity = diagnostics[0].severity or "-"
        console.print(
            f"  [{LEVEL_STYLES.get(level, 'white')}]\\[{level}][/] \\[severity: {escape(severity)}]"
            f" [bold]{escape(policy)}[/]"
            f"  {len(diagnostics)} resource(s)"
        )
        for diagnostic in diagnostics:
            words = in_authors_words(diagnostic, review)
            console.print(f"    - {escape(resource_label(diagnostic.urn))}: {escape(words)}")
    if review.waivers_used:
        console.print(f"  [cyan]waivers used[/]: {len(review.waivers_used)}")
        for waiver in review.waivers_used:
            console.print(f"    - {escape(resource_label(waiver.urn))}: {escape(finding(waiver))}")
    if review.deferred:
        console.print(f"  [yellow]not checked until deployed[/]: {len(review.deferred)}")
        for skipped in sorted(review.deferred, key=lambda n: (n.urn, n.policy_name)):
            level = review.levels.get(skipped.policy_name, "?")
            console.print(
                f"    - {escape(resource_label(skipped.urn))}: [{LEVEL_STYLES.get(level, 'white')}]"
                f"\\[{level}][/] {escape(skipped.policy_name)}"
            )
    console.print()
    for line in resources_summary(review):
        console.print(line)
    console.print()
    if review.verdict == INCOMPLETE:
        console.print(
            "[bold yellow]warning[/]: mandatory checks could not run in preview (values unknown until "
            "deployed); they run at `pulumi up`. Exit code 0 does not mean approved."
        )
    console.print(verdict_line(review))
    for path in written:
        console.print(f"  wrote {escape(str(path))}")
    console.print()


def print_error(console: Console, stack: str, message: str) -> None:
    console.print(f"[bold red]error[/] reviewing stack {escape(stack)}: {escape(message)}")
