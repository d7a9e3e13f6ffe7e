"""Image chain benchmark: cold build, rebuild after an app change, app image size, start to healthy, req/s.

Run as root from the repository root (`.venv/bin/python bench/bench_images.py`); it starts a private
dockerd on an empty data root and an authenticated registry on loopback, like the tests, and prints a
Markdown table for bench/RESULTS.md. Targets (issue 5): the rebuild after an app-source change
rebuilds only the app layers, in under 10% of the cold build, pushing under 2x the app layer's bytes; the
app adds under 1 MB over the runtime; start to a healthy /health under 1 s.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import docker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.image_specs import IMAGES_DIR, PROJECT_ROOT
from container_platform.local_images.chain_build import (
    BuiltImage,
    build_chain,
    pin_upstream,
    resolve_upstream,
)
from container_platform.local_images.engine import private_docker_engine, repository_cache_dir
from container_platform.local_images.registry import LocalRegistry, free_loopback_port, local_registry

APP_SOURCE = Path(IMAGES_DIR) / "hello-world/src/main/java/example/hello/HelloWorld.java"


def _chain_seconds(built: dict[str, BuiltImage]) -> float:
    return sum(image.build_seconds for image in built.values())


def rebuild_after_app_change(
    client: docker.DockerClient, registry: LocalRegistry, upstream: str
) -> tuple[dict[str, BuiltImage], float]:
    """The chain built again from a copy of the sources where only the app's greeting changed."""
    with tempfile.TemporaryDirectory(prefix="cp-bench-") as copy:
        root = Path(copy)
        shutil.copytree(PROJECT_ROOT / IMAGES_DIR, root / IMAGES_DIR)
        source = root / APP_SOURCE
        source.write_text(source.read_text().replace("Hello, world!", f"Hello, world! ({time.time_ns()})"))
        started = time.monotonic()
        built = build_chain(client, registry, upstream, root=root)
        return built, time.monotonic() - started


def app_layer_bytes(client: docker.DockerClient, app: BuiltImage) -> int:
    """The size of the final stage's COPY of the jar: the one layer an app change must produce."""
    history = client.images.get(app.reference).history()
    return next(int(entry["Size"]) for entry in history if "COPY" in entry["CreatedBy"])


def _seconds_to_health(port: int, container: docker.models.containers.Container, started: float) -> float:
    while time.monotonic() - started < 10:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=0.5) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.01)
    raise RuntimeError(f"/health never answered; logs:\n{container.logs().decode()}")


def start_to_health(client: docker.DockerClient, reference: str, runs: int) -> list[float]:
    """Seconds from `docker run` (create + start) to the first 200 from /health, read-only, as uid 10001."""
    timings = []
    for _ in range(runs):
        port = free_loopback_port()
        started = time.monotonic()
        container = client.containers.run(
            reference,
            detach=True,
            read_only=True,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            network_mode="host",
            environment={"PORT": str(port)},
            mem_limit="512m",
        )
        try:
            timings.append(_seconds_to_health(port, container, started))
        finally:
            container.remove(force=True)
    return timings


def requests_per_second(client: docker.DockerClient, reference: str, seconds: int) -> str:
    """wrk against `/` on loopback for a bounded time; 'n/a (why)' when wrk is not installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return "n/a (install the Debian package `wrk`)"
    port = free_loopback_port()
    container = client.containers.run(
        reference, detach=True, read_only=True, network_mode="host", environment={"PORT": str(port)}
    )
    try:
        _seconds_to_health(port, container, time.monotonic())
        result = subprocess.run(
            [wrk, "-t2", "-c32", f"-d{seconds}s", "--timeout", "2s", f"http://127.0.0.1:{port}/"],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        )
    finally:
        container.remove(force=True)
    figures = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    latency = re.search(r"Latency\s+(\S+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*", result.stdout)
    assert figures and latency, result.stdout
    summary = f"{float(figures[1]):,.0f} req/s, mean latency {latency[1]}"
    return f"{summary} ({errors[0]})" if errors else summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="container starts to time")
    parser.add_argument("--load-seconds", type=int, default=10, help="how long wrk loads `/`")
    args = parser.parse_args()
    # An engine of its own on an empty data root: the cold build is what a fresh CI runner pays, and the
    # build cache the tests use stays as it was.
    with (
        tempfile.TemporaryDirectory(prefix="cp-bench-engine-") as data_root,
        private_docker_engine(Path(data_root)) as client,
        local_registry() as registry,
    ):
        upstream = pin_upstream(client, registry, resolve_upstream(client, repository_cache_dir()))
        cold = build_chain(client, registry, upstream)
        stored_before_rebuild = registry.stored_bytes()
        rebuilt, rebuild_seconds = rebuild_after_app_change(client, registry, upstream)
        received = registry.stored_bytes() - stored_before_rebuild
        app = rebuilt["hello-world"]
        layer = app_layer_bytes(client, app)
        pushed = sum(image.bytes_pushed for image in rebuilt.values())
        runtime_size = client.images.get(rebuilt["java-runtime"].reference).attrs["Size"]
        app_size = client.images.get(app.reference).attrs["Size"]
        starts = start_to_health(client, app.reference, args.runs)
        load = requests_per_second(client, app.reference, args.load_seconds)
    cold_seconds = _chain_seconds(cold)
    unchanged = [name for name in ("base", "java-runtime") if rebuilt[name].digest == cold[name].digest]
    rows = [
        ("Upstream", upstream, ""),
        (
            "Cold chain build (empty engine), base / runtime / app",
            f"{cold_seconds:.1f} s = "
            + " / ".join(f"{image.build_seconds:.1f}" for image in cold.values()),
            "",
        ),
        (
            "Rebuild after an app source change (whole chain, incl. pushes)",
            f"{rebuild_seconds:.1f} s = {100 * rebuild_seconds / cold_seconds:.1f}% of cold",
            "< 10%",
        ),
        (
            "of which builds, base / runtime / app",
            " / ".join(f"{image.build_seconds:.2f} s" for image in rebuilt.values()),
            "",
        ),
        (
            "Steps run in the rebuild, base / runtime / app",
            " / ".join(f"{b.steps_run} of {b.steps_run + b.steps_cached}" for b in rebuilt.values()),
            "app only",
        ),
        ("Links whose digest the rebuild kept", ", ".join(unchanged) or "none", "base, java-runtime"),
        (
            "Layer bytes pushed by the rebuild / app layer",
            f"{pushed:,} B / {layer:,} B = {pushed / layer:.2f}x",
            "< 2x",
        ),
        ("New bytes the registry stored (compressed layer, image config, manifest)", f"{received:,} B", ""),
        ("App image over runtime image", f"{app_size - runtime_size:,} B", "< 1 MB"),
        (
            f"`docker run` to first 200 from /health ({args.runs} runs)",
            f"median {statistics.median(starts):.2f} s, max {max(starts):.2f} s",
            "< 1 s",
        ),
        (f"`/` under wrk, 2 threads, 32 connections, {args.load_seconds} s", load, ""),
    ]
    print("| Figure | Result | Target |\n| --- | --- | --- |")
    for figure, result, target in rows:
        print(f"| {figure} | {result} | {target} |")


if __name__ == "__main__":
    main()
