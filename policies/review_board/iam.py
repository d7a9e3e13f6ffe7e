"""Question 3, IAM: every role, policy and resource policy grants only what its resource needs.

The model is split by idea: iam_statements.py (a statement as IAM reads it), iam_actions.py (actions
matched over AWS's action list), iam_arns.py (what a Resource pattern reaches), iam_grants.py (what a
document really allows), iam_carriers.py (which pulumi-aws types carry which documents). The rules:
iam_identity_rules.py, iam_trust.py, iam_managed.py and iam_resource_rules.py. This module makes them
policies.
"""

from __future__ import annotations

from review_board import iam_identity_rules as identity
from review_board.framework import resource_policy
from review_board.iam_carriers import ACCESS_TYPES, ATTACHMENT_TYPES, IDENTITY_TYPES, ROLE
from review_board.iam_managed import APPROVED, approved_managed_policies
from review_board.iam_resource_rules import (
    PULLERS,
    TRUSTED,
    ecr_other_accounts_pull_only,
    resource_policies_trusted,
)
from review_board.iam_trust import ALLOWED_SERVICES, trust_named_services

UNSCOPED = {
    "allowedUnscopedActions": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Actions that may be granted account-wide though they support resource-level scoping.",
    }
}

POLICIES = [
    resource_policy(
        name="iam-no-wildcard-actions",
        question="3",
        description="IAM policies allow no action pattern that covers a whole service ('*', 's3:*', 'S3:*')",
        types=IDENTITY_TYPES,
        check=identity.wildcard_actions,
    ),
    resource_policy(
        name="iam-no-not-action-allow",
        question="3",
        description="IAM policies use no NotAction or NotResource with Allow",
        types=IDENTITY_TYPES,
        check=identity.not_action,
    ),
    resource_policy(
        name="iam-resources-scoped",
        question="3",
        description="Actions that support resource-level permissions are not granted account-wide or wider",
        types=IDENTITY_TYPES,
        check=identity.resources_scoped,
        config=UNSCOPED,
    ),
    resource_policy(
        name="iam-no-privilege-escalation",
        question="3",
        description="No privilege escalation (IAM rewrites, PassRole to any role, known paths)",
        types=IDENTITY_TYPES,
        check=identity.privilege_escalation,
    ),
    resource_policy(
        name="iam-no-credential-exposure",
        question="3",
        description="Actions returning credentials or data are not granted on every secret, key or object",
        types=IDENTITY_TYPES,
        check=identity.credential_exposure,
        config=UNSCOPED,
    ),
    resource_policy(
        name="iam-no-shell-access",
        question="3",
        description="No shell (SendCommand, StartSession, ExecuteCommand) on hosts or tasks but named ones",
        types=IDENTITY_TYPES,
        check=identity.shell_access,
    ),
    resource_policy(
        name="iam-approved-managed-policies",
        question="3",
        description="AWS-managed policies are attached only when approvedManagedPolicies names them",
        types=(ROLE, *ATTACHMENT_TYPES),
        check=approved_managed_policies,
        config=APPROVED,
    ),
    resource_policy(
        name="iam-trust-named-services",
        question="3",
        description="Role trust policies trust only named AWS services, never '*' or other principals",
        types=[ROLE],
        check=trust_named_services,
        config=ALLOWED_SERVICES,
    ),
    resource_policy(
        name="iam-resource-policies-trusted",
        question="3",
        description="Resource policies, grants and cross-account settings let in only trusted accounts",
        types=ACCESS_TYPES,
        check=resource_policies_trusted,
        config=TRUSTED,
    ),
    resource_policy(
        name="ecr-cross-account-pull-only",
        question="3",
        description="ECR repository policies let other accounts pull only, and only trusted ones",
        types=["aws:ecr/repositoryPolicy:RepositoryPolicy"],
        check=ecr_other_accounts_pull_only,
        config=PULLERS,
    ),
]
