"""One stack's offline review: record the program, then show it to the real policy pack as the engine would.

The engine calls Analyze for every resource it registers (the root stack and providers included, reads
excluded) with the resource's inputs, then AnalyzeStack once with every resource's final state. We do
the same, in the recording's order, against `policies/` configured with `policies/config/<stack>.json`.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from container_platform.project import PROJECT_ROOT
from container_platform.review.analyzer_client import (
    Analysis,
    AnalyzedProvider,
    AnalyzedResource,
    Diagnostic,
    NotApplicable,
    PolicyPackConfigError,
    PolicyPackError,
    PolicyPackProcess,
)
from container_platform.review.offline_runtime import (
    ProgramError,
    RecordedResource,
    StackRecording,
    evaluate_stack,
)
from container_platform.stack_config import StackConfigError, project_name, read_stack_config

ReviewError = ProgramError | PolicyPackError

# The pack's waiver reports (resource and stack policies): exceptions in use, not violations.
WAIVER_REPORT_POLICIES = frozenset({"waivers-used", "stack-waivers-used"})
# Analyze calls in flight at once: the pack works on one while the client sends the next.
ANALYZE_CONCURRENCY = 2
MODES = ("preview", "update")
QUESTION_TAG = "question-"  # the pack tags each policy with the board question it answers

# The page's verdicts, worst first: a stack's is the worst that applies.
BLOCKED = "BLOCKED"
INCOMPLETE = "INCOMPLETE"
PASSED_WITH_WAIVERS = "PASSED WITH WAIVERS"
PASSED = "PASSED"


@dataclass(frozen=True)
class ReviewSettings:
    """Where the program, the pack and its per-stack config live, and which engine operation to mimic."""

    project_dir: Path = PROJECT_ROOT
    mode: str = "preview"
    pack_dir: Path | None = None
    policy_config_dir: Path | None = None

    @property
    def preview(self) -> bool:
        return self.mode == "preview"

    def pack(self) -> Path:
        return self.pack_dir or self.project_dir / "policies"

    def policy_config_file(self, stack: str) -> Path:
        return (self.policy_config_dir or self.pack() / "config") / f"{stack}.json"


@dataclass
class StackReview:
    """What the review found for one stack, with how long each step took (seconds)."""

    recording: StackRecording
    mode: str
    pack_name: str
    pack_version: str
    policy_config_file: Path
    diagnostics: list[Diagnostic]
    not_applicable: list[NotApplicable]
    levels: dict[str, str] = field(default_factory=dict)  # each policy's enforcement level in this config
    # each policy's reconciled config properties: what the stack's policy config sets, over the defaults
    policy_config: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    questions: dict[str, str] = field(default_factory=dict)  # each policy's board question: "1", "2", "3"
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stack(self) -> str:
        return self.recording.stack

    @property
    def violations(self) -> list[Diagnostic]:
        """Findings of the rules themselves; the waiver reports are exceptions, not violations."""
        return [d for d in self.diagnostics if d.policy_name not in WAIVER_REPORT_POLICIES]

    @property
    def waivers_used(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.policy_name in WAIVER_REPORT_POLICIES]

    @property
    def mandatory_violations(self) -> list[Diagnostic]:
        return [d for d in self.violations if d.enforcement_level == "mandatory"]

    @property
    def preview(self) -> bool:
        return self.mode == "preview"

    @property
    def deferred(self) -> list[NotApplicable]:
        """Checks that could not run (preview: a value the rule reads is unknown until deployed)."""
        return [n for n in self.not_applicable if self.levels.get(n.policy_name, "advisory") != "disabled"]

    @property
    def mandatory_deferred(self) -> list[NotApplicable]:
        return [n for n in self.deferred if self.levels.get(n.policy_name) == "mandatory"]

    @property
    def passed(self) -> bool:
        return not self.mandatory_violations

    @property
    def verdict(self) -> str:
        """BLOCKED, INCOMPLETE (a mandatory check deferred), PASSED WITH WAIVERS or PASSED."""
        if self.mandatory_violations:
            return BLOCKED
        if self.mandatory_deferred:
            return INCOMPLETE
        return PASSED_WITH_WAIVERS if self.waivers_used else PASSED


def analyzed(
    resource: RecordedResource, registered: Mapping[str, RecordedResource], *, final_state: bool
) -> AnalyzedResource:
    """The resource as the engine hands it over: inputs for Analyze, final state for AnalyzeStack.

    The engine names the resource's provider alongside it; `registered` (by URN) must hold that provider.
    """
    provider = None
    if resource.provider:
        recorded = registered[resource.provider.rsplit("::", 1)[0]]
        provider = AnalyzedProvider(
            recorded.urn, recorded.type, recorded.name, recorded.outputs if final_state else recorded.inputs
        )
    return AnalyzedResource(
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        properties=resource.outputs if final_state else resource.inputs,
        parent=resource.parent,
        dependencies=resource.dependencies,
        property_dependencies=resource.property_dependencies,
        provider=provider,
    )


class _PackStarter:
    """Starts a policy pack process in the background: the pack imports its SDK while the program runs."""

    def __init__(self, pack: PolicyPackProcess) -> None:
        self.pack = pack
        self.error: BaseException | None = None
        self.seconds = 0.0
        self._thread = threading.Thread(target=self._start, daemon=True)
        self._thread.start()

    def _start(self) -> None:
        started = time.perf_counter()
        try:
            self.pack.start()
        except BaseException as error:  # re-raised in the caller's thread by ready()
            self.error = error
        self.seconds = time.perf_counter() - started

    def ready(self) -> PolicyPackProcess:
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.pack

    def close(self) -> None:
        self._thread.join()
        self.pack.close()


def review_stack(stack: str, settings: ReviewSettings) -> StackReview:
    """Evaluate `stack` under the mocks and run the policy pack over it; errors keep their clear messages."""
    outcome = next(review_stacks([stack], settings))[1]
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def review_stacks(
    stacks: Sequence[str], settings: ReviewSettings
) -> Iterator[tuple[str, StackReview | ReviewError]]:
    """Review each stack in turn, yielding its review or the error that stopped it.

    Every stack's pack process starts at once, in the background, so packs get ready while programs run;
    one stack's failure does not stop the others.
    """
    if settings.mode not in MODES:
        raise ValueError(f"review mode {settings.mode!r} is not one of {', '.join(MODES)}")
    try:
        project = project_name(settings.project_dir)
    except StackConfigError as error:
        raise ProgramError(str(error)) from error
    starters: dict[str, _PackStarter] = {}
    try:
        for stack in stacks:
            config_file = settings.policy_config_file(stack)
            if config_file.is_file():
                starters[stack] = _PackStarter(
                    PolicyPackProcess(
                        settings.pack(),
                        project=project,
                        stack=stack,
                        dry_run=settings.preview,
                        config_file=config_file,
                    )
                )
        for stack in stacks:
            if stack not in starters:
                yield stack, _missing_policy_config(stack, project, settings)
                continue
            try:
                yield stack, _review(stack, settings, starters[stack])
            except (ProgramError, PolicyPackError) as error:
                yield stack, error
            finally:
                starters[stack].close()
    finally:
        for starter in starters.values():
            starter.close()


def _missing_policy_config(stack: str, project: str, settings: ReviewSettings) -> ReviewError:
    """Fail closed: without its own config a stack would be judged by the pack's defaults, all advisory.

    A stack file that is missing or broken is the first thing to fix, so its error comes first.
    """
    try:
        read_stack_config(settings.project_dir, stack, project)
    except StackConfigError as error:
        return ProgramError(str(error))
    path, project_dir = settings.policy_config_file(stack), settings.project_dir
    shown = path.relative_to(project_dir) if path.is_relative_to(project_dir) else path
    return PolicyPackConfigError(
        f"no policy config for this stack: create {shown} (start from policies/config/prod.json for a "
        "stack that must be gated, policies/config/dev.json for an advisory one); the pack's defaults are "
        "all advisory, so reviewing without it would pass anything"
    )


def referenced_stack_outputs(stack: str, settings: ReviewSettings) -> dict[str, dict[str, Any]]:
    """Outputs of the stack this stack's images come from (`images.source: stackReference`).

    A referenced stack is already deployed, so its outputs are known: it is evaluated offline in update
    mode from its own `Pulumi.<stack>.yaml`, the last segment of `<org>/<project>/<stack>`.
    """
    try:
        project = project_name(settings.project_dir)
        config = read_stack_config(settings.project_dir, stack, project)
    except StackConfigError as error:
        raise ProgramError(str(error)) from error
    try:
        images = json.loads(config.get(f"{project}:images") or "{}")
    except json.JSONDecodeError:
        return {}  # the program reports malformed settings itself, naming the key
    if not isinstance(images, dict) or images.get("source") != "stackReference":
        return {}
    reference = images.get("stackReference")
    if not isinstance(reference, str):
        return {}  # the program reports the missing setting itself
    source = evaluate_stack(reference.rsplit("/", 1)[-1], project_dir=settings.project_dir, preview=False)
    return {reference: source.outputs}


def _review(stack: str, settings: ReviewSettings, starter: _PackStarter) -> StackReview:
    """Analyze each resource as the program registers it (as the engine does), AnalyzeStack at the end."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    analyses: dict[str, concurrent.futures.Future[Analysis]] = {}
    registered: dict[str, RecordedResource] = {}

    def analyze(resource: RecordedResource) -> Analysis:
        return starter.ready().analyze_resource(analyzed(resource, registered, final_state=False))

    with concurrent.futures.ThreadPoolExecutor(max_workers=ANALYZE_CONCURRENCY) as analyzer:

        def submit(resource: RecordedResource) -> None:
            registered[resource.urn] = resource  # before its dependents: providers register first
            if not resource.external:  # the engine reads, never analyzes, external resources
                analyses[resource.urn] = analyzer.submit(analyze, resource)

        try:
            recording = evaluate_stack(
                stack,
                project_dir=settings.project_dir,
                preview=settings.preview,
                stack_references=referenced_stack_outputs(stack, settings),
                on_register=submit,
            )
        except ProgramError:
            for future in analyses.values():
                future.cancel()
            raise
        timings["evaluate"] = time.perf_counter() - started
        step = time.perf_counter()
        try:
            results = {urn: future.result() for urn, future in analyses.items()}
        except PolicyPackError:
            for future in analyses.values():  # a hung or dead pack: the rest of the queue would only wait
                future.cancel()
            raise
    timings["pack_start"] = starter.seconds
    timings["analyze_after_evaluate"] = time.perf_counter() - step
    diagnostics: list[Diagnostic] = []
    not_applicable: list[NotApplicable] = []
    for resource in recording.resources:
        if resource.urn in results:
            diagnostics.extend(results[resource.urn].diagnostics)
            not_applicable.extend(results[resource.urn].not_applicable)
    step = time.perf_counter()
    pack = starter.ready()
    stack_analysis = pack.analyze_stack_resources(
        [analyzed(resource, registered, final_state=True) for resource in recording.resources]
    )
    diagnostics.extend(stack_analysis.diagnostics)
    not_applicable.extend(stack_analysis.not_applicable)
    timings["analyze_stack"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - started
    assert pack.info is not None and pack.config_file is not None
    return StackReview(
        recording=recording,
        mode=settings.mode,
        pack_name=pack.info.name,
        pack_version=pack.info.version,
        policy_config_file=pack.config_file,
        diagnostics=diagnostics,
        not_applicable=not_applicable,
        levels={name: entry.enforcement_level for name, entry in pack.config.items()},
        policy_config={name: entry.properties for name, entry in pack.config.items()},
        questions={
            policy.name: tag.removeprefix(QUESTION_TAG)
            for policy in pack.info.policies
            for tag in policy.tags
            if tag.startswith(QUESTION_TAG)
        },
        timings=timings,
    )
