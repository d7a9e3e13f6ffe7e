"""An image's labels as its registry serves them: the manifest by digest, then its config blob.

The labels live in the image's config blob, which the registry HTTP API (distribution's /v2/ API, which
ECR serves too) hands out by digest; the ECR API has no call that returns them, and moto serves neither the
/v2/ API nor ECR's layer download URLs. Every body is checked against the digest it was asked for, so a
registry (or anything between) cannot answer with other bytes. One reader for ECR (https, the ECR
authorization token) and for the local registry the Docker image tests start (http on loopback, htpasswd).
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

IMAGE_MANIFESTS = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
INDEXES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
TIMEOUT_SECONDS = 20.0


class _CredentialsStayHome(urllib.request.HTTPRedirectHandler):
    """ECR answers a blob request with a redirect to a pre-signed S3 URL, which refuses a second kind of
    authentication, and which must never see the registry's password: drop it when the host changes."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None and redirected.host != req.host:
            redirected.remove_header("Authorization")
        return redirected


_OPENER = urllib.request.build_opener(_CredentialsStayHome)


class RegistryReadError(Exception):
    """The registry did not serve the image's manifest or config as asked; the message says which and why."""


@dataclass(frozen=True)
class RegistryAccess:
    """Where a registry's /v2/ API answers and the basic credentials it takes."""

    base_url: str  # https://<account>.dkr.ecr.<region>.amazonaws.com, or http://127.0.0.1:<port>
    username: str
    password: str

    def get(self, path: str, accept: tuple[str, ...]) -> tuple[str, bytes]:
        """(content type, body) of `GET <base_url>/v2/<path>`."""
        credentials = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        request = urllib.request.Request(
            f"{self.base_url}/v2/{path}",
            headers={"Authorization": f"Basic {credentials}", "Accept": ", ".join(accept)},
        )
        try:
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
                return response.headers.get("Content-Type", "").split(";")[0].strip(), response.read()
        except urllib.error.HTTPError as error:
            raise RegistryReadError(f"GET /v2/{path} answered {error.code} {error.reason}") from error
        except OSError as error:
            raise RegistryReadError(f"GET /v2/{path} failed ({error})") from error


def ecr_access(client: Any, account: str) -> RegistryAccess:
    """The /v2/ endpoint and credentials of an ECR registry, from ecr:GetAuthorizationToken."""
    data = client.get_authorization_token(registryIds=[account])["authorizationData"][0]
    username, password = base64.b64decode(data["authorizationToken"]).decode().split(":", 1)
    return RegistryAccess(str(data["proxyEndpoint"]).rstrip("/"), username, password)


def _checked(body: bytes, digest: str, what: str) -> bytes:
    algorithm, _, expected = digest.partition(":")
    if algorithm != "sha256" or hashlib.sha256(body).hexdigest() != expected:
        raise RegistryReadError(f"the {what} served for {digest} does not hash to that digest")
    return body


def image_labels(access: RegistryAccess, repository: str, digest: str) -> list[dict[str, str]]:
    """The labels of the image `repository@digest`: one dict per platform image (one for a plain manifest;
    attestation manifests of an index carry no image config and are skipped)."""
    media_type, body = access.get(f"{repository}/manifests/{digest}", IMAGE_MANIFESTS + INDEXES)
    manifest = json.loads(_checked(body, digest, "manifest"))
    media_type = manifest.get("mediaType", media_type)
    if media_type in INDEXES:
        platforms = [
            entry["digest"]
            for entry in manifest.get("manifests", [])
            if entry.get("annotations", {}).get("vnd.docker.reference.type") != "attestation-manifest"
        ]
        return [labels for entry in platforms for labels in image_labels(access, repository, entry)]
    config_digest = manifest.get("config", {}).get("digest")
    if not isinstance(config_digest, str):
        raise RegistryReadError(f"the manifest of {repository}@{digest} ({media_type}) names no config blob")
    _, config_body = access.get(f"{repository}/blobs/{config_digest}", ("*/*",))
    config = json.loads(_checked(config_body, config_digest, "config blob"))
    return [dict(config.get("config", {}).get("Labels") or {})]
