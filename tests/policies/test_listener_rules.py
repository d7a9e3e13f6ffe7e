"""Listener rules cannot serve plain HTTP on a listener approved only because it redirects to HTTPS."""

from __future__ import annotations

import pytest

from tests.policies.helpers import UNKNOWN, assert_stack_verdict, depending_on, resource

POLICY = "listener-rules-keep-https"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
LB = "container-platform:index:LoadBalancer"
TO_HTTPS = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
FORWARD = {"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:tg"}
HTTP_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/http"
HTTPS_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/https"

REDIRECTING = resource(
    LISTENER, "http", {"port": 80.0, "protocol": "HTTP", "defaultActions": [TO_HTTPS], "arn": HTTP_ARN}, LB
)
HTTPS = resource(
    LISTENER,
    "https",
    {"port": 443.0, "protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
     "defaultActions": [FORWARD], "arn": HTTPS_ARN},
    LB,
)  # fmt: skip


def rule(name, listener_arn, *actions):
    props = {"listenerArn": listener_arn, "priority": 1.0, "actions": list(actions),
             "conditions": [{"pathPattern": {"values": ["/*"]}}]}  # fmt: skip
    return resource(RULE, name, props, LB)


CASES = [
    (
        "the program's routes: forward rules on the HTTPS listener (components/load_balancer.py)",
        [HTTPS, rule("route", HTTPS_ARN, FORWARD)],
        None,
    ),
    (
        "ELB guide: a rule on the HTTP listener that redirects to HTTPS",
        [REDIRECTING, rule("to-https", HTTP_ARN, TO_HTTPS)],
        None,
    ),
    (
        "red team: a forward rule on the redirect-only HTTP listener serves plain HTTP",
        [REDIRECTING, rule("plain", HTTP_ARN, FORWARD)],
        "['forward']",
    ),
    (
        "red team: the same, found by dependency in preview",
        [REDIRECTING, depending_on(rule("plain-preview", UNKNOWN, FORWARD), listenerArn=REDIRECTING)],
        "['forward']",
    ),
    (
        "red team: a fixed response over plain HTTP",
        [
            REDIRECTING,
            rule(
                "fixed", HTTP_ARN, {"type": "fixed-response", "fixedResponse": {"contentType": "text/plain"}}
            ),
        ],
        "['fixed-response']",
    ),
    (
        "red team: a rule on a listener the stack does not have",
        [
            HTTPS,
            rule(
                "elsewhere", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/x/2/y", FORWARD
            ),
        ],
        "not of this stack",
    ),
]


@pytest.mark.parametrize(("source", "resources", "expected"), CASES, ids=[c[0] for c in CASES])
def test_listener_rules_keep_https(pack, source, resources, expected):
    assert source
    assert_stack_verdict(pack, resources, POLICY, expected)


def test_a_rule_whose_listener_preview_cannot_tell_is_unchecked(pack):
    analysis = pack.process.analyze_stack_resources([REDIRECTING, rule("later", UNKNOWN, FORWARD)])
    assert not [d for d in analysis.diagnostics if d.policy_name == POLICY]
    assert any("listenerArn" in n.reason for n in analysis.not_applicable if n.policy_name == POLICY)
