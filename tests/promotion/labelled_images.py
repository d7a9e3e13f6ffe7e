"""Images with lineage labels in a real registry (distribution's `docker-registry`, no Docker engine needed),
pushed through the registry HTTP API the way a build pushes them: config blob, then manifest.

moto serves the ECR API but neither the /v2/ registry API nor ECR's layer download URLs, so the labels
--verify-ecr reads come from here, while the same manifest is put into moto's ECR: one digest, two APIs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.request

from container_platform.local_images.registry import LocalRegistry
from container_platform.promotion.registry_labels import RegistryAccess

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def access(registry: LocalRegistry) -> RegistryAccess:
    return RegistryAccess(f"http://{registry.host}", registry.username, registry.password)


def _send(registry: LocalRegistry, method: str, url: str, body: bytes, content_type: str) -> str:
    credentials = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
    request = urllib.request.Request(
        url if url.startswith("http") else f"http://{registry.host}{url}",
        data=body,
        method=method,
        headers={"Authorization": f"Basic {credentials}", "Content-Type": content_type},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers.get("Location", ""))


def push_labelled(registry: LocalRegistry, repository: str, labels: dict[str, str]) -> str:
    """Push a one-config image carrying `labels` to `repository`; return its manifest, as pushed."""
    config = json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": labels},
        "rootfs": {"type": "layers", "diff_ids": []},
    }).encode()
    config_digest = "sha256:" + hashlib.sha256(config).hexdigest()
    upload = _send(registry, "POST", f"/v2/{repository}/blobs/uploads/", b"", "application/octet-stream")
    separator = "&" if "?" in upload else "?"
    _send(registry, "PUT", f"{upload}{separator}digest={config_digest}", config, "application/octet-stream")
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": config_digest,
            "size": len(config),
        },
        "layers": [],
    })
    tag = hashlib.sha256(manifest.encode()).hexdigest()[:16]
    _send(registry, "PUT", f"/v2/{repository}/manifests/{tag}", manifest.encode(), OCI_MANIFEST)
    return manifest
