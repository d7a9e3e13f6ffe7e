"""Question 1 as evidence: each service's chain (app -> runtime -> base -> upstream) as it was recorded.

A stack that builds records its lineage in the build args of each docker Image (the ones the Dockerfiles
write into the labels); a promoted stack records it in its stack file, written by promotion, whose log
says when, from which stack and whether ECR confirmed it. Every fact says where it comes from, and what
nothing records is shown as not recorded: it is never read from today's Dockerfiles, which describe the
next build, not the images that run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.image_specs import (
    LINEAGE_BUILD_ARGS,
    PLATFORM_IMAGES,
    REVISION_LABEL,
    UPSTREAM_LABEL,
    spec_named,
)
from container_platform.promotion.policy_config_file import LINEAGE_POLICY, RECORDED_LINEAGE
from container_platform.promotion.record import PromotionRecord, read_log
from container_platform.review.facts import _images_config
from container_platform.review.offline_runtime import UNKNOWN, StackRecording, plain
from container_platform.stack_config import stack_file
from image_references.lineage import LINEAGE_OUTPUT, PARENT, REFERENCE, SOURCE_REVISION, UPSTREAM

IMAGE_TYPE = "docker:index/image:Image"
TASK_DEFINITION_TYPE = "aws:ecs/taskDefinition:TaskDefinition"
DIGESTS_OUTPUT = "imageDigests"
NOT_KNOWN = "(unknown until deployed)"
NOT_RECORDED = "(not recorded)"


@dataclass(frozen=True)
class LineageLink:
    image: str
    reference: str
    parent: str
    source_revision: str
    evidence: str  # where these facts come from


@dataclass(frozen=True)
class ChainLineage:
    workload: str  # "<task definition> / <container>"
    container_image: str
    links: tuple[LineageLink, ...]
    upstream: str
    upstream_evidence: str


def _known(value: Any) -> Any:
    value = plain(value)
    return None if value == UNKNOWN or (isinstance(value, str) and UNKNOWN in value) else value


def _promotion_evidence(records: list[PromotionRecord], image: str, reference: str) -> str | None:
    """`recorded at promotion on <date> from <stack>, <ECR checks>` of the latest record of this digest."""
    for record in reversed(records):
        entry = record.lineage.get(image) or {}
        if entry.get(REFERENCE) == reference:
            return (
                f"recorded at promotion on {record.promoted_at:%Y-%m-%d %H:%M} UTC from stack "
                f"{record.from_stack!r}, {record.ecr_checks}"
            )
    return None


class _Recorded:
    """The lineage facts one stack recording holds, image by image."""

    def __init__(
        self, recording: StackRecording, project_dir: Path, stack: str, judged: Mapping[str, Any]
    ) -> None:
        self.judged = judged
        self.built = {r.name: r for r in recording.of_type(IMAGE_TYPE)}
        self.images_config = _images_config(recording)
        published = _known(recording.outputs.get(LINEAGE_OUTPUT))
        self.lineage: Mapping[str, Any] = published if isinstance(published, Mapping) else {}
        digests = _known(recording.outputs.get(DIGESTS_OUTPUT))
        self.digests: Mapping[str, Any] = digests if isinstance(digests, Mapping) else {}
        self.records = read_log(project_dir, stack)
        self.stack_file = stack_file(project_dir, stack).name

    def link(self, image: str) -> tuple[LineageLink, str, str]:
        """The image's link, and the upstream it records with where that comes from."""
        resource = self.built.get(image)
        if resource is not None:
            build = _known(resource.inputs.get("build")) or {}
            args = build.get("args") or {} if isinstance(build, Mapping) else {}
            spec = spec_named(image)
            evidence = f"built in this stack (build args of docker Image {image!r})"
            upstream = _known(args.get(LINEAGE_BUILD_ARGS[UPSTREAM_LABEL])) or NOT_KNOWN
            return (
                LineageLink(
                    image,
                    _known(resource.outputs.get("repoDigest")) or NOT_KNOWN,
                    _known(args.get(spec.parent_arg)) or NOT_KNOWN,
                    _known(args.get(LINEAGE_BUILD_ARGS[REVISION_LABEL])) or NOT_KNOWN,
                    evidence,
                ),
                upstream,
                evidence,
            )
        entry = self.lineage.get(image)
        reference = str(self.digests.get(image, NOT_KNOWN))
        if not isinstance(entry, Mapping):
            return LineageLink(image, reference, NOT_RECORDED, NOT_RECORDED, "no lineage recorded"), "", ""
        if self.images_config.get("source") == "stackReference":
            evidence = f"read from stack {self.images_config.get('stackReference')}'s {LINEAGE_OUTPUT} output"
        else:
            evidence = _promotion_evidence(self.records, image, str(entry.get(REFERENCE))) or (
                f"written in {self.stack_file}; no promotion record names this digest"
            )
        if self.judged and self.judged.get(image) != dict(entry):
            evidence += (
                f"; DISAGREES with the lineage the {LINEAGE_POLICY} policy judges "
                f"({self.judged.get(image)!r}): one of the two files was edited by hand"
            )
        return (
            LineageLink(
                image,
                str(entry.get(REFERENCE, reference)),
                str(entry.get(PARENT, NOT_RECORDED)),
                str(entry.get(SOURCE_REVISION, NOT_RECORDED)),
                evidence,
            ),
            str(entry.get(UPSTREAM, NOT_RECORDED)),
            evidence,
        )


def _image_name(reference: str) -> str:
    return reference.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]


def _chain(recorded: _Recorded, workload: str, container_image: str, image: str) -> ChainLineage:
    links: list[LineageLink] = []
    upstream, upstream_evidence = NOT_RECORDED, "no lineage recorded"
    name: str | None = image
    while name is not None:
        link, upstream_here, evidence = recorded.link(name)
        links.append(link)
        if upstream_here:
            upstream, upstream_evidence = upstream_here, evidence
        name = spec_named(name).parent
    return ChainLineage(workload, container_image, tuple(links), upstream, upstream_evidence)


def judged_lineage(policy_config_file: Path | None) -> Mapping[str, Any]:
    """The lineage the stack's `promoted-lineage` policy judges (empty where that policy has none)."""
    if policy_config_file is None or not policy_config_file.is_file():
        return {}
    try:
        settings = json.loads(policy_config_file.read_text()).get(LINEAGE_POLICY)
    except (json.JSONDecodeError, AttributeError):
        return {}
    lineage = settings.get(RECORDED_LINEAGE) if isinstance(settings, Mapping) else None
    return lineage if isinstance(lineage, Mapping) else {}


def chain_lineage(
    recording: StackRecording, project_dir: Path, stack: str, policy_config_file: Path | None = None
) -> list[ChainLineage]:
    """For every container of every task definition, its chain as recorded, root last; then the chain of
    every application image no known container runs yet (in preview the task definitions are unknown).
    A promoted image's lineage is also compared with the copy in the policy config that prod's policy
    judges, so a hand edit of one file shows."""
    recorded = _Recorded(recording, project_dir, stack, judged_lineage(policy_config_file))
    chains: list[ChainLineage] = []
    chained: set[str] = set()
    for task in recording.of_type(TASK_DEFINITION_TYPE):
        definitions = _known(task.inputs.get("containerDefinitions"))
        if isinstance(definitions, str):
            definitions = json.loads(definitions)
        for container in definitions if isinstance(definitions, list) else []:
            image = str(container.get("image", NOT_KNOWN))
            workload = f"{task.name} / {container.get('name', '?')}"
            chains.append(_chain(recorded, workload, image, _image_name(image)))
            chained.add(_image_name(image))
    platform = {spec.name for spec in PLATFORM_IMAGES}
    pinned = recorded.images_config.get("pinned")
    candidates = {*recorded.built, *recorded.lineage, *recorded.digests, *(pinned or {})}
    for name in sorted(candidates - platform - chained):
        chains.append(_chain(recorded, name, NOT_KNOWN, name))
    return chains


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ") or " "


def lineage_markdown(chains: list[ChainLineage]) -> list[str]:
    """The report's first section body: one table per container, the upstream under it."""
    if not chains:
        return ["No container images in this stack.", ""]
    lines: list[str] = []
    for chain in chains:
        lines += [f"### {chain.workload}", "", f"Container image: `{chain.container_image}`", ""]
        lines += [
            "| image | digest reference | built FROM (recorded) | source revision | where this comes from |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| `{link.image}` | `{_cell(link.reference)}` | `{_cell(link.parent)}` | "
            f"`{_cell(link.source_revision)}` | {_cell(link.evidence)} |"
            for link in chain.links
        ]
        lines += ["", f"Upstream at the root: `{chain.upstream}` ({chain.upstream_evidence})", ""]
    return lines
