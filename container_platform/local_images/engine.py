"""A Docker engine for local builds: the one already running, or a private dockerd started and stopped here.

The image tests and the benchmark need a real engine, but a newcomer's machine or a fresh CI runner has none
running. Starting a private daemon (own socket, own data root, no iptables, no bridge) touches nothing the
machine already runs, and stopping exactly what was started leaves the machine as it was.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
import docker.errors

from container_platform.project import PROJECT_ROOT

INSTALL_HINT = (
    "install a Docker engine, a registry and debootstrap (Debian/Ubuntu, as root: "
    "`apt-get install docker.io docker-registry debootstrap`), or point DOCKER_HOST at a running engine"
)
# overlay2 is fast; vfs works on any filesystem (nested containers, odd kernels), only slower and larger.
STORAGE_DRIVERS = ("overlay2", "vfs")
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 20.0


class DockerUnavailableError(RuntimeError):
    """No engine runs and none can be started here; the message says why and how to install one."""


def repository_cache_dir() -> Path:
    """Where slow, reusable artefacts (the debootstrap stand-in, the private engine's images) are kept.

    `CONTAINER_PLATFORM_CACHE` overrides it; the default is `.cache/` in the repository, which git ignores.
    """
    configured = os.environ.get("CONTAINER_PLATFORM_CACHE")
    if configured:
        return Path(configured).expanduser().resolve()
    return PROJECT_ROOT / ".cache" / "container-platform"


def _responding_client(base_url: str | None) -> docker.DockerClient | None:
    try:
        client = docker.DockerClient(base_url=base_url) if base_url else docker.from_env()
        client.ping()
    except (docker.errors.DockerException, OSError):
        return None
    return client


def _wait_for_daemon(process: subprocess.Popen[bytes], base_url: str, log: Path) -> docker.DockerClient:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DockerUnavailableError(
                f"dockerd exited with status {process.returncode}; last lines of {log}:\n{_tail(log)}"
            )
        client = _responding_client(base_url)
        if client is not None:
            return client
        time.sleep(0.2)
    raise DockerUnavailableError(f"dockerd did not answer within {START_TIMEOUT_SECONDS:.0f} s; see {log}")


def _tail(log: Path, lines: int = 15) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _stop(process: subprocess.Popen[bytes], *directories: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for directory in directories:
        _unmount_at_or_below(directory)


def _unmount_at_or_below(directory: Path) -> None:
    """dockerd leaves its network namespace mounted in its exec root, and, when it fails to start, its data
    root bind-mounted on itself; unmount them so the directories can be removed."""
    mount_points = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    inside = (point for point in mount_points if point == str(directory) or point.startswith(f"{directory}/"))
    for mount_point in sorted(inside, reverse=True):
        subprocess.run(["umount", mount_point], check=False, capture_output=True)


@contextmanager
def private_docker_engine(data_root: Path) -> Iterator[docker.DockerClient]:
    """A dockerd of our own on `data_root`, even if another engine runs (the benchmark's cold builds)."""
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        raise DockerUnavailableError(
            f"no Docker engine is running and `dockerd` is not installed; {INSTALL_HINT}"
        )
    if os.geteuid() != 0:
        raise DockerUnavailableError(
            f"no Docker engine is running and starting dockerd needs root (uid is {os.geteuid()}); "
            f"{INSTALL_HINT}, then start it (`sudo systemctl start docker`) or run the tests as root"
        )
    # The socket lives in a short temporary directory: unix socket paths are limited to 108 bytes.
    with tempfile.TemporaryDirectory(prefix="cp-dockerd-") as run_dir:
        base_url = f"unix://{run_dir}/docker.sock"
        failures = []
        for driver in STORAGE_DRIVERS:
            log = Path(run_dir) / f"dockerd-{driver}.log"
            command = [
                dockerd,
                f"--host={base_url}",
                f"--data-root={data_root / driver}",
                f"--exec-root={run_dir}/exec",
                f"--pidfile={run_dir}/dockerd.pid",
                f"--storage-driver={driver}",
                "--iptables=false",
                "--bridge=none",
            ]
            with log.open("wb") as log_file:
                process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
            try:
                client = _wait_for_daemon(process, base_url, log)
            except DockerUnavailableError as error:
                _stop(process, Path(run_dir), data_root / driver)
                failures.append(f"storage driver {driver}: {error}")
                continue
            try:
                yield client
            finally:
                client.close()
                _stop(process, Path(run_dir), data_root / driver)
            return
        raise DockerUnavailableError(
            "could not start a private dockerd:\n" + "\n".join(failures) + f"\n{INSTALL_HINT}"
        )


@contextmanager
def docker_engine(cache_dir: Path | None = None) -> Iterator[docker.DockerClient]:
    """A client for a running engine; if none runs, start a private dockerd for the block and stop it after.

    Containers started through this engine must use host networking: the private daemon has no bridge, so it
    never rewrites the machine's firewall.
    """
    running = _responding_client(None)
    if running is not None:
        try:
            yield running
        finally:
            running.close()
        return
    data_root = (cache_dir or repository_cache_dir()) / "dockerd"
    data_root.mkdir(parents=True, exist_ok=True)
    with private_docker_engine(data_root) as client:
        yield client
