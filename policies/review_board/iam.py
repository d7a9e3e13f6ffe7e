"""Question 3, IAM: every role and policy grants only what its resource needs.

Documents come from role inline policies and trust policies, RolePolicy/UserPolicy/GroupPolicy, Policy,
and managed policy attachments. Action data is AWS's own, shipped offline by policy_sentry (expansion,
resource-level support) and cloudsplaining (privilege escalation, credential exposure); a `*` action is
judged without expanding it, since it grants everything by definition.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import lru_cache
from typing import Any

from cloudsplaining.shared.constants import (
    ACTIONS_THAT_RETURN_CREDENTIALS,
    PRIVILEGE_ESCALATION_METHODS,
    READ_ONLY_DATA_EXFILTRATION_ACTIONS,
)
from cloudsplaining.shared.utils import remove_wildcard_only_actions
from policy_sentry.analysis.expand import determine_actions_to_expand
from policy_sentry.querying.actions import get_actions_with_access_level

from review_board.framework import Finding, Resource, Unchecked, Violation, for_each, resource_policy
from review_board.wire import as_list, document, is_unknown

ROLE = "aws:iam/role:Role"
INLINE_POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/policy:Policy",
)
ATTACHMENT_TYPES = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
)
PERMISSION_TYPES = (ROLE, *INLINE_POLICY_TYPES)
EVERYTHING = "*"

CREDENTIAL_ACTIONS = frozenset(
    a.lower() for a in (*ACTIONS_THAT_RETURN_CREDENTIALS, *READ_ONLY_DATA_EXFILTRATION_ACTIONS)
)
PASS_ROLE = "iam:passrole"  # ECS needs it, scoped to the task roles: judged on its resources instead
IAM_PERMISSIONS_MANAGEMENT = frozenset(
    a.lower() for a in get_actions_with_access_level("iam", "Permissions management")
) - {PASS_ROLE}


@dataclass(frozen=True)
class Statement:
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def on_everything(self) -> bool:
        return EVERYTHING in self.resources

    @property
    def grants_everything(self) -> bool:
        return any(action in (EVERYTHING, "*:*") for action in self.actions)


@dataclass(frozen=True)
class Grants:
    """What one permission document allows, computed once per distinct document."""

    statements: tuple[Statement, ...]
    everything_on_everything: bool
    allowed: frozenset[str]
    allowed_on_everything: frozenset[str]
    restrictable_on_everything: tuple[str, ...]


def _statement(raw: Mapping[str, Any]) -> Statement:
    def strings(key: str) -> tuple[str, ...]:
        return tuple(str(item) for item in as_list(raw.get(key)))

    return Statement(
        str(raw.get("Effect", "")),
        strings("Action"),
        strings("NotAction"),
        strings("Resource"),
        strings("NotResource"),
    )


@lru_cache(maxsize=1024)
def _grants(canonical: str) -> Grants:
    statements = tuple(_statement(raw) for raw in as_list(json.loads(canonical).get("Statement")))
    allowed: set[str] = set()
    on_everything: set[str] = set()
    restrictable: set[str] = set()
    total = False
    for statement in statements:
        if not statement.allows or not statement.actions:
            continue
        if statement.grants_everything:
            total = total or statement.on_everything
            continue
        expanded = determine_actions_to_expand(list(statement.actions))
        allowed.update(a.lower() for a in expanded)
        if statement.on_everything:
            on_everything.update(a.lower() for a in expanded)
            restrictable.update(remove_wildcard_only_actions(expanded))
    return Grants(
        statements, total, frozenset(allowed), frozenset(on_everything), tuple(sorted(restrictable))
    )


@dataclass(frozen=True)
class Document:
    where: str
    grants: Grants


UNKNOWN_ELEMENT = "<unknown until apply>"


def _known_statements(statements: Any) -> tuple[list[Any], list[str]]:
    """The statements with what preview does not know taken out, and a note for each part taken out.

    An unknown Action or Resource (or element of one) is left out, so the known actions are still judged;
    an unknown NotAction/NotResource keeps its presence, which is enough to judge it; a statement with an
    unknown Effect is left out whole.
    """
    known: list[Any] = []
    unchecked: list[str] = []
    for number, raw in enumerate(as_list(statements), 1):
        if is_unknown(raw):
            unchecked.append(f"statement {number}")
            continue
        if not isinstance(raw, Mapping):
            known.append(raw)  # not a statement at all: the rules fail closed on it
            continue
        if is_unknown(raw.get("Effect")):
            unchecked.append(f"the Effect of statement {number}")
            continue
        statement = dict(raw)
        for key in ("Action", "Resource"):
            values = statement.get(key)
            if is_unknown(values):
                unchecked.append(f"the {key} of statement {number}")
                statement[key] = []
            elif isinstance(values, list) and any(is_unknown(value) for value in values):
                unchecked.append(f"an element of the {key} of statement {number}")
                statement[key] = [value for value in values if not is_unknown(value)]
        for key in ("NotAction", "NotResource"):
            values = statement.get(key)
            if is_unknown(values):
                statement[key] = [UNKNOWN_ELEMENT]
            elif isinstance(values, list):
                statement[key] = [UNKNOWN_ELEMENT if is_unknown(value) else value for value in values]
        known.append(statement)
    return known, unchecked


def _read(resource: Resource, what: str, raw: Any) -> Iterator[Document | Finding]:
    """The document's known part as a Document, and an Unchecked note for each part preview lacks."""
    where = f"{resource.label} {what}"
    if raw is None:
        return
    if is_unknown(raw):
        yield Unchecked(what)
        return
    try:
        parsed = document(raw)
    except ValueError as error:
        yield Violation(f"{where} is {error}. Fix: give a valid IAM policy document.")
        return
    if is_unknown(parsed) or not isinstance(parsed, dict) or is_unknown(parsed.get("Statement")):
        yield Unchecked(what)
        return
    statements, unchecked = _known_statements(parsed.get("Statement"))
    for part in unchecked:
        yield Unchecked(f"{part} of {what}")
    text = json.dumps({**parsed, "Statement": statements}, sort_keys=True, default=repr)
    yield Document(where, _grants(text))


def policy_document(resource: Resource, what: str, raw: Any) -> Iterator[Document | Finding]:
    """One policy document a resource carries (an endpoint policy, say), read as the IAM rules read theirs."""
    yield from _read(resource, what, raw)


def permission_documents(resource: Resource) -> Iterator[Document | Finding]:
    """Every permission document a resource carries (not trust policies), or why it cannot be read."""
    if resource.type == ROLE:
        inline = resource.props.get("inlinePolicies")
        if is_unknown(inline):
            yield Unchecked("inlinePolicies")
            return
        entries = as_list(inline)
        if any(is_unknown(entry) for entry in entries):
            yield Unchecked("an inline policy")
        candidates = [
            (f"inline policy {entry.get('name', '?')!r}", entry.get("policy"))
            for entry in entries
            if not is_unknown(entry)
        ]
    else:
        candidates = [("policy", resource.props.get("policy"))]
    for what, raw in candidates:
        yield from _read(resource, what, raw)


@for_each(permission_documents)
def _wildcard_actions(resource: Resource, doc: Document, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for statement in doc.grants.statements:
        wild = [a for a in statement.actions if a in (EVERYTHING, "*:*") or a.endswith(":*")]
        if statement.allows and wild:
            yield Violation(
                f"{doc.where} allows the wildcard action(s) {wild}. "
                "Fix: list the specific actions the resource needs."
            )


@for_each(permission_documents)
def _not_action(resource: Resource, doc: Document, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for statement in doc.grants.statements:
        if statement.allows and (statement.not_actions or statement.not_resources):
            used = "NotAction" if statement.not_actions else "NotResource"
            values = statement.not_actions or statement.not_resources
            yield Violation(
                f"{doc.where} uses {used} {list(values)} with Allow, which grants everything else. "
                "Fix: allow the needed actions on the needed resources explicitly."
            )


@for_each(permission_documents)
def _resources_scoped(resource: Resource, doc: Document, config: Mapping[str, Any]) -> Iterator[Finding]:
    if doc.grants.everything_on_everything:
        yield Violation(
            f"{doc.where} allows Action '*' on Resource '*' (every action on every resource). "
            "Fix: grant specific actions on specific ARNs."
        )
    exempt = {a.lower() for a in config["allowedUnscopedActions"]}
    unscoped = [a for a in doc.grants.restrictable_on_everything if a.lower() not in exempt]
    if unscoped:
        shown = ", ".join(unscoped[:8]) + (f" and {len(unscoped) - 8} more" if len(unscoped) > 8 else "")
        yield Violation(
            f"{doc.where} allows {shown} on Resource '*', though these actions support resource-level "
            "permissions. Fix: set Resource to the ARNs of the repositories, log groups etc. it uses."
        )


@for_each(permission_documents)
def _privilege_escalation(resource: Resource, doc: Document, _config: Mapping[str, Any]) -> Iterator[Finding]:
    grants = doc.grants
    if grants.everything_on_everything:
        yield Violation(
            f"{doc.where} allows '*' on '*', which includes iam:PassRole and iam:Put*Policy. "
            "Fix: grant only the actions the resource needs."
        )
        return
    managing = sorted(grants.allowed & IAM_PERMISSIONS_MANAGEMENT)
    if managing:
        yield Violation(
            f"{doc.where} allows IAM permissions management {managing}; it could grant itself more. "
            "Fix: remove these actions; permissions change only through reviewed code."
        )
    if PASS_ROLE in grants.allowed_on_everything:
        yield Violation(
            f"{doc.where} allows iam:PassRole on Resource '*'. Fix: scope it to the ARNs of the roles "
            "it must pass, with an iam:PassedToService condition."
        )
    methods = sorted(
        method
        for method, actions in PRIVILEGE_ESCALATION_METHODS.items()
        if len(actions) > 1 and set(actions) <= grants.allowed_on_everything
    )
    if methods:
        yield Violation(
            f"{doc.where} allows known privilege-escalation combinations {methods} on Resource '*'. "
            "Fix: remove or scope the actions involved."
        )


@for_each(permission_documents)
def _credential_exposure(resource: Resource, doc: Document, config: Mapping[str, Any]) -> Iterator[Finding]:
    exempt = {a.lower() for a in config["allowedUnscopedActions"]}
    if doc.grants.everything_on_everything:
        yield Violation(
            f"{doc.where} allows '*' on '*', including every action that returns credentials or secrets. "
            "Fix: grant only the actions the resource needs."
        )
        return
    exposed = sorted((doc.grants.allowed_on_everything & CREDENTIAL_ACTIONS) - exempt)
    if exposed:
        yield Violation(
            f"{doc.where} allows {exposed} on Resource '*', exposing credentials or data from every "
            "resource. Fix: scope them to the secrets, parameters or buckets the resource reads."
        )


MANAGED_POLICY = "arn:aws*:iam::aws:policy/*"


def _managed_policies(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    arns = (
        resource.props.get("managedPolicyArns") if resource.type == ROLE else resource.props.get("policyArn")
    )
    if is_unknown(arns):
        yield Unchecked("the managed policy ARNs")
        return
    for arn in as_list(arns):
        if is_unknown(arn):
            yield Unchecked("a managed policy ARN")
            continue
        name = str(arn).rsplit("/", 1)[-1]
        if fnmatch(str(arn), MANAGED_POLICY) and any(
            fnmatch(name, p) for p in config["deniedManagedPolicies"]
        ):
            yield Violation(
                f"{resource.label} attaches the AWS-managed policy {arn!r}, far broader than one workload "
                "needs. Fix: write a policy with only the needed actions on the needed ARNs."
            )


def _trust(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    raw = resource.props.get("assumeRolePolicy")
    where = f"{resource.label} trust policy"
    if is_unknown(raw):
        yield Unchecked("assumeRolePolicy")
        return
    try:
        parsed = document(raw) or {}
    except ValueError as error:
        yield Violation(f"{where} is {error}. Fix: give a valid trust policy.")
        return
    allowed = set(config["allowedServicePrincipals"])
    for raw_statement in as_list(parsed.get("Statement")):
        effect, principal = raw_statement.get("Effect"), raw_statement.get("Principal")
        if any(is_unknown(v) for v in (effect, principal, raw_statement.get("NotPrincipal"))):
            yield Unchecked("Effect or Principal of a trust policy statement")
            continue
        if effect != "Allow":
            continue
        if principal == EVERYTHING or raw_statement.get("NotPrincipal") is not None:
            yield Violation(
                f"{where} lets any principal assume the role ({principal or 'NotPrincipal'!r}). "
                f"Fix: trust only the AWS service that runs it, e.g. {sorted(allowed)[:1]}."
            )
            continue
        principal = principal if isinstance(principal, dict) else {}
        others = {kind: value for kind, value in principal.items() if kind != "Service"}
        if others:
            yield Violation(
                f"{where} trusts {others}; only named AWS services may assume platform roles. "
                "Fix: trust the service principal (e.g. ecs-tasks.amazonaws.com) instead."
            )
        services = as_list(principal.get("Service"))
        if any(is_unknown(s) for s in services):
            yield Unchecked("a service principal of a trust policy statement")
        services = [s for s in services if not is_unknown(s)]
        unknown_services = sorted(set(services) - allowed)
        if unknown_services:
            yield Violation(
                f"{where} trusts service(s) {unknown_services}, not in the allowed {sorted(allowed)}. "
                "Fix: trust only the service that runs this role, or have it added to the allowed list."
            )


UNSCOPED = {
    "allowedUnscopedActions": {
        "type": "array",
        "items": {"type": "string"},
        "default": ["ecr:GetAuthorizationToken"],
        "description": "Actions allowed on Resource '*' (e.g. the ECR login every image pull needs).",
    }
}

POLICIES = [
    resource_policy(
        name="iam-no-wildcard-actions",
        question="3",
        description="IAM policies allow no '*' or 'service:*' actions",
        types=PERMISSION_TYPES,
        check=_wildcard_actions,
    ),
    resource_policy(
        name="iam-no-not-action-allow",
        question="3",
        description="IAM policies use no NotAction or NotResource with Allow",
        types=PERMISSION_TYPES,
        check=_not_action,
    ),
    resource_policy(
        name="iam-resources-scoped",
        question="3",
        description="Actions that support resource-level permissions are not granted on Resource '*'",
        types=PERMISSION_TYPES,
        check=_resources_scoped,
        config=UNSCOPED,
    ),
    resource_policy(
        name="iam-no-privilege-escalation",
        question="3",
        description="IAM policies allow no privilege escalation (permissions management, PassRole on '*')",
        types=PERMISSION_TYPES,
        check=_privilege_escalation,
    ),
    resource_policy(
        name="iam-no-credential-exposure",
        question="3",
        description="Actions returning credentials or secret data are not granted on Resource '*'",
        types=PERMISSION_TYPES,
        check=_credential_exposure,
        config=UNSCOPED,
    ),
    resource_policy(
        name="iam-no-broad-managed-policies",
        question="3",
        description="No AWS-managed admin, power-user or full-access policy is attached",
        types=(ROLE, *ATTACHMENT_TYPES),
        check=_managed_policies,
        config={
            "deniedManagedPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["AdministratorAccess", "PowerUserAccess", "*FullAccess", "IAMFullAccess"],
                "description": "Names (glob) of AWS-managed policies that may not be attached.",
            }
        },
    ),
    resource_policy(
        name="iam-trust-named-services",
        question="3",
        description="Role trust policies trust only named AWS services, never '*' or other principals",
        types=[ROLE],
        check=_trust,
        config={
            "allowedServicePrincipals": {
                "type": "array",
                "items": {"type": "string"},
                "default": [
                    "ecs-tasks.amazonaws.com",
                    "ec2.amazonaws.com",
                    "ecs.amazonaws.com",
                    "application-autoscaling.amazonaws.com",
                    "vpc-flow-logs.amazonaws.com",
                ],
            }
        },
    ),
]
