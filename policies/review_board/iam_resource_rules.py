"""Question 3 over resource-based policies: who outside the platform's accounts a resource lets in.

A statement lets in everyone when its principal is `*`, `{"AWS": "*"}`, an ARN with a wildcard account,
or a NotPrincipal; it lets in an outsider when the principal's account is not in `trustedAccounts`. Either
is allowed only with a condition that really restricts the caller (the organisation, the source account,
ARN, the VPC endpoint or VPC, the KMS calling account), with trusted values and no IfExists; or when a
Deny of the same actions, for everyone, provably refuses every caller the condition does not restrict.
Trusted values are configured: accounts (`trustedAccounts`), organisations (`trustedOrganizations`, which
their org paths must start with) and networks (`trustedNetworks`, VPC endpoint and VPC IDs); an
organisation or VPC endpoint of somebody else's restricts nothing. A condition on anything else does not
make a grant safe: kms:ViaService names a service any account may call through, and a source ARN without
an account (an S3 bucket's) names buckets that pass from account to account. Service principals are not
accounts and pass, but for a Lambda permission, where AWS's Lambda guide requires it: a service principal
without a source ARN or account lets any account's use of that service invoke the function (the confused
deputy).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from review_board.framework import Finding, Resource, Unchecked, Violation, for_each
from review_board.iam_actions import has_wildcard, named
from review_board.iam_carriers import (
    LAMBDA_PERMISSION,
    OtherAccount,
    access_items,
    aws_service,
    principal_account,
)
from review_board.iam_grants import covers
from review_board.iam_statements import Condition, Document, Principal, Statement


def _accounts(description: str) -> dict[str, dict[str, Any]]:
    """The `trustedAccounts` config (12-digit account IDs) and the organisations and networks whose
    callers conditions may admit; none by default."""
    return {
        "trustedAccounts": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[0-9]{12}$"},
            "default": [],
            "description": description,
        },
        "trustedOrganizations": {
            "type": "array",
            "items": {"type": "string", "pattern": "^o-[a-z0-9]{10,32}$"},
            "default": [],
            "description": "AWS Organizations IDs whose accounts an aws:PrincipalOrgID, aws:SourceOrgID or "
            "org-path condition may admit.",
        },
        "trustedNetworks": {
            "type": "array",
            "items": {"type": "string", "pattern": "^vpce?-[0-9a-f]+$"},
            "default": [],
            "description": "VPC endpoint (vpce-...) and VPC (vpc-...) IDs whose callers an aws:SourceVpce or "
            "aws:SourceVpc condition may admit.",
        },
    }


class Trusted(NamedTuple):
    """What a stack's config trusts: the values a restricting condition may name."""

    accounts: frozenset[str]
    organizations: frozenset[str]
    networks: frozenset[str]

    @classmethod
    def of(cls, config: Mapping[str, Any], accounts: str = "trustedAccounts") -> Trusted:
        return cls(
            frozenset(config[accounts]),
            frozenset(config.get("trustedOrganizations", ())),
            frozenset(config.get("trustedNetworks", ())),
        )


TRUSTED = _accounts("AWS accounts (12 digits) whose principals resource policies and grants may let in.")
ACCOUNT_KEYS = frozenset(
    {"aws:principalaccount", "aws:sourceaccount", "aws:sourceowner", "kms:calleraccount"}
)
ARN_KEYS = frozenset({"aws:sourcearn", "aws:principalarn"})
ORG_ID_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})
ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
NETWORK_KEYS = frozenset({"aws:sourcevpce", "aws:sourcevpc"})
RESTRICTING_KEYS = ACCOUNT_KEYS | ARN_KEYS | ORG_ID_KEYS | ORG_PATH_KEYS | NETWORK_KEYS
MATCHING = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"})
NOT_MATCHING = frozenset(
    {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
)


def _operator(condition: Condition) -> tuple[str, bool, bool]:
    """The base operator, whether the condition holds for every request that lacks the key (IfExists,
    ForAllValues), and whether it fails for every such request (ForAnyValue: no value, none matches)."""
    operator = condition.operator
    lenient = operator.endswith("IfExists") or operator.startswith("ForAllValues:")
    any_value = operator.startswith("ForAnyValue:")
    operator = operator.removesuffix("IfExists").removeprefix("ForAnyValue:").removeprefix("ForAllValues:")
    return operator, lenient, any_value


def _expands(condition: Condition, value: str) -> bool:
    """Whether a Like operator's wildcard reaches past the caller's own: every value of an ARN key is
    judged by its account; an organisation path may end in a wildcard below its organisation
    (`o-a1b2c3d4e5/*`, AWS's own examples), not within the organisation's ID (`o-*`)."""
    if condition.key in ARN_KEYS or not has_wildcard(value):
        return False
    if condition.key in ORG_PATH_KEYS:
        return "/" not in value.split("*", 1)[0].split("?", 1)[0]
    return True


def _trusted_value(key: str, value: str, trusted: Trusted) -> bool:
    """One value names only trusted callers: an account, organisation or network the config trusts, an
    ARN in a trusted account, an organisation path below a trusted organisation."""
    if key in ACCOUNT_KEYS:
        return value in trusted.accounts
    if key in ARN_KEYS:
        fields = value.split(":")
        return len(fields) >= 6 and fields[4] in trusted.accounts
    if key in ORG_ID_KEYS:
        return value in trusted.organizations
    if key in ORG_PATH_KEYS:
        return value.split("/", 1)[0] in trusted.organizations
    return value in trusted.networks


def _trusted_values(condition: Condition, operator: str, trusted: Trusted) -> bool:
    """Every value names trusted callers: no wildcard a Like operator would expand ("o-*" is every
    organisation), and each value one the config trusts."""
    if not condition.values or condition.unknown:
        return False
    globbing = operator.endswith("Like")
    for value in condition.values:
        if value.strip("*?") == "" or (globbing and _expands(condition, value)):
            return False
        if not _trusted_value(condition.key, value, trusted):
            return False
    return True


def _restricts(condition: Condition, trusted: Trusted, operators: frozenset[str]) -> bool:
    """On an Allow (MATCHING), the condition fails for every caller it does not name; on a Deny
    (NOT_MATCHING), it holds for every such caller, those that lack the key too: a ForAnyValue Deny does
    not apply to a caller without the key (an account in no organisation), an IfExists Allow admits it."""
    operator, lenient, any_value = _operator(condition)
    return (
        condition.key in RESTRICTING_KEYS
        and operator in operators
        and not (lenient if operators is MATCHING else any_value)
        and _trusted_values(condition, operator, trusted)
    )


def _outsiders(statement: Statement, trusted: Trusted, services_need_source: bool) -> list[str]:
    if statement.not_principal:
        return [f"everyone except {[p.value for p in statement.principals]}"]
    found = []
    for principal in statement.principals:
        if aws_service(principal):
            if services_need_source and principal.kind == "Service":
                found.append(f"any account's {principal.value!r}")
        elif _anyone(principal):
            found.append(f"anyone ({principal.value!r})")
        elif principal.kind in ("AWS", "CanonicalUser", "Federated"):
            account = principal_account(principal) if principal.kind == "AWS" else None
            if account not in trusted.accounts:
                found.append(f"{principal.kind} {principal.value!r}")
    return found


def _anyone(principal: Principal) -> bool:
    if principal.kind == "*" or principal.value == "*":
        return True
    return (
        principal.kind == "AWS"
        and principal.value.startswith("arn:")
        and principal_account(principal) is None
    )


def _refused_by_deny(doc: Document, allow: Statement, trusted: Trusted) -> bool:
    """A Deny for everyone, of at least the allowed actions on the allowed resources, unless one restricting
    condition (negated: StringNotEquals aws:PrincipalOrgID ...) holds."""
    for deny in doc.statements:
        if deny.allow or deny.not_principal or deny.not_resource or len(deny.conditions) != 1:
            continue
        if not any(_anyone(p) for p in deny.principals):
            continue
        if not allow.granted <= deny.granted:
            continue
        if deny.resources and not all(
            any(covers(d, a) for d in deny.resources) for a in allow.resources or ("*",)
        ):
            continue
        if _restricts(deny.conditions[0], trusted, NOT_MATCHING):
            return True
    return False


def _actions(statement: Statement) -> str:
    shown = list(statement.actions[:5]) + (["…"] if len(statement.actions) > 5 else [])
    return f"{'every action except ' if statement.not_action else ''}{', '.join(shown)}"


@for_each(access_items)
def resource_policies_trusted(
    resource: Resource, item: Document | OtherAccount, config: Mapping[str, Any]
) -> Iterator[Finding]:
    trusted = Trusted.of(config)
    if isinstance(item, OtherAccount):
        if item.account not in trusted.accounts:
            yield Violation(
                f"{item.where} {item.what} account {item.account}, which is not in trustedAccounts. Fix: "
                "point it at a trusted account's registry, or have the review board trust the account."
            )
        return
    for statement in item.statements:
        if not statement.allow or statement.principal_unknown:
            continue
        outsiders = _outsiders(statement, trusted, resource.type == LAMBDA_PERMISSION)
        if not outsiders:
            continue
        if any(_restricts(c, trusted, MATCHING) for c in statement.conditions):
            continue
        if _refused_by_deny(item, statement, trusted):
            continue
        if any(c.unknown for c in statement.conditions):
            yield Unchecked(f"the Condition of {statement.label}")
            continue
        yield Violation(
            f"{item.where} lets {', '.join(outsiders)} {_actions(statement)} ({statement.label}) without a "
            "condition that restricts the caller to trusted accounts. Fix: name principals of accounts in "
            "trustedAccounts, or add a condition on aws:PrincipalOrgID, aws:SourceAccount, aws:SourceArn or "
            "aws:SourceVpce (a Lambda permission's source_account or source_arn)."
        )


# What another account needs to pull an image, and nothing that changes the repository.
PULL_ACTIONS = frozenset(
    {
        "ecr:batchgetimage",
        "ecr:getdownloadurlforlayer",
        "ecr:batchchecklayeravailability",
        "ecr:describeimages",
        "ecr:listimages",
    }
)
PULLERS = {
    **_accounts("Other AWS accounts (12 digits) whose principals may pull from the repositories."),
    "registryAccounts": {
        "type": "array",
        "items": {"type": "string", "pattern": "^[0-9]{12}$"},
        "default": [],
        "description": "The account that owns the repositories (a central registry's): its principals (the "
        "build identity that pushes) are not another account. pulumi-aws 7 takes no registryId input.",
    },
}


@for_each(access_items)
def ecr_other_accounts_pull_only(
    resource: Resource, item: Document | OtherAccount, config: Mapping[str, Any]
) -> Iterator[Finding]:
    """Another account's principals may pull from a repository, never push, delete or change its policy.

    The registry's own account (`registryAccounts`, or the `registryId` input where a provider version
    takes one) may grant its own roles more; service principals are not accounts.
    """
    if isinstance(item, OtherAccount):
        return
    registry = resource.props.get("registryId")
    own = set(config["registryAccounts"]) | ({registry} if isinstance(registry, str) else set())
    pullers = Trusted.of(config)
    for statement in item.statements:
        if not statement.allow or statement.principal_unknown:
            continue
        others = [p for p in statement.principals if p.kind != "Service" and principal_account(p) not in own]
        if statement.not_principal:
            others = [Principal("*", "everyone except the NotPrincipal")]
        if not others:
            continue
        names = ", ".join(repr(p.value) for p in others)
        beyond = sorted(statement.granted - PULL_ACTIONS)
        if beyond:
            shown = ", ".join(named(a) for a in beyond[:6]) + (
                f" and {len(beyond) - 6} more" if len(beyond) > 6 else ""
            )
            yield Violation(
                f"{item.where} lets {names} {shown} ({statement.label}); other accounts may only pull. "
                "Fix: allow them only ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and "
                "ecr:BatchCheckLayerAvailability."
            )
        strangers = sorted({p.value for p in others if principal_account(p) not in pullers.accounts})
        if strangers and not any(_restricts(c, pullers, MATCHING) for c in statement.conditions):
            yield Violation(
                f"{item.where} lets {strangers} pull ({statement.label}), not accounts in trustedAccounts. "
                "Fix: name principals of the accounts that deploy these images, listed in trustedAccounts."
            )
