"""What an identity-based document really grants: each action with the reach of the resources it touches.

An action is judged on the Resource patterns that can match its own resource types (iam:PassRole on
`user/*` passes no role), and an action with no resource type can only be granted on `*`, which scopes
nothing and widens nothing. IAM acts only in the caller's account, so for iam actions an account wildcard
(`arn:aws:iam::*:role/x`) reaches what the same pattern reaches in one account. Allow and Deny combine as
IAM combines them: a Deny takes away only what it provably covers, an unconditioned Deny of the action on
a pattern that contains the allowed one. A Condition on an Allow does not narrow its reach: the rules
judge what the statement can reach (only a condition that can never hold again makes it grant nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from review_board.iam_actions import (
    ACTIONS,
    ALL_ACTIONS,
    ONLY_ON_EVERYTHING,
    SERVICE_ACTIONS,
    glob,
    has_wildcard,
    named,
)
from review_board.iam_arns import ArnPattern, Reach, applies, arn_services, parse
from review_board.iam_statements import Document, Kind, Statement, Unjudgeable
from review_board.iam_statements import parse as parse_document

EVERYTHING = parse("*")
EVERYWHERE = (EVERYTHING,)
# Services whose identity-based grants reach only the caller's own account (no resource-based policies).
OWN_ACCOUNT_SERVICES = frozenset({"iam"})


class Grant(NamedTuple):
    """A tuple: a `*` grant is one per action, thousands of them."""

    action: str  # lower-case
    reach: Reach
    patterns: tuple[ArnPattern, ...]  # the Resource patterns that reach the action's resources
    statement: Statement

    @property
    def where(self) -> str:
        return f"{named(self.action)} ({self.statement.label}) on {widest(self.patterns)}"


def widest(patterns: Iterable[ArnPattern]) -> str:
    patterns = tuple(patterns)
    return _widest(patterns) if patterns else "nothing"


@lru_cache(maxsize=4096)
def _widest(patterns: tuple[ArnPattern, ...]) -> str:
    return max(patterns, key=lambda p: p.reach).words


def covers(deny: str, allow: str) -> bool:
    """Whether every resource `allow` matches is provably matched by `deny` too."""
    if deny == "*" or deny == allow:
        return True
    if not has_wildcard(allow):
        return glob(deny).fullmatch(allow) is not None
    head = deny[:-1]
    return deny.endswith("*") and not has_wildcard(head) and allow.startswith(head)


def reach_for(pattern: ArnPattern, service: str) -> Reach:
    """What `pattern` reaches for an action of `service`."""
    return pattern.in_own_account if service in OWN_ACCOUNT_SERVICES else pattern.reach


def _patterns(
    statement: Statement, action: str, kinds: frozenset[str] | None, floor: Reach = Reach.ONE
) -> tuple[ArnPattern, ...]:
    """The statement's patterns of `floor` reach or wider that reach resources of `action` (of the resource
    types `kinds` only)."""
    if statement.resources_unknown:
        return ()
    if statement.not_resource:
        return (EVERYTHING,)  # everything but a few resources: judged as everything
    service = action.split(":", 1)[0]
    info = ACTIONS.get(action)
    types = info.resource_types if info else ()
    if kinds is not None:
        types = tuple(t for t in types if t in kinds)
        if not types:
            return ()
    found = []
    for text in statement.resources:
        pattern = parse(text)
        if reach_for(pattern, service) < floor:
            continue
        if not types or any(applies(pattern, service, kind) for kind in types):
            found.append(pattern)
    return tuple(found)


def _grant(action: str, patterns: tuple[ArnPattern, ...], statement: Statement) -> Grant:
    service = action.split(":", 1)[0]
    return Grant(action, max(reach_for(p, service) for p in patterns), patterns, statement)


def _unless_denied(
    patterns: tuple[ArnPattern, ...], action: str, document: Document
) -> tuple[ArnPattern, ...]:
    if action not in document.denied_actions:
        return patterns
    denials = document.denials
    remaining = []
    for pattern in patterns:
        denied = any(
            action in deny.granted and any(covers(d, pattern.text) for d in deny.resources)
            for deny in denials
        )
        if not denied:
            remaining.append(pattern)
    return tuple(remaining)


def grants(
    document: Document, actions: frozenset[str], kinds: frozenset[str] | None = None, floor: Reach = Reach.ONE
) -> Iterator[Grant]:
    """Each allowed action of `actions` with the reach of its resources (of types `kinds`, at `floor` reach
    or wider), after Denies.

    Actions that have no resource type are left out: they are granted on `*` by necessity.
    """
    for statement, granted in document.granting(actions - ONLY_ON_EVERYTHING):
        # A statement granting hundreds of actions (`*`, `s3:*`) is first cut as a whole: its reach and
        # the services its patterns name settle most of them before each is judged on its patterns.
        widest_reach, services = _reaches(document, statement) if len(granted) > 8 else (floor, None)
        if widest_reach < floor:
            continue
        for action in sorted(granted):
            if services is not None:
                info = ACTIONS.get(action)
                targets = arn_services(action, info.resource_types) if info else None
                if targets is not None and services.isdisjoint(targets):
                    continue  # every pattern names another service's resources
            patterns = _unless_denied(_patterns(statement, action, kinds, floor), action, document)
            if patterns:
                yield _grant(action, patterns, statement)


def _reaches(document: Document, statement: Statement) -> tuple[Reach, frozenset[str] | None]:
    """A statement's widest pattern reach, and the services its patterns name (None when one may reach any
    service's resources): a first cut, once per statement, before each action is judged on its patterns."""
    key = ("reaches", id(statement))
    if key not in document.memo:
        if statement.not_resource or statement.resources_unknown:
            document.memo[key] = (Reach.EVERYTHING, None)
        else:
            patterns = [parse(text) for text in statement.resources]
            widest_reach = max((p.reach for p in patterns), default=Reach.ONE)
            wild = any(p.reach is Reach.EVERYTHING or not p.service for p in patterns if p.text[:4] == "arn:")
            wild = wild or widest_reach is Reach.EVERYTHING
            services = None if wild else frozenset(p.service for p in patterns)
            document.memo[key] = (widest_reach, services)
    return document.memo[key]


def everything_on_everything(document: Document) -> list[Statement]:
    """Allow statements granting every action on every resource, unless a Deny on every resource takes some
    of it away (then what is left is judged action by action). Several rules ask: answered once."""
    broad = document.allow_index[1]
    if not broad or any("*" in d.resources for d in document.denials):
        return []  # a statement granting every action is among the broad ones
    if "everything" not in document.memo:
        document.memo["everything"] = [
            s
            for s in broad
            if (s.granted is ALL_ACTIONS or s.granted == ALL_ACTIONS)
            and (s.not_resource or any(parse(t).reach is Reach.EVERYTHING for t in s.resources))
        ]
    return document.memo["everything"]


def covering_denials(document: Document, statement: Statement) -> tuple[Statement, ...]:
    """The Denies that provably cover every resource of an Allow statement."""
    resources = ("*",) if statement.not_resource or not statement.resources else statement.resources
    return tuple(
        deny for deny in document.denials if all(any(covers(d, r) for d in deny.resources) for r in resources)
    )


def remaining(document: Document, statement: Statement) -> frozenset[str]:
    """The actions an Allow statement still grants after the Denies that cover all of its resources."""
    granted = statement.granted
    if not granted & document.denied_actions:
        return granted
    covering = covering_denials(document, statement)
    # Statements granting the same actions under the same Denies share one answer (one set difference).
    key = ("remaining", id(granted), tuple(id(d) for d in covering))
    if key not in document.memo:
        document.memo[key] = granted.difference(*(d.granted for d in covering))
    return document.memo[key]


def _may_be_wide(text: str) -> bool:
    return not text or "*" in text or "?" in text


def unscoped(
    document: Document, floor: Reach = Reach.TYPE, skip: Iterable[Statement] = ()
) -> Iterator[Grant]:
    """Allowed actions that support resource-level scoping, granted at `floor` reach or wider."""
    skipped = {id(s) for s in skip}
    for statement in document.distinct_allows:
        if id(statement) in skipped:
            continue
        if statement.resources_unknown:
            continue
        if statement.not_resource:
            wide = [EVERYTHING]  # everything but a few resources: judged as everything
        else:
            # A non-empty pattern without a wildcard names one resource; reach_for never exceeds a pattern's
            # reach: the actions' own reach is judged below.
            texts = statement.resources if floor is Reach.ONE else filter(_may_be_wide, statement.resources)
            wide = [p for p in map(parse, texts) if p.reach >= floor]
        if not wide:
            continue
        everything = any(p.reach is Reach.EVERYTHING for p in wide)
        candidates = statement.granted - ONLY_ON_EVERYTHING
        if not everything and all(p.service for p in wide):
            # A pattern of one service reaches only that service's resources: skip every other service.
            services = frozenset().union(*(SERVICE_ACTIONS.get(p.service, frozenset()) for p in wide))
            candidates = candidates & services
        denied = document.denied_actions
        if candidates & denied:
            candidates &= remaining(document, statement)  # what Denies take from all of it is gone
        for action in sorted(candidates):
            if everything and action not in denied:
                yield Grant(action, Reach.EVERYTHING, EVERYWHERE, statement)
                continue
            patterns = _unless_denied(_patterns(statement, action, None, floor), action, document)
            if patterns:
                yield _grant(action, patterns, statement)


def statement_in_words(statement: Statement, kind: Kind = "identity") -> str:
    """One statement's effect, actions, principals and reach, as the review page shows it."""
    verb = "Allow" if statement.allow else "Deny"
    actions = ", ".join(statement.actions[:6]) + (" …" if len(statement.actions) > 6 else "")
    if statement.not_action:
        actions = f"every action except {actions}"
    if statement.not_resource:
        reach = f"every resource except {', '.join(statement.resources)}"
    elif not statement.resources or (kind == "resource" and statement.resources == ("*",)):
        reach = "the resource this policy is attached to"
    elif statement.resources == ("*",) and statement.granted and statement.granted <= ONLY_ON_EVERYTHING:
        reach = "'*', the only Resource these actions take (they have no resource type)"
    else:
        reach = "; ".join(parse(text).words for text in statement.resources)
    who = ""
    if statement.principals or statement.not_principal:
        names = ", ".join(
            f"{p.kind}: {p.value}" if p.kind != "*" else "anyone (*)" for p in statement.principals
        )
        who = f" to everyone except {names}" if statement.not_principal else f" to {names}"
    keys = sorted({c.key for c in statement.conditions})
    condition = f", when its conditions on {', '.join(keys)} hold" if keys else ""
    return f"{statement.label}: {verb} {actions}{who} on {reach}{condition}"


def document_in_words(raw: Any, kind: Kind = "identity") -> list[str]:
    """Each statement of a policy document (JSON text or object) in words, or why it cannot be judged.

    A pure function for the review page (container_platform/review/facts.py), so the page and the rules
    read a document the same way.
    """
    try:
        parsed = parse_document(raw, "", kind)
    except Unjudgeable as error:
        return [f"cannot be judged: {error}"]
    if parsed is None:
        return ["unknown until deployed"]
    defects = [f"cannot be judged as written: {defect}" for defect in parsed.defects]
    return defects + [statement_in_words(statement, kind) for statement in parsed.statements]
