"""Build the image chain with a local Docker engine and push it, each link FROM its parent's pushed digest.

It reads the contexts, build args and lineage labels from `components.image_specs`, the definition the
Pulumi ImageChain component hands to pulumi-docker, so what the tests and the benchmark build is what
`pulumi up` builds, lineage included.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import dockerfile

from components.image_specs import (
    BASE,
    JAVA_RUNTIME,
    PROJECT_ROOT,
    ImageSpec,
    application_image,
    lineage_build_args,
    release_tag,
)
from components.source_revision import source_revision
from container_platform.local_images.registry import LocalRegistry
from container_platform.local_images.standin_upstream import standin_upstream
from image_references.lineage import ImageLineage, LineageError, parse_pinned

DEFAULT_CHAIN = (BASE, JAVA_RUNTIME, application_image("hello-world"))
DEFAULT_REPOSITORY_PREFIX = "container-platform"
UPSTREAM_SETTING = "CONTAINER_PLATFORM_UPSTREAM"
STANDIN = "standin"
PINNED = "pinned"


class ChainBuildError(RuntimeError):
    """A build or push failed; the message carries the engine's own last lines."""


@dataclass(frozen=True)
class BuiltImage:
    """One pushed link: its digest reference, and what the build and push cost."""

    spec: ImageSpec
    reference: str
    pushed_tag: str
    parent_reference: str
    upstream: str
    source_revision: str
    build_seconds: float
    steps_run: int
    steps_cached: int
    bytes_pushed: int

    @property
    def digest(self) -> str:
        return self.reference.rsplit("@", 1)[1]

    @property
    def lineage(self) -> ImageLineage:
        """What this build records, in the shape the program's `imageLineage` output publishes."""
        return ImageLineage(
            image=self.spec.name,
            reference=parse_pinned(self.reference, setting=f"{self.spec.name} reference"),
            parent=parse_pinned(self.parent_reference, setting=f"{self.spec.name} parent"),
            upstream=parse_pinned(self.upstream, setting=f"{self.spec.name} upstream"),
            source_revision=self.source_revision,
        )


def pinned_upstream(root: Path = PROJECT_ROOT) -> str:
    """The base Dockerfile's default UPSTREAM, the digest-pinned CentOS Stream image."""
    for instruction in dockerfile.parse_file(str(BASE.context_path(root) / "Dockerfile")):
        if instruction.cmd == "ARG" and instruction.value[0].startswith(f"{BASE.parent_arg}="):
            return instruction.value[0].split("=", 1)[1]
    raise ChainBuildError(f"{BASE.dockerfile} has no default for ARG {BASE.parent_arg}")


def resolve_upstream(client: docker.DockerClient, cache_dir: Path, choice: str | None = None) -> str:
    """The image the base builds FROM, chosen by CONTAINER_PLATFORM_UPSTREAM.

    `standin` (the default): the Debian stand-in, since the upstream cannot be pulled everywhere.
    `pinned`: the real CentOS Stream upstream pinned in images/base/Dockerfile, pulled now.
    Anything else: that image reference, pulled unless the engine already has it.
    """
    choice = choice or os.environ.get(UPSTREAM_SETTING) or STANDIN
    if choice == STANDIN:
        return standin_upstream(client, cache_dir)
    reference = pinned_upstream() if choice == PINNED else choice
    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        try:
            client.images.pull(reference)
        except docker.errors.APIError as error:
            raise ChainBuildError(
                f"{UPSTREAM_SETTING}={choice}: cannot pull {reference} ({error.explanation}); unset "
                f"{UPSTREAM_SETTING} to build on the Debian stand-in instead"
            ) from error
    return reference


def pin_upstream(client: docker.DockerClient, registry: LocalRegistry, reference: str) -> str:
    """`reference` pinned by digest, as the program requires of images.upstream: as given when it names a
    digest, by the digest it was pulled with when it has one, else pushed to `registry` (the stand-in, which
    exists only in the local engine) and named by the digest the registry gave it."""
    try:
        return str(parse_pinned(reference, setting="upstream"))
    except LineageError:
        pass
    image = client.images.get(reference)
    name = reference.rsplit(":", 1)[0] if ":" in reference.rsplit("/", 1)[-1] else reference
    for repo_digest in image.attrs.get("RepoDigests") or []:
        if repo_digest.split("@", 1)[0] == name:
            return str(repo_digest)
    repository = registry.repository(name)
    tag = reference.rsplit(":", 1)[-1] if name != reference else "latest"
    image.tag(repository, tag)
    client.login(username=registry.username, password=registry.password, registry=registry.host)
    digest, _ = _push(client, registry, repository, tag)
    return f"{repository}@{digest}"


def _build_step_counts(log: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """(steps run, steps served from cache), read from the engine's build log.

    FROM and the ARGs before the first FROM make no layer, so they are neither run nor cached.
    """
    lines = "".join(str(entry.get("stream", "")) for entry in log).splitlines()
    cacheable = 0
    seen_from = False
    for line in lines:
        step = re.match(r"Step \d+/\d+ : (\w+)", line)
        if step is None:
            continue
        instruction = step[1].upper()
        seen_from = seen_from or instruction == "FROM"
        cacheable += instruction != "FROM" and seen_from
    cached = sum(1 for line in lines if line.strip() == "---> Using cache")
    return cacheable - cached, cached


def _push(
    client: docker.DockerClient, registry: LocalRegistry, repository: str, tag: str
) -> tuple[str, int]:
    """Push one tag; return its manifest digest and the bytes of the layers the registry lacked."""
    auth = {"username": registry.username, "password": registry.password}
    uploaded: dict[str, int] = {}
    digest = None
    for raw in client.api.push(repository, tag=tag, auth_config=auth, stream=True):
        for line in raw.decode().splitlines():
            event = json.loads(line)
            if "error" in event:
                raise ChainBuildError(f"push of {repository}:{tag} failed: {event['error']}")
            if event.get("status") == "Pushing":
                uploaded[event["id"]] = int(event.get("progressDetail", {}).get("total") or 0)
            digest = event.get("aux", {}).get("Digest", digest)
    if digest is None:
        raise ChainBuildError(f"push of {repository}:{tag} reported no digest")
    return digest, sum(uploaded.values())


def build_link(
    client: docker.DockerClient,
    registry: LocalRegistry,
    spec: ImageSpec,
    parent_reference: str,
    upstream: str,
    *,
    root: Path = PROJECT_ROOT,
    repository_prefix: str = DEFAULT_REPOSITORY_PREFIX,
) -> BuiltImage:
    """Build one link FROM `parent_reference` (through the spec's build arg) with its lineage labels, push
    it, return its digest."""
    repository_name = f"{repository_prefix}/{spec.name}"
    repository = registry.repository(repository_name)
    revision = source_revision(spec.context_path(root))
    tag = release_tag(spec, parent_reference, revision, root)
    started = time.monotonic()
    try:
        image, log = client.images.build(
            path=str(spec.context_path(root)),
            dockerfile="Dockerfile",
            # A name independent of the registry's port keeps the image, and so the build cache, across runs.
            tag=f"{repository_name}:{tag}",
            buildargs=lineage_build_args(spec, parent_reference, upstream, revision),
            network_mode="host",  # the private engine has no bridge; RUN steps reach the package mirror
            rm=True,
            forcerm=True,
            pull=False,
        )
    except docker.errors.BuildError as error:
        tail = "".join(str(entry.get("stream", entry.get("error", ""))) for entry in error.build_log)
        raise ChainBuildError(
            f"building {spec.name} from {spec.context} failed: {error.msg}\n{tail[-3000:]}"
        ) from error
    build_seconds = time.monotonic() - started
    steps_run, steps_cached = _build_step_counts(log)
    image.tag(repository, tag)
    digest, bytes_pushed = _push(client, registry, repository, tag)
    return BuiltImage(
        spec=spec,
        reference=f"{repository}@{digest}",
        pushed_tag=f"{repository}:{tag}",
        parent_reference=parent_reference,
        upstream=upstream,
        source_revision=revision,
        build_seconds=build_seconds,
        steps_run=steps_run,
        steps_cached=steps_cached,
        bytes_pushed=bytes_pushed,
    )


def build_chain(
    client: docker.DockerClient,
    registry: LocalRegistry,
    upstream: str,
    chain: Sequence[ImageSpec] = DEFAULT_CHAIN,
    *,
    root: Path = PROJECT_ROOT,
) -> dict[str, BuiltImage]:
    """Build and push `chain` in order; each parent is an earlier link, or `upstream` for the base.

    `upstream` must be pinned by digest (pin_upstream), as the program requires: the lineage names digests.
    """
    try:
        parse_pinned(upstream, setting="upstream")
    except LineageError as error:
        raise ChainBuildError(f"{error}; pin it with pin_upstream() first") from None
    client.login(username=registry.username, password=registry.password, registry=registry.host)
    built: dict[str, BuiltImage] = {}
    for spec in chain:
        if spec.parent is None:
            parent_reference = upstream
        elif spec.parent in built:
            parent_reference = built[spec.parent].reference
        else:
            raise ChainBuildError(
                f"{spec.name} builds FROM {spec.parent}, which comes later in the chain or not at all"
            )
        built[spec.name] = build_link(client, registry, spec, parent_reference, upstream, root=root)
    return built


def forget_pushed(client: docker.DockerClient, built: Mapping[str, BuiltImage]) -> None:
    """Drop the engine's references to a registry that is going away; the images keep their local names."""
    for image in built.values():
        for reference in (image.pushed_tag, image.reference):
            try:
                client.images.remove(reference, noprune=True)
            except docker.errors.ImageNotFound:
                continue
