"""One model of an IAM policy statement, read as IAM reads it, and the documents built from statements.

A statement is its Effect, Action or NotAction, Resource or NotResource, Principal or NotPrincipal and
Condition; single values stand for one-element lists, as AWS allows. A document IAM would reject (not
JSON, a missing Effect, a number where a string belongs, an unknown element), one whose reading is not
certain (a key repeated in one object: which counts is up to the reader) or one too large for any AWS
policy cannot be judged: `Unjudgeable` says why, and the rules block on it rather than guess. A Statement
given as one object, not a list, is a defect the review board refuses too (`Document.defects`), though
AWS reads it as one statement: its statement is still judged, so a real finding inside is also reported.

A statement whose condition can never hold again (DateLessThan aws:CurrentTime or aws:TokenIssueTime, a
date in the past: BishopFox iam-vulnerable's fp5) grants nothing: it is left out of `Document.allows`.

Preview leaves parts unknown: an unknown Action or Resource element is left out and named, an unknown
NotAction or NotResource still counts as present, an unknown Effect leaves the statement out, an unknown
Principal or Condition value is marked so the rules that read it leave that statement unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal, NamedTuple

from review_board.iam_actions import granted
from review_board.wire import document, is_unknown

# No AWS policy holds more: the largest, a KMS key policy, is 32 KB, fewer than 700 minimal statements.
MAX_STATEMENTS = 1000
MAX_ELEMENTS = 20_000
# Each NotAction list leaves most of AWS's ~17,000 actions, a set of its own: past this many different ones
# (no policy within AWS's size quotas needs them) the document is refused rather than judged slowly.
MAX_NOT_ACTION_LISTS = 100
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
# Condition keys that only grow: a "before" date in the past can never hold again.
CLOCK_KEYS = frozenset({"aws:currenttime", "aws:tokenissuetime", "aws:epochtime"})
BEFORE = frozenset({"DateLessThan", "DateLessThanEquals", "NumericLessThan", "NumericLessThanEquals"})
STATEMENT_OBJECT = "Statement is one object, where the review board requires a list of statements ([{...}])"

Kind = Literal["identity", "resource", "trust"]


class Unjudgeable(ValueError):
    """The document is not one IAM would accept, or too large to be one: it cannot be judged."""


@dataclass(frozen=True)
class Principal:
    kind: str  # "*" (Principal: "*"), "AWS", "Service", "Federated" or "CanonicalUser"
    value: str


class Condition(NamedTuple):
    """A tuple, not a frozen dataclass: a document may hold a thousand, and a frozen dataclass's __init__
    costs several times a tuple's."""

    operator: str  # as written: "StringEquals", "ForAnyValue:StringLike", "ArnLikeIfExists"
    key: str  # lower-case, as IAM compares condition keys
    values: tuple[str, ...]
    unknown: bool = False  # some value is not known until apply

    @property
    def never_holds(self) -> bool:
        """A "before" test of the clock against moments that have all passed: it can never hold again."""
        if self.unknown or self.key not in CLOCK_KEYS or self.operator not in BEFORE or not self.values:
            return False
        now = datetime.now(UTC)
        return all((moment := _moment(v)) is not None and moment < now for v in self.values)


def _moment(value: str) -> datetime | None:
    """A condition's date (ISO 8601 or seconds since the epoch, as IAM accepts both), in UTC."""
    if not value.isascii():
        return None  # str.isdigit takes any script's digits (fullwidth ones too); IAM's clock may not
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(eq=False, slots=True)
class Statement:
    """Read-only by convention: not frozen, because a frozen dataclass's __init__ costs six times as
    much, and a document may hold a thousand statements (slotted for the same reason)."""

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
    # Every action (lower-case) the statement covers, its globs matched over AWS's action list; set once, as
    # every rule reads it. Empty while a NotAction element is unknown: what it leaves out is not known (it
    # is named unchecked).
    granted: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        unknown = self.not_action and UNKNOWN_ELEMENT in self.actions
        self.granted = frozenset() if unknown else granted(self.actions, self.not_action)

    @property
    def inert(self) -> bool:
        """The statement can never apply: one of its conditions can never hold again."""
        return any(c.never_holds for c in self.conditions)

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
    defects: tuple[str, ...] = field(default=())  # why it cannot be judged as written, though it was read
    # Answers several rules share within one document (iam_grants, iam_identity_rules), asked once.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def allows(self) -> tuple[Statement, ...]:
        """The Allow statements that can apply (not those whose condition can never hold)."""
        return tuple(s for s in self.statements if s.allow and not (s.conditions and s.inert))

    @cached_property
    def distinct_allows(self) -> tuple[Statement, ...]:
        """The Allow statements, each shape (the same actions on the same resources) once, the first kept:
        a repeated statement grants nothing more, and a large document may repeat one a thousand times."""
        seen: set[tuple[Any, ...]] = set()
        distinct = []
        for statement in self.allows:
            shape = (statement.actions, statement.not_action, statement.resources, statement.not_resource)
            if shape not in seen:
                seen.add(shape)
                distinct.append(statement)
        return tuple(distinct)

    @cached_property
    def allow_index(self) -> tuple[dict[str, list[Statement]], tuple[Statement, ...]]:
        """Allow statements by the actions they grant, and apart those that grant hundreds (`s3:*`, `*`)."""
        by_action: dict[str, list[Statement]] = {}
        broad = []
        for statement in self.distinct_allows:
            granted = statement.granted
            if len(granted) > 64:
                broad.append(statement)
                continue
            for action in granted:
                found = by_action.get(action)
                if found is None:
                    by_action[action] = [statement]
                else:
                    found.append(statement)
        return by_action, tuple(broad)

    def allowing(self, actions: frozenset[str]) -> list[tuple[Statement, str]]:
        """(statement, action) for each action of `actions` an Allow grants, in statement order."""
        return [(s, a) for s, granted in self.granting(actions) for a in sorted(granted)]

    def granting(self, actions: frozenset[str]) -> list[tuple[Statement, list[str]]]:
        """Each Allow statement granting some of `actions`, with those actions, in statement order."""
        by_action, broad = self.allow_index
        found: dict[int, list[Any]] = {}
        for action in actions:
            for statement in by_action.get(action, ()):
                entry = found.get(statement.number)
                if entry is None:
                    found[statement.number] = [statement, action]
                else:
                    entry.append(action)
        for statement in broad:
            granted = statement.granted & actions
            if granted:
                found[statement.number] = [statement, *granted]
        return [(found[n][0], found[n][1:]) for n in sorted(found)]

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
            if type(raw) is str:  # the common case: one string value
                found.append(Condition(str(operator), str(key).lower(), (raw,)))
                continue
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
    """One statement, or None when preview does not know its Effect. Raises Unjudgeable.

    The common statement (a dict of strings and lists of strings) takes the straight path: no message is
    built and no helper called unless something is off.
    """
    if type(raw) is not dict:
        if is_unknown(raw):
            unchecked.append(f"statement {number}")
            return None
        if not isinstance(raw, Mapping):
            raise Unjudgeable(f"statement {number} is {raw!r:.80}, not an object")
    if not raw.keys() <= STATEMENT_KEYS:
        extra = sorted(str(key) for key in raw if key not in STATEMENT_KEYS)
        raise Unjudgeable(f"statement {number} has the element(s) {extra}, which IAM does not know")
    effect = raw.get("Effect")
    if effect == "Allow":
        allow = True
    elif effect == "Deny":
        allow = False
    elif is_unknown(effect):
        unchecked.append(f"the Effect of statement {number}")
        return None
    else:
        raise Unjudgeable(f'statement {number} has Effect {effect!r}; IAM accepts only "Allow" or "Deny"')
    sid = raw.get("Sid", "")
    if type(sid) is not str:
        raise Unjudgeable(f"statement {number} has Sid {sid!r}, not a string")

    if "Action" in raw and "NotAction" not in raw:
        action_key: str | None = "Action"
    else:
        action_key = _one_of(raw, ("Action", "NotAction"), f"statement {number}", required=True)
    negated_action = action_key == "NotAction"
    action = raw[action_key]
    if type(action) is str and action:
        actions: tuple[str, ...] = (action,)
    elif type(action) is list and action and all(type(a) is str and a for a in action):
        actions = tuple(action)
    else:
        actions = _strings(action, action_key, number, unchecked, keep_unknown=negated_action)

    if "Resource" in raw and "NotResource" not in raw:
        resource_key: str | None = "Resource"
    else:
        resource_key = _one_of(raw, ("Resource", "NotResource"), f"statement {number}", kind == "identity")
    not_resource = resource_key == "NotResource"
    resource = raw[resource_key] if resource_key else None
    if resource_key is None:
        resources: tuple[str, ...] = ()
    elif type(resource) is str and resource:
        resources = (resource,)
    elif type(resource) is list and resource and all(type(r) is str and r for r in resource):
        resources = tuple(resource)
    else:
        resources = _strings(resource, resource_key, number, unchecked, keep_unknown=not_resource)

    principals: tuple[Principal, ...] = ()
    principal_unknown = not_principal = False
    if kind != "identity" or "Principal" in raw or "NotPrincipal" in raw:
        where = f"statement {number}"
        principal_key = _one_of(raw, ("Principal", "NotPrincipal"), where, required=kind != "identity")
        if kind == "identity":
            raise Unjudgeable(f"{where} has a {principal_key}, which identity-based policies may not have")
        not_principal = principal_key == "NotPrincipal"
        principals, principal_unknown = _principals(raw[principal_key], f"the {principal_key} of {where}")
        if principal_unknown:
            unchecked.append(f"the {principal_key} of {where}")

    conditions: tuple[Condition, ...] = ()
    if "Condition" in raw:
        conditions = _conditions(raw["Condition"], f"the Condition of statement {number}")
        if any(c.unknown for c in conditions):
            unchecked.append(f"the Condition of statement {number}")
    return Statement(
        number,
        allow,
        actions,
        negated_action,
        resources,
        not_resource,
        principals,
        not_principal,
        principal_unknown,
        conditions,
        sid,
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise Unjudgeable(
            f"it repeats the key {repeated!r} in one object: JSON leaves which one counts to the reader "
            "(RFC 8259, section 4), so IAM may read another value than the review board"
        )
    return found


def parse(raw: Any, where: str, kind: Kind) -> Document | None:
    """A document from its JSON string or object; None when preview knows none of it. Raises Unjudgeable."""
    if is_unknown(raw):
        return None
    try:
        parsed = document(raw, object_pairs_hook=_unique_keys)  # repeated keys: Unjudgeable
    except Unjudgeable:
        raise
    except ValueError as error:
        raise Unjudgeable(str(error)) from error
    except RecursionError as error:
        raise Unjudgeable("it is nested deeper than any IAM policy") from error
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
    defects: tuple[str, ...] = ()
    if isinstance(raw_statements, list):
        items = raw_statements
    elif isinstance(raw_statements, Mapping):
        items, defects = [raw_statements], (STATEMENT_OBJECT,)
    else:
        raise Unjudgeable(f"Statement is {raw_statements!r:.60}, not an object or a list of them")
    if not items:
        raise Unjudgeable("Statement is empty")
    if len(items) > MAX_STATEMENTS:
        raise Unjudgeable(
            f"it has {len(items)} statements, more than any AWS policy can hold ({MAX_STATEMENTS})"
        )
    unchecked: list[str] = []
    statements = []
    elements = 0
    not_actions: set[str] = set()
    for number, item in enumerate(items, 1):
        if type(item) is dict and "NotAction" in item:
            not_actions.add(repr(item["NotAction"]))
            if len(not_actions) > MAX_NOT_ACTION_LISTS:
                raise Unjudgeable(
                    f"it has more than {MAX_NOT_ACTION_LISTS} different NotAction lists, more than any "
                    "policy within AWS's size quotas"
                )
        parsed_statement = statement(item, number, kind, unchecked)
        if parsed_statement is not None:
            statements.append(parsed_statement)
            elements += (
                len(parsed_statement.actions)
                + len(parsed_statement.resources)
                + len(parsed_statement.principals)
            )
    if elements > MAX_ELEMENTS:
        raise Unjudgeable(
            f"it has {elements} actions, resources and principals, more than any AWS policy holds"
        )
    return Document(where, kind, tuple(statements), tuple(unchecked), defects)
