"""A stand-in for the upstream CentOS image: a Debian bookworm root filesystem made with debootstrap.

Machines without access to quay.io (CI runners here) cannot pull the real upstream, yet the chain must be
built for real. debootstrap makes a minimal Debian from the Debian mirror apt already reaches; `docker
import` turns it into an image the base Dockerfile builds FROM. The tarball is cached, because debootstrap
takes about half a minute and its output only changes when this recipe does.

What runs on the stand-in: every Dockerfile step, through its apt-get branch (patching, the non-root user,
the JRE, the JDK of the build stage). What only runs on the real upstream: the dnf branches.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import docker
import docker.errors

from container_platform.local_images.engine import INSTALL_HINT, DockerUnavailableError

SUITE = "bookworm"
VARIANT = "minbase"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY_MIRROR = "http://deb.debian.org/debian-security"
REPOSITORY = "container-platform/standin-upstream"


def _mirrors() -> tuple[str, str]:
    """The Debian mirrors; DEBIAN_MIRROR / DEBIAN_SECURITY_MIRROR override them behind a proxy or offline."""
    return (
        os.environ.get("DEBIAN_MIRROR", DEFAULT_MIRROR),
        os.environ.get("DEBIAN_SECURITY_MIRROR", DEFAULT_SECURITY_MIRROR),
    )


def _sources_list(mirror: str, security_mirror: str) -> str:
    # Updates and security suites too, so the base image's patch step has real fixes to apply.
    return (
        f"deb {mirror} {SUITE} main\n"
        f"deb {mirror} {SUITE}-updates main\n"
        f"deb {security_mirror} {SUITE}-security main\n"
    )


def _recipe_key(mirror: str, security_mirror: str) -> str:
    recipe = {"suite": SUITE, "variant": VARIANT, "sources": _sources_list(mirror, security_mirror)}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]


def _debootstrap(target: Path, mirror: str, security_mirror: str) -> None:
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None:
        raise DockerUnavailableError(f"`debootstrap` is missing: no stand-in upstream; {INSTALL_HINT}")
    if os.geteuid() != 0:
        raise DockerUnavailableError("debootstrap needs root to make the stand-in upstream; run as root")
    result = subprocess.run(
        [debootstrap, f"--variant={VARIANT}", SUITE, str(target), mirror],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DockerUnavailableError(
            f"debootstrap {SUITE} from {mirror} failed (set DEBIAN_MIRROR to a reachable Debian mirror):\n"
            + "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        )
    (target / "etc/apt/sources.list").write_text(_sources_list(mirror, security_mirror))
    # An upstream image ships without package caches; so does the stand-in.
    for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for entry in (target / cache).glob("*"):
            if entry.is_file():
                entry.unlink()


def standin_tarball(cache_dir: Path) -> Path:
    """The cached root filesystem tarball, made now if this recipe has none yet."""
    mirror, security_mirror = _mirrors()
    tarball = cache_dir / f"standin-{SUITE}-{VARIANT}-{_recipe_key(mirror, security_mirror)}.tar"
    if tarball.exists():
        return tarball
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cp-debootstrap-", dir=cache_dir) as work:
        root = Path(work) / "root"
        _debootstrap(root, mirror, security_mirror)
        partial = Path(work) / tarball.name
        with tarfile.open(partial, "w") as archive:
            archive.add(root, arcname=".")
        partial.replace(tarball)  # atomic: an interrupted run never leaves a truncated cache entry
    return tarball


def standin_upstream(client: docker.DockerClient, cache_dir: Path) -> str:
    """The stand-in as an image reference in the engine, imported from the cached tarball when missing."""
    tarball = standin_tarball(cache_dir)
    reference = f"{REPOSITORY}:{tarball.stem.removeprefix('standin-')}"
    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        repository, tag = reference.rsplit(":", 1)
        client.api.import_image_from_file(
            str(tarball), repository=repository, tag=tag, changes=['CMD ["/bin/bash"]']
        )
    return reference
