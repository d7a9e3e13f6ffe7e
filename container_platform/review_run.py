"""One stack's offline review: record the program, then show it to the real policy pack as the engine would.

The engine calls Analyze for every resource it registers (the root stack and providers included, reads
excluded) with the resource's inputs, then AnalyzeStack once with every resource's final state. We do
the same, in the recording's order, against `policies/` configured with `policies/config/<stack>.json`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from container_platform.analyzer_client import (
    AnalyzedResource,
    Diagnostic,
    NotApplicable,
    PolicyPackProcess,
)
from container_platform.offline_runtime import (
    PROJECT_ROOT,
    RecordedResource,
    StackRecording,
    evaluate_stack,
)

WAIVERS_USED_POLICY = "waivers-used"
MODES = ("preview", "update")


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
    policy_config_file: Path | None  # None: no config file for the stack, the pack's defaults applied
    diagnostics: list[Diagnostic]
    not_applicable: list[NotApplicable]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stack(self) -> str:
        return self.recording.stack

    @property
    def violations(self) -> list[Diagnostic]:
        """Findings of the rules themselves; `waivers-used` reports exceptions, not violations."""
        return [d for d in self.diagnostics if d.policy_name != WAIVERS_USED_POLICY]

    @property
    def waivers_used(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.policy_name == WAIVERS_USED_POLICY]

    @property
    def mandatory_violations(self) -> list[Diagnostic]:
        return [d for d in self.violations if d.enforcement_level == "mandatory"]

    @property
    def passed(self) -> bool:
        return not self.mandatory_violations


def analyzed(resource: RecordedResource, *, final_state: bool) -> AnalyzedResource:
    """The resource as the engine hands it over: inputs for Analyze, final state for AnalyzeStack."""
    return AnalyzedResource(
        urn=resource.urn,
        type=resource.type,
        name=resource.name,
        properties=resource.outputs if final_state else resource.inputs,
        parent=resource.parent,
        dependencies=resource.dependencies,
        property_dependencies=resource.property_dependencies,
    )


def review_stack(stack: str, settings: ReviewSettings) -> StackReview:
    """Evaluate `stack` under the mocks and run the policy pack over it; errors keep their clear messages."""
    if settings.mode not in MODES:
        raise ValueError(f"review mode {settings.mode!r} is not one of {', '.join(MODES)}")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    recording = evaluate_stack(stack, project_dir=settings.project_dir, preview=settings.preview)
    timings["evaluate"] = time.perf_counter() - started

    config_file: Path | None = settings.policy_config_file(stack)
    if not config_file.is_file():
        config_file = None
    step = time.perf_counter()
    with PolicyPackProcess(
        settings.pack(),
        project=recording.project,
        stack=stack,
        dry_run=settings.preview,
        config_file=config_file,
    ) as pack:
        timings["pack_start"] = time.perf_counter() - step
        step = time.perf_counter()
        diagnostics: list[Diagnostic] = []
        not_applicable: list[NotApplicable] = []
        for resource in recording.resources:
            if resource.external:
                continue
            analysis = pack.analyze_resource(analyzed(resource, final_state=False))
            diagnostics.extend(analysis.diagnostics)
            not_applicable.extend(analysis.not_applicable)
        timings["analyze"] = time.perf_counter() - step
        step = time.perf_counter()
        stack_analysis = pack.analyze_stack_resources(
            [analyzed(resource, final_state=True) for resource in recording.resources]
        )
        diagnostics.extend(stack_analysis.diagnostics)
        not_applicable.extend(stack_analysis.not_applicable)
        timings["analyze_stack"] = time.perf_counter() - step
        assert pack.info is not None
        pack_name, pack_version = pack.info.name, pack.info.version
    timings["total"] = time.perf_counter() - started
    return StackReview(
        recording=recording,
        mode=settings.mode,
        pack_name=pack_name,
        pack_version=pack_version,
        policy_config_file=config_file,
        diagnostics=diagnostics,
        not_applicable=not_applicable,
        timings=timings,
    )
