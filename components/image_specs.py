"""The image chain, defined once: each link's build context and the build arg that carries its parent.

The ImageChain component (pulumi-docker) and the real-Docker tests both read these specs, so the
contexts and build args the tests prove are exactly the ones `pulumi up` passes to the build.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

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


def release_tag(spec: ImageSpec, parent_reference: str, root: Path = PROJECT_ROOT) -> str:
    """Content of the context plus the parent's digest: a new tag exactly when the image's inputs change, so
    pushing to an IMMUTABLE repository never collides with an existing tag."""
    parent_digest = parent_reference.rsplit(":", 1)[-1]
    return f"{context_digest(spec, root)[:TAG_PART_LENGTH]}-{parent_digest[:TAG_PART_LENGTH]}"
