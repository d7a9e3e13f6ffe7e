"""The pack's policies, in the order they run: the rule families, then the two that report waivers."""

from __future__ import annotations

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from review_board import (
    audit_trail,
    container_hardening,
    iam,
    images,
    network_exposure,
    plaintext_secrets,
    ports,
    reviewer_extras,
    service_runtime,
    user_data,
)
from review_board.lineage import promoted_lineage_policy
from review_board.listener_rules import listener_rules_keep_https_policy
from review_board.load_balancer_groups import load_balancer_groups_proven_policy
from review_board.own_repository import image_pushed_to_own_repository_policy
from review_board.promotion import prod_images_promoted_policy
from review_board.resource_types import approved_resource_types_policy
from review_board.stack_definitions import runs_stack_definitions_policy
from review_board.stack_roles import runs_as_stack_roles_policy
from review_board.waivers_used import stack_waivers_used_policy, waivers_used_policy

NAME = "container-platform"


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [
        *images.POLICIES,
        prod_images_promoted_policy(),
        approved_resource_types_policy(),
        image_pushed_to_own_repository_policy(),
        promoted_lineage_policy(),
        runs_stack_definitions_policy(),
        *ports.POLICIES,
        listener_rules_keep_https_policy(),
        load_balancer_groups_proven_policy(),
        *network_exposure.POLICIES,
        *user_data.POLICIES,
        *iam.POLICIES,
        runs_as_stack_roles_policy(),
        *container_hardening.POLICIES,
        *plaintext_secrets.POLICIES,
        *reviewer_extras.POLICIES,
        *service_runtime.POLICIES,
        *audit_trail.POLICIES,
        *audit_trail.STACK_POLICIES,
        waivers_used_policy(),  # last: reports the waivers the policies above used for this resource
        stack_waivers_used_policy(),  # last stack policy: reports the waivers the stack policies used
    ]
