"""The shared ALB: who may connect on which port, TLS, the HTTP redirect, and routing to services."""

from __future__ import annotations

import pytest

from container_platform.review.offline_runtime import StackRecording, evaluate_stack
from tests.program.recorded import INGRESS_RULE, LISTENER, LISTENER_RULE, TARGET_GROUP, inputs, outputs_of
from tests.program.stack_configs import stack_config


def _client_rules(recording: StackRecording) -> list[tuple[int, str]]:
    """(port, client block) of every ingress rule on the ALB's group; a port range or other protocol fails."""
    alb_sg = outputs_of(
        recording, recording.named("aws:ec2/securityGroup:SecurityGroup", f"{recording.stack}-sg").urn
    )["id"]
    rules = [inputs(r) for r in recording.of_type(INGRESS_RULE) if inputs(r)["securityGroupId"] == alb_sg]
    assert all((rule["ipProtocol"], rule["fromPort"]) == ("tcp", rule["toPort"]) for rule in rules), rules
    return sorted((rule["fromPort"], rule.get("cidrIpv4") or rule["cidrIpv6"]) for rule in rules)


def test_dev_takes_plain_http_on_80_from_the_allowed_cidrs_only(dev: StackRecording):
    assert _client_rules(dev) == [(80, "10.0.0.0/8")]
    (listener,) = dev.of_type(LISTENER)
    assert (inputs(listener)["port"], inputs(listener)["protocol"]) == (80, "HTTP")


def test_prod_serves_https_with_a_modern_tls_policy_and_its_certificate(prod: StackRecording):
    assert _client_rules(prod) == [(80, "0.0.0.0/0"), (443, "0.0.0.0/0")]
    https = inputs(prod.named(LISTENER, "prod-https"))
    assert (https["port"], https["protocol"]) == (443, "HTTPS")
    assert https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["certificateArn"].startswith("arn:aws:acm:eu-west-1:123456789012:certificate/")


def test_prod_http_listener_only_redirects_to_https(prod: StackRecording):
    http = inputs(prod.named(LISTENER, "prod-http-redirect"))
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]


def test_target_groups_check_health_on_the_health_path(prod: StackRecording):
    (group,) = prod.of_type(TARGET_GROUP)
    settings = inputs(group)
    assert (settings["targetType"], settings["port"], settings["protocol"]) == ("ip", 8080, "HTTP")
    assert settings["healthCheck"]["path"] == "/health"
    assert settings["healthCheck"]["matcher"] == "200"


@pytest.mark.slow
def test_first_service_is_the_default_and_the_others_are_routed_by_host(forty: StackRecording):
    recording = forty
    groups = {r.name: outputs_of(recording, r.urn)["arn"] for r in recording.of_type(TARGET_GROUP)}
    (listener,) = [inputs(r) for r in recording.of_type(LISTENER) if inputs(r)["port"] == 443]
    assert listener["defaultActions"] == [{"type": "forward", "targetGroupArn": groups["hello-world-tg"]}]
    rules = {r.name: inputs(r) for r in recording.of_type(LISTENER_RULE)}
    assert len(rules) == 39
    assert len({rule["priority"] for rule in rules.values()}) == 39
    payments = rules["payments-api-route"]
    assert payments["conditions"] == [{"hostHeader": {"values": ["api.payments.bank.example"]}}]
    assert payments["actions"] == [{"type": "forward", "targetGroupArn": groups["payments-api-tg"]}]


def test_ipv6_client_blocks_become_ipv6_rules():
    config = stack_config("prod")
    config["container-platform:loadBalancer"]["allowedCidrs"] = ["203.0.113.0/24", "2001:db8::/32"]
    recording = evaluate_stack("prod", config=config)
    assert _client_rules(recording) == [
        (80, "2001:db8::/32"),
        (80, "203.0.113.0/24"),
        (443, "2001:db8::/32"),
        (443, "203.0.113.0/24"),
    ]
    ipv6 = [inputs(r) for r in recording.of_type(INGRESS_RULE) if "cidrIpv6" in inputs(r)]
    assert len(ipv6) == 2 and not any("cidrIpv4" in rule for rule in ipv6)
