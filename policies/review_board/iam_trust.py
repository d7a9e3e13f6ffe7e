"""Question 3, who may assume a role: its trust policy names only AWS services the platform runs on."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from review_board.framework import Finding, Resource, Violation, for_each
from review_board.iam_actions import has_wildcard
from review_board.iam_carriers import trust_documents
from review_board.iam_statements import Document

ALLOWED_SERVICES = {
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
        "description": "AWS service principals that may assume the platform's roles.",
    }
}


@for_each(trust_documents)
def trust_named_services(resource: Resource, doc: Document, config: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = set(config["allowedServicePrincipals"])
    for statement in doc.statements:
        if not statement.allow:
            continue
        anyone = [
            p for p in statement.principals if p.kind == "*" or (p.kind == "AWS" and has_wildcard(p.value))
        ]
        if statement.not_principal or anyone:
            shown = "NotPrincipal" if statement.not_principal else anyone[0].value
            yield Violation(
                f"{doc.where} lets any principal assume the role ({shown!r}, {statement.label}). "
                f"Fix: trust only the AWS service that runs it, e.g. {sorted(allowed)[:1]}."
            )
            continue
        others = sorted({f"{p.kind}: {p.value}" for p in statement.principals if p.kind != "Service"})
        if others:
            yield Violation(
                f"{doc.where} trusts {others}; only named AWS services may assume platform roles. "
                "Fix: trust the service principal (e.g. ecs-tasks.amazonaws.com) instead."
            )
        services = sorted({p.value for p in statement.principals if p.kind == "Service"} - allowed)
        if services:
            yield Violation(
                f"{doc.where} trusts service(s) {services}, not in the allowed {sorted(allowed)}. "
                "Fix: trust only the service that runs this role, or have it added to the allowed list."
            )
