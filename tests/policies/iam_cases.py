"""Building blocks for the IAM rule tables: documents, statements and the resources that carry them."""

from __future__ import annotations

import json
from typing import Any

from tests.policies.helpers import resource

ACCOUNT = "123456789012"
OTHER = "999999999999"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
REPO_ARN = f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/container-platform/hello-world"
TASKS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions: Any, resources: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(actions: Any, resources: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources, **extra}


def role_policy(name: str, document: Any, as_string: bool = True):
    policy = json.dumps(document) if as_string and not isinstance(document, str) else document
    return resource(ROLE_POLICY, name, {"role": "web", "policy": policy})


def role(name: str, *, trust: Any = TASKS_TRUST, inline: tuple = (), managed: tuple = ()):
    return resource(
        ROLE,
        name,
        {
            "assumeRolePolicy": json.dumps(trust),
            "inlinePolicies": [{"name": n, "policy": json.dumps(d)} for n, d in inline],
            "managedPolicyArns": list(managed),
        },
    )


def carrying(type_token: str, name: str, document: Any, **props: Any):
    """A resource whose `policy` input is `document` (a resource-based policy)."""
    return resource(type_token, name, {"policy": json.dumps(document), **props})


def ids(cases: list[tuple]) -> list[str]:
    return [f"{'violating' if case[-1] else 'compliant'}: {case[1].name}" for case in cases]
