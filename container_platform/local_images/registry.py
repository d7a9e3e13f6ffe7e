"""A private registry on loopback with htpasswd authentication, standing in for ECR in local builds.

ECR refuses anonymous pushes and pulls; the stand-in does too, so the tests prove the chain logs in, pushes
and pulls by digest the way the pipeline does against ECR. It is Docker's own registry (distribution), from
the `docker-registry` Debian package, bound to 127.0.0.1 only, which Docker trusts without TLS.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import yaml

from container_platform.local_images.engine import INSTALL_HINT, DockerUnavailableError

START_TIMEOUT_SECONDS = 15.0
USERNAME = "pipeline"
# Each image's `base.name` label holds its parent's reference, registry port included: a port that stays the
# same between runs keeps those labels, and so the build cache and the digests, the same too.
PREFERRED_PORT = 5055
STORAGE = "data"


@dataclass(frozen=True)
class LocalRegistry:
    """Where the registry listens and the one identity allowed to use it (the pipeline's, as in ECR)."""

    host: str
    username: str
    password: str
    storage: Path

    def repository(self, name: str) -> str:
        return f"{self.host}/{name}"

    def stored_bytes(self) -> int:
        """Bytes of every blob (layers, configs, manifests) the registry holds; a push adds what it sent."""
        return sum(blob.stat().st_size for blob in self.storage.rglob("blobs/**/data") if blob.is_file())


def free_loopback_port(preferred: int = 0) -> int:
    """`preferred` if nothing listens on it, else any free port, so parallel runs and other services never
    collide."""
    for candidate in (preferred, 0) if preferred else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As servers bind: a port whose last connections linger in TIME_WAIT is free to listen on.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


def _config(root: Path, port: int, htpasswd: Path) -> dict[str, object]:
    return {
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {"filesystem": {"rootdirectory": str(root / STORAGE)}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}"},
        "auth": {"htpasswd": {"realm": "container-platform", "path": str(htpasswd)}},
    }


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DockerUnavailableError(
                f"docker-registry exited with status {process.returncode}: {log.read_text(errors='replace')}"
            )
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
        except urllib.error.HTTPError as answer:
            if answer.code == 401:  # listening, and refusing anonymous clients as it should
                return
        except OSError:
            time.sleep(0.1)
            continue
        raise DockerUnavailableError(f"the registry on 127.0.0.1:{port} answered anonymous clients")
    raise DockerUnavailableError(f"docker-registry did not listen within {START_TIMEOUT_SECONDS:.0f} s")


@contextmanager
def local_registry() -> Iterator[LocalRegistry]:
    """Run an authenticated registry with throwaway storage for the block; stop it and delete it after."""
    binary = shutil.which("docker-registry") or shutil.which("registry")
    if binary is None:
        raise DockerUnavailableError(f"`docker-registry` is not installed; {INSTALL_HINT}")
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="cp-registry-") as directory:
        root = Path(directory)
        htpasswd = root / "htpasswd"
        # The registry checks the bcrypt hash on every request of a push, so the lowest cost keeps it fast;
        # a random 144-bit password in a throwaway file needs no key stretching.
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
        htpasswd.write_text(f"{USERNAME}:{hashed}\n")
        port = free_loopback_port(PREFERRED_PORT)
        config = root / "config.yml"
        config.write_text(yaml.safe_dump(_config(root, port, htpasswd)))
        log = root / "registry.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [binary, "serve", str(config)], stdout=log_file, stderr=subprocess.STDOUT
            )
        try:
            _wait_until_listening(process, port, log)
            yield LocalRegistry(
                host=f"127.0.0.1:{port}", username=USERNAME, password=password, storage=root / STORAGE
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
