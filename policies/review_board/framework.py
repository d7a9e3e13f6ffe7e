"""How a rule becomes a Pulumi policy: one check function, the resource types it reads, its config.

A check gets a `Resource` with plain inputs (see wire.py) and its config (schema defaults filled in), and
yields `Violation`s (the message names the resource, the offending value and the fix) and `Unchecked`
notes for what preview does not know yet. The wrapper applies waivers, reports violations, and marks
the policy not applicable for the unknown parts, so the same policy blocks at `pulumi up` once known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from review_board.applicable_only import TYPES_READ
from review_board.remember import RememberLast
from review_board.waivers import WAIVERS_SCHEMA, unwaived
from review_board.wire import UnknownValueUsed, plain

QUESTIONS = {
    "1": "review board question 1: the base image",
    "2": "review board question 2: exposed ports",
    "3": "review board question 3: IAM roles and policies",
    "extras": "what a security reviewer also expects",
}


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    urn: str
    props: Mapping[str, Any]

    @property
    def label(self) -> str:
        """`TaskDefinition 'web'`: how messages name a resource."""
        return f"{self.type.rsplit(':', 1)[-1]} {self.name!r}"


@dataclass(frozen=True)
class Violation:
    message: str


@dataclass(frozen=True)
class Unchecked:
    what: str


Finding = Violation | Unchecked
Check = Callable[[Resource, Mapping[str, Any]], Iterable[Finding]]
Item = TypeVar("Item")


def for_each(
    items: Callable[[Resource], Iterable[Item | Finding]],
) -> Callable[[Callable[[Resource, Item, Mapping[str, Any]], Iterable[Finding]]], Check]:
    """Turn a check of one item (a container, a permission document) into a check of the resource.

    `items` yields what the resource carries, or a Finding where it cannot be read; those findings pass
    through unchanged, so every per-item check reports unreadable inputs the same way.
    """

    def decorate(check_item: Callable[[Resource, Item, Mapping[str, Any]], Iterable[Finding]]) -> Check:
        def check(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
            for item in items(resource):
                if isinstance(item, Violation | Unchecked):
                    yield item
                else:
                    yield from check_item(resource, item, config)

        return check

    return decorate


# Every policy of one Analyze call gets the same inputs proxy (decode_once.py), so it is unwrapped once;
# the checks only read the result. Enough entries for the four calls the SDK serves at once.
_plain_inputs = RememberLast(plain, 8)


def parent_types(urn: str) -> list[str]:
    """Component types a resource sits in: `urn:pulumi:<stack>::<project>::<parent>$...$<type>::<name>`."""
    return urn.split("::")[2].split("$")[:-1] if urn.count("::") >= 3 else []


def config_with_defaults(
    properties: Mapping[str, Mapping[str, Any]], config: Mapping[str, Any]
) -> dict[str, Any]:
    """The CLI fills schema defaults in; do the same when a policy runs without a config file."""
    merged = {key: schema["default"] for key, schema in properties.items() if "default" in schema}
    merged.update(config)
    return merged


def resource_policy(
    *,
    name: str,
    question: str,
    description: str,
    types: Iterable[str],
    check: Check,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    severity: Severity = Severity.HIGH,
) -> ResourceValidationPolicy:
    """A resource policy over `types` answering review board `question` ("1", "2", "3" or "extras")."""
    type_set = frozenset(types)
    TYPES_READ[name] = type_set  # the pack offers this policy only resources of these types
    properties = {**(config or {}), "waivers": WAIVERS_SCHEMA}

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in type_set:
            return
        settings = config_with_defaults(properties, args.get_config())
        resource = Resource(args.resource_type, args.name, args.urn, _plain_inputs(args.props))
        findings: list[Finding] = []
        try:
            findings.extend(check(resource, settings))
        except UnknownValueUsed:
            # A value the rule reads is unknown in preview: keep what it found so far; the rest at update.
            findings.append(Unchecked("an input this rule reads"))
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # Inputs of a shape the provider schema does not allow: fail closed, with a message, not a crash.
            findings = [
                Violation(
                    f"{resource.label}: inputs of an unexpected shape ({type(error).__name__}: {error}), so "
                    f"{name} cannot approve it. Fix: give the inputs the provider's documented shape."
                )
            ]
        violations = [finding.message for finding in findings if isinstance(finding, Violation)]
        _report(name, resource, violations, settings["waivers"], report_violation)
        unchecked = [finding.what for finding in findings if isinstance(finding, Unchecked)]
        if unchecked:
            args.not_applicable(
                f"{resource.label}: not checked until the value is known: {'; '.join(unchecked)}"
            )

    return ResourceValidationPolicy(
        name=name,
        description=f"{description} ({QUESTIONS[question]})",
        validate=validate,
        config_schema=PolicyConfigSchema(properties=properties),
        severity=severity,
        tags=[f"question-{question}"],
    )


def _report(
    policy: str,
    resource: Resource,
    violations: list[str],
    waiver_config: list[Mapping[str, Any]],
    report_violation: ReportViolation,
) -> None:
    for message in unwaived(policy, resource.name, resource.urn, violations, waiver_config):
        report_violation(message, None)
