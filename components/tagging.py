"""The tags every resource carries, so cost, ownership and review tools can group them by environment."""

from __future__ import annotations

MANAGED_BY = "pulumi/container-platform"
PLATFORM_APPLICATION = "container-platform"


def resource_tags(environment: str, application: str = PLATFORM_APPLICATION) -> dict[str, str]:
    """Tags for one environment's resources; `application` names the service, or the shared platform."""
    return {"environment": environment, "application": application, "managed-by": MANAGED_BY}
