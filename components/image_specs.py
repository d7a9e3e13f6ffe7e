"""The image chain, defined once: each link's build context, the build arg that carries its parent, and the
build args every Dockerfile turns into its lineage labels.

The ImageChain component (pulumi-docker) and the real-Docker tests both read these specs, so the
contexts, build args and labels the tests prove are exactly the ones `pulumi up` passes to the build.
pulumi-docker's build takes no labels, so the lineage travels as build args that each Dockerfile's last
LABEL writes (last, so a new revision re-runs no package step).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from image_references.lineage import parse_pinned

PROJECT_ROOT = Path(__file__).resolve().parent.parent
IMAGES_DIR = "images"


@dataclass(frozen=True)
class ImageSpec:
    """One link of the chain; `name` is also the last segment of its ECR repository name."""

    name: str
    context: str
    parent_arg: str
    parent: str | None

    @property
    def dockerfile(self) -> str:
        return f"{self.context}/Dockerfile"

    def context_path(self, root: Path = PROJECT_ROOT) -> Path:
        return root / self.context


BASE = ImageSpec(name="base", context=f"{IMAGES_DIR}/base", parent_arg="UPSTREAM", parent=None)
JAVA_RUNTIME = ImageSpec(
    name="java-runtime", context=f"{IMAGES_DIR}/java-runtime", parent_arg="BASE_IMAGE", parent="base"
)
PLATFORM_IMAGES = (BASE, JAVA_RUNTIME)


def application_image(name: str, context: str | None = None) -> ImageSpec:
    """An application image, built FROM the Java runtime by digest."""
    return ImageSpec(
        name=name,
        context=context or f"{IMAGES_DIR}/{name}",
        parent_arg="RUNTIME_IMAGE",
        parent=JAVA_RUNTIME.name,
    )


def context_digest(spec: ImageSpec, root: Path = PROJECT_ROOT) -> str:
    """A hash of every file in the build context, so an image tag changes exactly when its inputs do."""
    digest = hashlib.sha256()
    context = spec.context_path(root)
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(path.relative_to(context).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


TAG_PART_LENGTH = 16


def release_tag(spec: ImageSpec, parent_reference: str, revision: str, root: Path = PROJECT_ROOT) -> str:
    """Content of the context and the source revision its label records, plus the parent's digest: a new tag
    exactly when the image's inputs (bytes or labels) change, so pushing to an IMMUTABLE repository never
    collides with an existing tag."""
    parent_digest = parent_reference.rsplit(":", 1)[-1]
    inputs = hashlib.sha256(f"{context_digest(spec, root)}\0{revision}".encode()).hexdigest()
    return f"{inputs[:TAG_PART_LENGTH]}-{parent_digest[:TAG_PART_LENGTH]}"


# The lineage every image carries. The OCI annotation keys name the parent; the chain's own key names the
# upstream at the root, which a runtime or application image cannot otherwise tell without its ancestors.
BASE_NAME_LABEL = "org.opencontainers.image.base.name"
BASE_DIGEST_LABEL = "org.opencontainers.image.base.digest"
UPSTREAM_LABEL = "com.github.container-platform.chain.upstream"
REVISION_LABEL = "org.opencontainers.image.revision"
# The build arg each label is written from (images/*/Dockerfile: `LABEL <label>="${<arg>}"`).
LINEAGE_BUILD_ARGS = {
    BASE_NAME_LABEL: "PARENT_NAME",
    BASE_DIGEST_LABEL: "PARENT_DIGEST",
    UPSTREAM_LABEL: "CHAIN_UPSTREAM",
    REVISION_LABEL: "REVISION",
}


def lineage_labels(spec: ImageSpec, parent_reference: str, upstream: str, revision: str) -> dict[str, str]:
    """The labels an image built FROM `parent_reference` carries; ValueError unless the parent is pinned."""
    parent = parse_pinned(parent_reference, setting=f"{spec.name} build arg {spec.parent_arg}")
    return {
        BASE_NAME_LABEL: f"{parent.name}{':' + parent.tag if parent.tag else ''}",
        BASE_DIGEST_LABEL: parent.digest,
        UPSTREAM_LABEL: upstream,
        REVISION_LABEL: revision,
    }


def lineage_build_args(
    spec: ImageSpec, parent_reference: str, upstream: str, revision: str
) -> dict[str, str]:
    """Every build arg of one link: its parent, and the lineage its Dockerfile writes into its labels."""
    labels = lineage_labels(spec, parent_reference, upstream, revision)
    return {
        spec.parent_arg: parent_reference,
        **{LINEAGE_BUILD_ARGS[label]: value for label, value in labels.items()},
    }


def spec_named(name: str) -> ImageSpec:
    """The spec of a chain image by name: a platform image, or an application built FROM the runtime."""
    return {spec.name: spec for spec in PLATFORM_IMAGES}.get(name) or application_image(name)
