"""The chain built, pushed, pulled and run for real, with a Docker engine and an authenticated registry.

On the Debian stand-in (the default here) every Dockerfile step runs through its apt-get branch; the dnf
branches, and the CentOS packages they install, run only when CONTAINER_PLATFORM_UPSTREAM=pinned builds
on the real CentOS Stream upstream. Everything asserted below holds for both.
"""

from __future__ import annotations

import base64
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace

import docker
import docker.models.containers
import pytest

from components.source_revision import source_revision
from container_platform.local_images.chain_build import BuiltImage, pinned_upstream
from container_platform.local_images.registry import LocalRegistry, free_loopback_port
from container_platform.local_images.standin_upstream import REPOSITORY as STANDIN_REPOSITORY
from container_platform.promotion.lineage import label_refusals
from container_platform.promotion.registry_labels import RegistryAccess, image_labels
from image_references.digest_reference import parse_digest_reference
from image_references.lineage import parse_pinned

pytestmark = [pytest.mark.docker, pytest.mark.slow]

HEALTHY_WITHIN_SECONDS = 40.0  # the image's HEALTHCHECK runs every 10 s; healthy on the first success
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"
)


def _on_the_standin(upstream: str) -> bool:
    """Whether the chain was built on the Debian stand-in (pushed to the local registry to pin it)."""
    return parse_pinned(upstream, setting="upstream").repository == STANDIN_REPOSITORY


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def _run(client: docker.DockerClient, reference: str, command: str) -> str:
    """A shell command's output in a throwaway container of `reference`, as the image's own user."""
    container = client.containers.run(
        reference, [command], entrypoint=["bash", "-c"], detach=True, network_mode="none"
    )
    try:
        result = container.wait(timeout=60)
        output = container.logs(stderr=False).decode().strip()
        assert result["StatusCode"] == 0, f"{command!r} failed in {reference}: {container.logs().decode()}"
    finally:
        container.remove(force=True)
    return output


@pytest.fixture(scope="module")
def app_pulled_by_digest(docker_client: docker.DockerClient, chain: dict[str, BuiltImage]) -> str:
    """The app image removed from the engine, then pulled back from the registry by its digest alone."""
    reference = chain["hello-world"].reference
    docker_client.images.remove(reference, force=True)
    docker_client.images.pull(reference)
    return reference


@pytest.fixture(scope="module")
def app_port() -> int:
    return free_loopback_port()


@pytest.fixture(scope="module")
def running_app(
    docker_client: docker.DockerClient, app_pulled_by_digest: str, app_port: int
) -> Iterator[docker.models.containers.Container]:
    """The app as ECS runs it: read-only root filesystem, the image's own non-root user, no capabilities."""
    container = docker_client.containers.run(
        app_pulled_by_digest,
        detach=True,
        read_only=True,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        network_mode="host",  # the private engine has no bridge; PORT keeps it off ports others use
        environment={"PORT": str(app_port)},
        mem_limit="512m",
    )
    yield container
    container.remove(force=True)


def _wait_for_health_endpoint(container: docker.models.containers.Container, port: int) -> float:
    started = time.monotonic()
    while time.monotonic() - started < 15:
        container.reload()
        assert container.status == "running", container.logs().decode()
        try:
            status, _ = _get(f"http://127.0.0.1:{port}/health", timeout=0.5)
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # a JVM still starting, or a busy host
            time.sleep(0.05)
            continue
        if status == 200:
            return time.monotonic() - started
    raise AssertionError(f"/health never answered 200; logs:\n{container.logs().decode()}")


def test_each_link_is_built_from_its_parents_pushed_digest(
    chain: dict[str, BuiltImage], upstream: str
) -> None:
    assert "@sha256:" in upstream, "the upstream is pinned by digest, as the program requires"
    assert chain["base"].parent_reference == upstream
    assert chain["java-runtime"].parent_reference == chain["base"].reference
    assert chain["hello-world"].parent_reference == chain["java-runtime"].reference


def test_the_registry_serves_each_digest_with_its_lineage_labels(
    registry: LocalRegistry, chain: dict[str, BuiltImage], upstream: str
) -> None:
    """By digest, from the registry's config blob (the bytes --verify-ecr reads), not the engine's copy."""
    access = RegistryAccess(f"http://{registry.host}", registry.username, registry.password)
    for built in chain.values():
        repository = built.reference.split("/", 1)[1].split("@")[0]
        [labels] = image_labels(access, repository, built.digest)
        parent_name, parent_digest = built.parent_reference.rsplit("@", 1)
        assert labels["org.opencontainers.image.base.name"] == parent_name
        assert labels["org.opencontainers.image.base.digest"] == parent_digest
        assert labels["com.github.container-platform.chain.upstream"] == upstream
        assert labels["org.opencontainers.image.revision"] == source_revision(built.spec.context_path())
        assert labels["org.opencontainers.image.title"] == built.spec.name


def test_verification_accepts_the_built_lineage_and_refuses_a_claimed_one(
    registry: LocalRegistry, chain: dict[str, BuiltImage]
) -> None:
    """The check --verify-ecr makes, against the real chain: the lineage the build recorded agrees with the
    labels; outputs that claim another upstream (the approved one) for the same digests do not."""
    access = RegistryAccess(f"http://{registry.host}", registry.username, registry.password)
    images = {name: parse_digest_reference(built.reference) for name, built in chain.items()}
    lineage = {name: built.lineage for name, built in chain.items()}
    assert label_refusals(images, lineage, lambda reference: access) == []

    claimed = parse_pinned(pinned_upstream(), setting="claimed upstream")
    lineage["base"] = replace(lineage["base"], parent=claimed, upstream=claimed)
    refusals = label_refusals(images, lineage, lambda reference: access)
    assert any(
        r.startswith("base: label org.opencontainers.image.base.digest") and "imageLineage.base.parent" in r
        for r in refusals
    ), refusals
    assert any("com.github.container-platform.chain.upstream" in r for r in refusals), refusals


def test_registry_refuses_anonymous_pulls_and_serves_the_pipeline_by_digest(
    registry: LocalRegistry, chain: dict[str, BuiltImage]
) -> None:
    built = chain["hello-world"]
    repository = built.reference.split("/", 1)[1].split("@")[0]
    url = f"http://{registry.host}/v2/{repository}/manifests/{built.digest}"
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        _get(url)
    assert anonymous.value.code == 401
    credentials = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
    request = urllib.request.Request(
        url, headers={"Authorization": f"Basic {credentials}", "Accept": MANIFEST_TYPES}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Docker-Content-Digest"] == built.digest


def test_app_pulled_by_digest_serves_health_and_root_on_a_read_only_root_as_uid_10001(
    running_app: docker.models.containers.Container, app_port: int
) -> None:
    _wait_for_health_endpoint(running_app, app_port)
    assert _get(f"http://127.0.0.1:{app_port}/health") == (200, b'{"status":"UP"}\n')
    assert _get(f"http://127.0.0.1:{app_port}/") == (200, b"Hello, world!\n")
    with pytest.raises(urllib.error.HTTPError) as missing:
        _get(f"http://127.0.0.1:{app_port}/missing")
    assert missing.value.code == 404
    post = urllib.request.Request(f"http://127.0.0.1:{app_port}/", data=b"x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(post, timeout=2)
    assert (refused.value.code, refused.value.headers["Allow"]) == (405, "GET, HEAD")
    running_app.reload()
    assert running_app.attrs["HostConfig"]["ReadonlyRootfs"] is True
    assert running_app.exec_run(["id", "-u"]).output.decode().strip() == "10001"
    assert running_app.exec_run(["touch", "/app/changed"]).exit_code != 0


def test_app_container_health_status_turns_healthy(
    running_app: docker.models.containers.Container, app_port: int
) -> None:
    deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        running_app.reload()
        health = running_app.attrs["State"]["Health"]
        if health["Status"] == "healthy":
            return
        assert health["Status"] == "starting", health
        time.sleep(0.5)
    raise AssertionError(f"still {health['Status']} after {HEALTHY_WITHIN_SECONDS:.0f} s: {health['Log']}")


def test_base_runs_as_uid_10001_and_ships_no_package_caches(
    docker_client: docker.DockerClient, chain: dict[str, BuiltImage]
) -> None:
    base = chain["base"].reference
    assert _run(docker_client, base, "id -u") == "10001"
    caches = "/var/lib/apt/lists /var/cache/apt/archives /var/cache/dnf"
    package_files = f"find {caches} -type f ! -name lock 2>/dev/null || true"
    assert _run(docker_client, base, package_files) == ""


@pytest.mark.parametrize("image", ["java-runtime", "hello-world"])
def test_runtime_images_have_java_17_and_no_compiler(
    docker_client: docker.DockerClient, chain: dict[str, BuiltImage], image: str
) -> None:
    reference = chain[image].reference
    properties = "java -XshowSettings:properties -version 2>&1 | grep java.specification.version"
    version = _run(docker_client, reference, properties)
    assert int(version.split("=")[1]) >= 17
    assert _run(docker_client, reference, "command -v javac gcc cc c++ || true") == ""


def test_app_image_adds_under_one_megabyte_over_the_runtime(
    docker_client: docker.DockerClient, chain: dict[str, BuiltImage]
) -> None:
    runtime = docker_client.images.get(chain["java-runtime"].reference).attrs["Size"]
    app = docker_client.images.get(chain["hello-world"].reference).attrs["Size"]
    assert 0 < app - runtime < 1_000_000


def test_app_refuses_a_bad_port_setting_with_a_message_naming_it(
    docker_client: docker.DockerClient, app_pulled_by_digest: str
) -> None:
    container = docker_client.containers.run(
        app_pulled_by_digest, detach=True, read_only=True, network_mode="none", environment={"PORT": "80800"}
    )
    try:
        assert container.wait(timeout=30)["StatusCode"] != 0
        assert "PORT=80800 is not a TCP port; set PORT to 1-65535 or unset it" in container.logs().decode()
    finally:
        container.remove(force=True)


def test_on_the_debian_standin_the_apt_get_branch_installed_the_jre(
    docker_client: docker.DockerClient, chain: dict[str, BuiltImage], upstream: str
) -> None:
    if not _on_the_standin(upstream):
        pytest.skip(f"built on {upstream}, not the Debian stand-in: the dnf test below covers this upstream")
    status = "dpkg-query -W -f '${Status}' openjdk-17-jre-headless"
    assert _run(docker_client, chain["java-runtime"].reference, status) == "install ok installed"


def test_on_centos_stream_the_dnf_branch_installed_the_jre(
    docker_client: docker.DockerClient, chain: dict[str, BuiltImage], upstream: str
) -> None:
    if _on_the_standin(upstream):
        pytest.skip(
            "the dnf branches run only on the real CentOS Stream upstream, which cannot be pulled here; "
            "on a machine that can, run with CONTAINER_PLATFORM_UPSTREAM=pinned"
        )
    package = _run(docker_client, chain["java-runtime"].reference, "rpm -q java-17-openjdk-headless")
    assert package.startswith("java-17-openjdk-headless-")
