"""Which published references a target stack may deploy: approved registry, repository named after image.

One source of truth for "approved": the target stack's policy config (`policies/config/<stack>.json`), the
settings of the policy that checks every container image at preview. Promotion refuses exactly what that
policy would block, so a promoted stack never fails review on its images. The repository must also be
`<repositoryPrefix>/<image name>` of the target stack file, as the program requires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from container_platform.promotion.policy_config_file import PolicyConfigFile
from container_platform.promotion.stack_config_file import StackFile
from container_platform.strict_json import short
from image_references.digest_reference import DigestReference, DigestReferenceError, parse_digest_reference

APPROVED_IMAGES_POLICY = "approved-container-images"
APPROVED_REGISTRIES = "approvedRegistries"
APPROVED_REPOSITORIES = "approvedRepositories"


class ApprovalError(Exception):
    """Published references the target may not deploy; one reason per line, each naming its fix."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = list(reasons)


def approved_references(
    published: Mapping[str, object], *, stack_file: StackFile, policy_config: PolicyConfigFile
) -> dict[str, DigestReference]:
    """Every published reference parsed and approved, or ApprovalError listing every problem at once."""
    settings = policy_config.policy_settings(APPROVED_IMAGES_POLICY)
    registries = _string_list(settings.get(APPROVED_REGISTRIES), policy_config, APPROVED_REGISTRIES)
    repositories = _string_list(settings.get(APPROVED_REPOSITORIES), policy_config, APPROVED_REPOSITORIES)
    prefix = stack_file.repository_prefix()
    where = f"{policy_config.path.name} `{APPROVED_IMAGES_POLICY}`"
    approved: dict[str, DigestReference] = {}
    reasons: list[str] = []
    for name, text in published.items():
        try:
            reference = parse_digest_reference(text, setting=f"imageDigests.{name}")
        except DigestReferenceError as error:
            reasons.append(str(error))
            continue
        expected_repository = f"{prefix}/{name}"
        if reference.repository != expected_repository:
            reasons.append(
                f"imageDigests.{name}: {text} is in repository {reference.repository!r}, but the repository "
                f"must be named after the image: {expected_repository!r} (repositoryPrefix of "
                f"{stack_file.path.name}/<image name>)"
            )
        elif reference.registry not in registries:
            reasons.append(
                f"imageDigests.{name}: registry {reference.registry!r} is not approved for stack "
                f"{stack_file.stack!r} (approved in {where}.{APPROVED_REGISTRIES}: {registries or 'none'}); "
                "push the image to an approved registry or have the approval added there"
            )
        elif reference.repository not in repositories:
            reasons.append(
                f"imageDigests.{name}: repository {reference.repository!r} is not approved for stack "
                f"{stack_file.stack!r} (approved in {where}.{APPROVED_REPOSITORIES}: "
                f"{repositories or 'none'})"
            )
        else:
            approved[name] = reference
    if reasons:
        raise ApprovalError(reasons)
    return approved


def _string_list(value: object, policy_config: PolicyConfigFile, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApprovalError([
            f"{policy_config.path}: `{APPROVED_IMAGES_POLICY}.{key}` is {short(value)}; "
            "it must be a list of strings"
        ])
    return value
