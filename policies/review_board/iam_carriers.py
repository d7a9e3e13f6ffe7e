"""Which pulumi-aws 7 resources carry which IAM documents, and each document read out of its inputs.

Identity-based documents: role inline policies, RolePolicy/UserPolicy/GroupPolicy, Policy. Trust: a role's
assumeRolePolicy. Resource-based documents: the `policy` input of ECR repository and registry policies,
EFS file system policies, KMS keys and key policies, S3 buckets and bucket policies, Secrets Manager
secrets and secret policies, SNS topics and topic policies, SQS queues and queue policies. Lambda
permissions and KMS grants are one statement each, built from their inputs; ECR replication and
ECR-to-ECR pull-through rules name the other accounts they reach. Managed policies are attached by ARN
(role managedPolicyArns, every attachment type); the `*PoliciesExclusive` resources only list inline
policy names, whose documents are judged where they are defined. A document is read once per Analyze
call, however many rules judge it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from review_board.framework import Finding, Resource, Unchecked, Violation
from review_board.iam_statements import Condition, Document, Kind, Principal, Statement, Unjudgeable, parse
from review_board.remember import RememberLast
from review_board.wire import as_list, is_unknown

ROLE = "aws:iam/role:Role"
IDENTITY_POLICY_TYPES = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/policy:Policy",
)
IDENTITY_TYPES = (ROLE, *IDENTITY_POLICY_TYPES)
# Resource types whose `policy` input is a resource-based policy document.
RESOURCE_POLICY_TYPES = (
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "aws:ecr/registryPolicy:RegistryPolicy",
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy",
    "aws:kms/key:Key",
    "aws:kms/keyPolicy:KeyPolicy",
    "aws:kms/replicaKey:ReplicaKey",
    "aws:kms/externalKey:ExternalKey",
    "aws:kms/replicaExternalKey:ReplicaExternalKey",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketV2:BucketV2",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:secretsmanager/secret:Secret",
    "aws:secretsmanager/secretPolicy:SecretPolicy",
    "aws:sns/topic:Topic",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sqs/queue:Queue",
    "aws:sqs/queuePolicy:QueuePolicy",
)
ECR_REPOSITORY_POLICY_TYPES = (
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy",
)
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
KMS_GRANT = "aws:kms/grant:Grant"
ECR_REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
ECR_PULL_THROUGH = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
ACCESS_TYPES = (*RESOURCE_POLICY_TYPES, LAMBDA_PERMISSION, KMS_GRANT, ECR_REPLICATION, ECR_PULL_THROUGH)
ATTACHMENT_TYPES = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive",
)
# An account's private registry in any of the host names ECR answers to (<account>.dkr.ecr.<region>
# .amazonaws.com, .dkr.ecr-fips., the dual-stack .dkr-ecr.<region>.on.aws), in any letter case, as DNS
# reads it: the account is what counts, so any host that starts with one is that account's registry.
ECR_HOST = re.compile(r"^(?:https://)?(\d{12})\.dkr[.-]", re.IGNORECASE)
ACCOUNT = re.compile(r"^\d{12}$")
CLOUDFRONT_IDENTITY = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "


@dataclass(frozen=True)
class OtherAccount:
    """A setting that sends images or data to, or takes them from, another account's registry."""

    where: str
    account: str
    what: str  # "replicates images to", "pulls images through from"


def _unjudgeable(where: str, error: Unjudgeable) -> Violation:
    return Violation(
        f"{where} cannot be judged: {error}. Fix: give a valid IAM policy document (JSON, Effect, Action and "
        "Resource as IAM documents them), so the review board can see what it grants."
    )


def _read(resource: Resource, what: str, raw: Any, kind: Kind) -> Iterator[Document | Finding]:
    where = f"{resource.label} {what}"
    if raw is None or raw == "":
        return  # no document: the provider reads an empty one as none
    try:
        parsed = parse(raw, where, kind)
    except Unjudgeable as error:
        yield _unjudgeable(where, error)
        return
    if parsed is None:
        yield Unchecked(what)
        return
    for defect in parsed.defects:
        yield _unjudgeable(where, Unjudgeable(defect))
    for part in parsed.unchecked:
        yield Unchecked(f"{part} of {what}")
    yield parsed


def _identity(resource: Resource) -> list[Document | Finding]:
    if resource.type != ROLE:
        return list(_read(resource, "policy", resource.props.get("policy"), "identity"))
    inline = resource.props.get("inlinePolicies")
    if is_unknown(inline):
        return [Unchecked("inlinePolicies")]
    found: list[Document | Finding] = []
    for entry in as_list(inline):
        if is_unknown(entry):
            found.append(Unchecked("an inline policy"))
        elif not isinstance(entry, Mapping):
            found.append(_unjudgeable(f"{resource.label} inline policy", Unjudgeable(f"it is {entry!r}")))
        else:
            name = entry.get("name", "?")
            found.extend(_read(resource, f"inline policy {name!r}", entry.get("policy"), "identity"))
    return found


_per_call = RememberLast(lambda props: {}, 8)


def _once(resource: Resource, what: str, read: Any) -> list[Any]:
    """`read(resource)`, once per Analyze call: every rule gets the same inputs object (framework.py)."""
    memo = _per_call(resource.props)
    if what not in memo:
        memo[what] = read(resource)
    return memo[what]


def policy_document(
    resource: Resource, what: str, raw: Any, kind: Kind = "resource"
) -> list[Document | Finding]:
    """A policy document outside the IAM carriers (a VPC endpoint policy, say), read as the IAM rules read
    theirs: the parsed Document, or the findings that stand in for what cannot be read."""
    return list(_read(resource, what, raw, kind))


def identity_documents(resource: Resource) -> list[Document | Finding]:
    """Every identity-based document a resource carries (not trust policies), or why it cannot be read."""
    return _once(resource, "identity", _identity)


def trust_documents(resource: Resource) -> list[Document | Finding]:
    return _once(
        resource,
        "trust",
        lambda r: list(_read(r, "assumeRolePolicy (trust policy)", r.props.get("assumeRolePolicy"), "trust")),
    )


def _principal(value: str) -> Principal:
    if value == "*":
        return Principal("*", "*")
    if value.endswith(".amazonaws.com") or value.endswith(".amazonaws.com.cn"):
        return Principal("Service", value)
    return Principal("AWS", value)


def _lambda_permission(resource: Resource) -> list[Document | Finding]:
    props = resource.props
    values = {
        key: props.get(key) for key in ("action", "principal", "sourceAccount", "sourceArn", "principalOrgId")
    }
    unknown = [key for key, value in values.items() if is_unknown(value)]
    if unknown:
        return [Unchecked(", ".join(unknown))]
    action, principal = values["action"], values["principal"]
    if not isinstance(action, str) or not isinstance(principal, str) or not action or not principal:
        return [
            _unjudgeable(f"{resource.label}", Unjudgeable("action and principal must be non-empty strings"))
        ]
    conditions = tuple(
        Condition("StringEquals" if key != "sourceArn" else "ArnLike", name, (str(values[key]),))
        for key, name in (
            ("sourceAccount", "aws:sourceaccount"),
            ("sourceArn", "aws:sourcearn"),
            ("principalOrgId", "aws:principalorgid"),
        )
        if values[key]
    )
    statement = Statement(
        1, True, (action,), False, (), False, (_principal(principal),), conditions=conditions
    )
    return [Document(f"{resource.label}", "resource", (statement,))]


def _kms_grant(resource: Resource) -> list[Document | Finding]:
    grantee, operations = resource.props.get("granteePrincipal"), resource.props.get("operations")
    if is_unknown(grantee) or is_unknown(operations) or any(is_unknown(o) for o in as_list(operations)):
        return [Unchecked("granteePrincipal or operations")]
    if (
        not isinstance(grantee, str)
        or not grantee
        or not all(isinstance(o, str) for o in as_list(operations))
    ):
        return [_unjudgeable(resource.label, Unjudgeable("granteePrincipal and operations must be strings"))]
    actions = tuple(f"kms:{operation}" for operation in as_list(operations)) or ("kms:*",)
    statement = Statement(1, True, actions, False, (), False, (_principal(grantee),))
    return [Document(f"{resource.label} grant", "resource", (statement,))]


def _replication(resource: Resource) -> list[OtherAccount | Finding]:
    config = resource.props.get("replicationConfiguration")
    if is_unknown(config):
        return [Unchecked("replicationConfiguration")]
    found: list[OtherAccount | Finding] = []
    for rule in as_list((config or {}).get("rules")):
        destinations = Unchecked("a replication rule") if is_unknown(rule) else rule.get("destinations")
        if isinstance(destinations, Unchecked) or is_unknown(destinations):
            found.append(Unchecked("a replication rule's destinations"))
            continue
        for destination in as_list(destinations):
            account = destination.get("registryId") if isinstance(destination, Mapping) else destination
            if is_unknown(account):
                found.append(Unchecked("a replication destination's registryId"))
            else:
                found.append(OtherAccount(resource.label, str(account), "replicates images to"))
    return found


def _pull_through(resource: Resource) -> list[OtherAccount | Finding]:
    url = resource.props.get("upstreamRegistryUrl")
    if is_unknown(url):
        return [Unchecked("upstreamRegistryUrl")]
    match = ECR_HOST.match(str(url or ""))
    return [OtherAccount(resource.label, match.group(1), "pulls images through from")] if match else []


BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
# What a bucket ACL grant lets its grantee do, as the S3 actions a policy would name (S3 User Guide,
# acl-overview, "Mapping of ACL permissions and access policy permissions").
ACL_PERMISSIONS = {
    "READ": ("s3:ListBucket", "s3:GetObject"),
    "WRITE": ("s3:PutObject", "s3:DeleteObject"),
    "READ_ACP": ("s3:GetBucketAcl",),
    "WRITE_ACP": ("s3:PutBucketAcl",),
    "FULL_CONTROL": ("s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:PutBucketAcl"),
}
# The canned ACLs that grant the AllUsers or AuthenticatedUsers group (any AWS account) some permission.
PUBLIC_CANNED_ACLS = {
    "public-read": ["READ"],
    "public-read-write": ["READ", "WRITE"],
    "authenticated-read": ["READ"],
}
EVERYONE_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _acl_statement(number: int, principal: Principal, permissions: Any) -> Statement:
    actions = tuple(a for p in as_list(permissions) for a in ACL_PERMISSIONS.get(str(p), ("s3:*",)))
    return Statement(number, True, actions or ("s3:*",), False, (), False, (principal,))


def _bucket_acl(resource: Resource) -> list[Document | Finding]:
    """A bucket's `acl` and `grants` inputs (deprecated, still accepted) as the statements they amount to:
    a canned public ACL or an AllUsers/AuthenticatedUsers grant lets anyone in, a canonical user is an
    account the board cannot name; the S3 log delivery group is AWS's own service."""
    acl, grants = resource.props.get("acl"), resource.props.get("grants")
    if is_unknown(acl) or is_unknown(grants) or any(is_unknown(g) for g in as_list(grants)):
        return [Unchecked("acl or grants")]
    statements = []
    if isinstance(acl, str) and acl in PUBLIC_CANNED_ACLS:
        statements.append(_acl_statement(1, Principal("*", "*"), PUBLIC_CANNED_ACLS[acl]))
    for grant in as_list(grants):
        if not isinstance(grant, Mapping):
            return [_unjudgeable(f"{resource.label} grants", Unjudgeable(f"a grant is {grant!r}"))]
        kind, uri, grantee = grant.get("type"), grant.get("uri"), grant.get("id")
        if any(is_unknown(v) for v in (kind, uri, grantee, grant.get("permissions"))):
            return [Unchecked("a grant's grantee or permissions")]
        number = len(statements) + 1
        if kind == "Group" and uri in EVERYONE_GROUPS:
            statements.append(_acl_statement(number, Principal("*", "*"), grant.get("permissions")))
        elif kind == "CanonicalUser":
            principal = Principal("CanonicalUser", str(grantee))
            statements.append(_acl_statement(number, principal, grant.get("permissions")))
        elif kind != "Group":
            return [_unjudgeable(f"{resource.label} grants", Unjudgeable(f"a grant of type {kind!r}"))]
    if not statements:
        return []
    label = f"{resource.label} acl {acl!r}" if acl in PUBLIC_CANNED_ACLS else f"{resource.label} grants"
    return [Document(label, "resource", tuple(statements))]


def access_items(resource: Resource) -> list[Document | OtherAccount | Finding]:
    """Every way a resource lets other principals or accounts in: resource policies, grants, replication,
    a bucket's ACL."""

    def read(r: Resource) -> list[Any]:
        if r.type == LAMBDA_PERMISSION:
            return _lambda_permission(r)
        if r.type == KMS_GRANT:
            return _kms_grant(r)
        if r.type == ECR_REPLICATION:
            return _replication(r)
        if r.type == ECR_PULL_THROUGH:
            return _pull_through(r)
        found = list(_read(r, "policy", r.props.get("policy"), "resource"))
        return found + _bucket_acl(r) if r.type in BUCKETS else found

    return _once(resource, "access", read)


def aws_service(principal: Principal) -> bool:
    """An AWS service, not an account: a service principal, or a CloudFront origin access identity
    (`arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E…`, AWS's pseudo-account)."""
    if principal.kind == "Service":
        return "*" not in principal.value and "?" not in principal.value  # `{"Service": "*"}` is anyone
    return principal.kind == "AWS" and principal.value.startswith(CLOUDFRONT_IDENTITY)


def principal_account(principal: Principal) -> str | None:
    """The account an AWS principal belongs to ("123456789012", an IAM/STS ARN); None for `*`-like ones."""
    value = principal.value
    if ACCOUNT.match(value):
        return value
    fields = value.split(":")
    if len(fields) >= 6 and fields[0] == "arn" and fields[2] in ("iam", "sts") and ACCOUNT.match(fields[4]):
        return fields[4]
    return None
