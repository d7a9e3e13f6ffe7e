"""One model of an IAM policy statement, read as IAM reads it, and the documents built from statements.

A statement is its Effect, Action or NotAction, Resource or NotResource, Principal or NotPrincipal and
Condition; single values stand for one-element lists, as AWS allows. A document IAM would reject (not
JSON, a missing Effect, a number where a string belongs, an unknown element) or one too large for any AWS
policy cannot be judged: `Unjudgeable` says why, and the rules block on it rather than guess.

Preview leaves parts unknown: an unknown Action or Resource element is left out and named, an unknown
NotAction or NotResource still counts as present, an unknown Effect leaves the statement out, an unknown
Principal or Condition value is marked so the rules that read it leave that statement unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from review_board.iam_actions import granted
from review_board.wire import document, is_unknown

# No AWS policy holds more: the largest, a KMS key policy, is 32 KB, fewer than 700 minimal statements.
MAX_STATEMENTS = 1000
MAX_ELEMENTS = 20_000
UNKNOWN_ELEMENT = "<unknown until apply>"
VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")

Kind = Literal["identity", "resource", "trust"]


class Unjudgeable(ValueError):
    """The document is not one IAM would accept, or too large to be one: it cannot be judged."""


@dataclass(frozen=True)
class Principal:
    kind: str  # "*" (Principal: "*"), "AWS", "Service", "Federated" or "CanonicalUser"
    value: str


@dataclass(frozen=True)
class Condition:
    operator: str  # as written: "StringEquals", "ForAnyValue:StringLike", "ArnLikeIfExists"
    key: str  # lower-case, as IAM compares condition keys
    values: tuple[str, ...]
    unknown: bool = False  # some value is not known until apply


@dataclass(eq=False)
class Statement:
    """Read-only by convention: not frozen, because a frozen dataclass's __init__ costs six times as
    much, and a document may hold a thousand statements."""

    number: int
    allow: bool
    actions: tuple[str, ...]  # the patterns as written (NotAction's when `not_action`)
    not_action: bool
    resources: tuple[str, ...]  # the patterns as written (NotResource's when `not_resource`); () if absent
    not_resource: bool
    principals: tuple[Principal, ...] = ()
    not_principal: bool = False
    principal_unknown: bool = False
    conditions: tuple[Condition, ...] = ()
    sid: str = ""

    @cached_property
    def granted(self) -> frozenset[str]:
        """Every action (lower-case) the statement covers, its globs matched over AWS's action list.

        Empty while a NotAction element is unknown: what it leaves out is not known (it is named unchecked).
        """
        if self.not_action and UNKNOWN_ELEMENT in self.actions:
            return frozenset()
        return granted(self.actions, self.not_action)

    @property
    def resources_unknown(self) -> bool:
        """A NotResource element is unknown: what the statement reaches is not known until apply."""
        return self.not_resource and UNKNOWN_ELEMENT in self.resources

    @property
    def label(self) -> str:
        return f"statement {self.number}" + (f" ({self.sid})" if self.sid else "")


@dataclass(frozen=True)
class Document:
    """A parsed policy document: its statements and what preview did not let it read."""

    where: str  # "RolePolicy 'web' policy"
    kind: Kind
    statements: tuple[Statement, ...]
    unchecked: tuple[str, ...] = field(default=())

    @cached_property
    def allows(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.allow)

    @cached_property
    def allow_index(self) -> tuple[dict[str, list[Statement]], tuple[Statement, ...]]:
        """Allow statements by the actions they grant, and apart those that grant hundreds (`s3:*`, `*`)."""
        by_action: dict[str, list[Statement]] = {}
        broad = []
        for statement in self.allows:
            if len(statement.granted) > 64:
                broad.append(statement)
            else:
                for action in statement.granted:
                    by_action.setdefault(action, []).append(statement)
        return by_action, tuple(broad)

    def allowing(self, actions: frozenset[str]) -> list[tuple[Statement, str]]:
        """(statement, action) for each action of `actions` an Allow grants, in statement order."""
        by_action, broad = self.allow_index
        found = [(s, a) for a in actions for s in by_action.get(a, ())]
        found += [(s, a) for s in broad for a in s.granted & actions]
        found.sort(key=lambda pair: (pair[0].number, pair[1]))
        return found

    @cached_property
    def denials(self) -> tuple[Statement, ...]:
        """Deny statements that narrow for sure: no Condition (it might not hold), no NotResource."""
        return tuple(s for s in self.statements if not s.allow and not s.conditions and not s.not_resource)

    @cached_property
    def denied_actions(self) -> frozenset[str]:
        return frozenset().union(*(s.granted for s in self.denials))


def _strings(
    value: Any, key: str, number: int, unchecked: list[str], *, keep_unknown: bool
) -> tuple[str, ...]:
    if type(value) is str and value:
        return (value,)  # the common case, first
    where = f"the {key} of statement {number}"
    if is_unknown(value):
        unchecked.append(where)
        return (UNKNOWN_ELEMENT,) if keep_unknown else ()
    values = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in values:
        if is_unknown(item):
            unchecked.append(f"an element of {where}")
            if keep_unknown:
                out.append(UNKNOWN_ELEMENT)
        elif isinstance(item, str) and item:
            out.append(item)
        else:
            raise Unjudgeable(f"{where} holds {item!r}, where IAM wants a non-empty string")
    if not values:
        raise Unjudgeable(f"{where} is empty")
    return tuple(out)


def _principals(value: Any, where: str) -> tuple[tuple[Principal, ...], bool]:
    if is_unknown(value):
        return (), True
    if value == "*":
        return (Principal("*", "*"),), False
    if not isinstance(value, Mapping) or not value:
        raise Unjudgeable(f'{where} is {value!r}, where IAM wants "*" or an object of principal lists')
    found: list[Principal] = []
    unknown = False
    for kind, entries in value.items():
        if kind not in PRINCIPAL_KINDS:
            raise Unjudgeable(f"{where} has the principal type {kind!r}, not one of {list(PRINCIPAL_KINDS)}")
        if is_unknown(entries):
            unknown = True
            continue
        for entry in entries if isinstance(entries, list) else [entries]:
            if is_unknown(entry):
                unknown = True
            elif isinstance(entry, str) and entry:
                found.append(Principal(kind, entry))
            else:
                raise Unjudgeable(f"{where} {kind} holds {entry!r}, where IAM wants a non-empty string")
    return tuple(found), unknown


def _conditions(value: Any, where: str) -> tuple[Condition, ...]:
    if is_unknown(value):
        return (Condition("<unknown>", "<unknown>", (), unknown=True),)
    if not isinstance(value, Mapping):
        raise Unjudgeable(f"{where} is {value!r}, where IAM wants an object of operators")
    found: list[Condition] = []
    for operator, block in value.items():
        if is_unknown(block):
            found.append(Condition(str(operator), "<unknown>", (), unknown=True))
            continue
        if not isinstance(block, Mapping):
            raise Unjudgeable(f"{where} {operator} is {block!r}, where IAM wants an object of condition keys")
        for key, raw in block.items():
            values = raw if isinstance(raw, list) else [raw]
            unknown = any(is_unknown(v) for v in values)
            known = [v for v in values if not is_unknown(v)]
            for item in known:
                if isinstance(item, dict | list) or item is None:
                    raise Unjudgeable(
                        f"{where} {operator} {key} holds {item!r}, not a string, number or boolean"
                    )
            shown = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in known)
            found.append(Condition(str(operator), str(key).lower(), shown, unknown))
    return tuple(found)


def _one_of(raw: Mapping[str, Any], keys: tuple[str, str], where: str, required: bool) -> str | None:
    first, second = keys[0] in raw, keys[1] in raw
    if first and second:
        raise Unjudgeable(f"{where} has both {keys[0]} and {keys[1]}")
    if not (first or second) and required:
        raise Unjudgeable(f"{where} has neither {keys[0]} nor {keys[1]}")
    return keys[0] if first else keys[1] if second else None


def statement(raw: Any, number: int, kind: Kind, unchecked: list[str]) -> Statement | None:
    """One statement, or None when preview does not know its Effect. Raises Unjudgeable."""
    where = f"statement {number}"
    if is_unknown(raw):
        unchecked.append(where)
        return None
    if not isinstance(raw, Mapping):
        raise Unjudgeable(f"{where} is {raw!r}, not an object")
    if not raw.keys() <= STATEMENT_KEYS:
        extra = sorted(str(key) for key in raw if key not in STATEMENT_KEYS)
        raise Unjudgeable(f"{where} has the element(s) {extra}, which IAM does not know")
    effect = raw.get("Effect")
    if is_unknown(effect):
        unchecked.append(f"the Effect of {where}")
        return None
    if effect not in ("Allow", "Deny"):
        raise Unjudgeable(f'{where} has Effect {effect!r}; IAM accepts only "Allow" or "Deny"')
    sid = raw.get("Sid", "")
    if not isinstance(sid, str):
        raise Unjudgeable(f"{where} has Sid {sid!r}, not a string")
    action_key = _one_of(raw, ("Action", "NotAction"), where, required=True)
    assert action_key is not None
    resource_key = _one_of(raw, ("Resource", "NotResource"), where, required=kind == "identity")
    principal_key = _one_of(raw, ("Principal", "NotPrincipal"), where, required=kind != "identity")
    if kind == "identity" and principal_key:
        raise Unjudgeable(f"{where} has a {principal_key}, which identity-based policies may not have")
    negated_action = action_key == "NotAction"
    actions = _strings(raw[action_key], action_key, number, unchecked, keep_unknown=negated_action)
    resources: tuple[str, ...] = ()
    if resource_key:
        negated = resource_key == "NotResource"
        resources = _strings(raw[resource_key], resource_key, number, unchecked, keep_unknown=negated)
    principals: tuple[Principal, ...] = ()
    principal_unknown = False
    if principal_key:
        principals, principal_unknown = _principals(raw[principal_key], f"the {principal_key} of {where}")
        if principal_unknown:
            unchecked.append(f"the {principal_key} of {where}")
    conditions = _conditions(raw["Condition"], f"the Condition of {where}") if "Condition" in raw else ()
    if any(c.unknown for c in conditions):
        unchecked.append(f"the Condition of {where}")
    return Statement(
        number,
        effect == "Allow",
        actions,
        negated_action,
        resources,
        resource_key == "NotResource",
        principals,
        principal_key == "NotPrincipal",
        principal_unknown,
        conditions,
        sid,
    )


def parse(raw: Any, where: str, kind: Kind) -> Document | None:
    """A document from its JSON string or object; None when preview knows none of it. Raises Unjudgeable."""
    if is_unknown(raw):
        return None
    try:
        parsed = document(raw)
    except ValueError as error:
        raise Unjudgeable(str(error)) from error
    if is_unknown(parsed):
        return None
    if not isinstance(parsed, Mapping):
        raise Unjudgeable(f"the document is {type(parsed).__name__} {parsed!r:.60}, not a JSON object")
    version = parsed.get("Version")
    if version is not None and not is_unknown(version) and version not in VERSIONS:
        raise Unjudgeable(f"Version {version!r} is not one of {list(VERSIONS)}")
    if "Statement" not in parsed:
        raise Unjudgeable("the document has no Statement")
    raw_statements = parsed["Statement"]
    if is_unknown(raw_statements):
        return None
    # A single statement object is one statement, as AWS reads it.
    items = raw_statements if isinstance(raw_statements, list) else [raw_statements]
    if not items:
        raise Unjudgeable("Statement is empty")
    if len(items) > MAX_STATEMENTS:
        raise Unjudgeable(
            f"it has {len(items)} statements, more than any AWS policy can hold ({MAX_STATEMENTS})"
        )
    unchecked: list[str] = []
    statements = tuple(
        s
        for number, item in enumerate(items, 1)
        if (s := statement(item, number, kind, unchecked)) is not None
    )
    elements = sum(len(s.actions) + len(s.resources) + len(s.principals) for s in statements)
    if elements > MAX_ELEMENTS:
        raise Unjudgeable(
            f"it has {elements} actions, resources and principals, more than any AWS policy holds"
        )
    return Document(where, kind, statements, tuple(unchecked))
