"""The stack policy `listener-rules-keep-https`: a rule cannot serve what its listener only redirects.

`listener-https-only` approves a plain-HTTP listener because all its default actions redirect to HTTPS.
A listener rule on it answers before those defaults, so a rule that forwards serves plain HTTP on a
listener the pack approved as redirect-only. Each rule is judged with its listener: found by dependency,
or by its ARN once known; a rule on a listener outside the stack cannot be judged and is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from review_board.framework import QUESTIONS, Resource
from review_board.ports import LISTENERS
from review_board.stack_findings import StackFindings
from review_board.waivers import WAIVERS_SCHEMA
from review_board.wire import as_list, is_unknown, plain

NAME = "listener-rules-keep-https"
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")


def _redirects_to_https(actions: Any) -> bool | None:
    """Whether every action redirects to HTTPS; None when one is unknown."""
    if is_unknown(actions):
        return None
    listed = as_list(actions)
    for action in listed:
        redirect = action.get("redirect") if not is_unknown(action) else action
        if is_unknown(action) or is_unknown(action.get("type")) or is_unknown(redirect):
            return None
        protocol = (redirect or {}).get("protocol")
        if is_unknown(protocol):
            return None
        if action.get("type") != "redirect" or protocol != "HTTPS":
            return False
    return bool(listed)


def _redirect_only(listener: Resource) -> bool | None:
    """Whether the listener is plain HTTP approved only as a redirect to HTTPS; None when unknown."""
    protocol = listener.props.get("protocol")
    if is_unknown(protocol):
        return None
    if str(protocol or "").upper() != "HTTP":
        return False
    return _redirects_to_https(listener.props.get("defaultActions"))


def _listener_of(policy_resource: Any, rule: Resource, listeners: Mapping[str, Resource]) -> Any:
    """The rule's listener; UNKNOWN-like None when preview cannot tell; "" when it is not the stack's."""
    arn = rule.props.get("listenerArn")
    if not is_unknown(arn):
        found = [listener for listener in listeners.values() if arn and listener.props.get("arn") == arn]
        return found[0] if found else ""
    linked = (policy_resource.property_dependencies or {}).get("listenerArn", [])
    found = [listeners[d.urn] for d in linked if d.urn in listeners]
    return found[0] if len(found) == 1 else None


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    findings = StackFindings(NAME)
    listeners = {
        r.urn: Resource(r.resource_type, r.name, r.urn, plain(r.props))
        for r in args.resources
        if r.resource_type in LISTENERS
    }
    for policy_resource in args.resources:
        if policy_resource.resource_type not in LISTENER_RULES:
            continue
        rule = Resource(
            policy_resource.resource_type,
            policy_resource.name,
            policy_resource.urn,
            plain(policy_resource.props),
        )
        listener = _listener_of(policy_resource, rule, listeners)
        if listener is None:
            findings.unchecked.append(f"{rule.label} listenerArn")
            continue
        if listener == "":
            findings.violation(
                rule,
                f"{rule.label} is on listener {rule.props.get('listenerArn')!r}, which is not of this stack, "
                "so the pack cannot judge what the rule serves. Fix: attach rules to the stack's own "
                "listeners.",
            )
            continue
        redirect_only = _redirect_only(listener)
        serves = _redirects_to_https(rule.props.get("actions"))
        if redirect_only is None or (redirect_only and serves is None):
            findings.unchecked.append(f"{rule.label} actions or its listener's protocol and default actions")
        elif redirect_only and not serves:
            kinds = [a.get("type") for a in as_list(rule.props.get("actions")) if isinstance(a, Mapping)]
            findings.violation(
                rule,
                f"{rule.label} answers on {listener.label}, a plain-HTTP listener approved only because it "
                f"redirects to HTTPS, with actions {kinds}: it serves plain HTTP. Fix: attach the rule to "
                "the HTTPS listener, or make its only action a redirect to HTTPS.",
            )
    findings.report(config, args, report_violation)


def listener_rules_keep_https_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=f"Listener rules serve nothing a redirect-only listener redirects ({QUESTIONS['2']})",
        validate=_validate,
        config_schema=PolicyConfigSchema(properties={"waivers": WAIVERS_SCHEMA}),
        severity=Severity.HIGH,
        tags=["question-2"],
    )
