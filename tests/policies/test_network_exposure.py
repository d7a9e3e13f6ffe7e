"""Paths from the internet beyond security groups: default group, network ACLs, classic ELBs, public IPs.

Sources: CIS AWS Foundations Benchmark v3 (5.1 NACL admin ports, 5.4 default security group), checkov's
NACL port checks (CKV_AWS_229-232 fixtures: an allow from 0.0.0.0/0 covering 21/22/3389), the classic ELB
listener shape (terraform-provider-aws aws_elb), terraform-provider-aws launch templates' string booleans.
"""

from __future__ import annotations

import pytest

from tests.policies.helpers import UNKNOWN, assert_verdict, resource

CIS = "CIS AWS Foundations Benchmark v3"
SSH_ANYWHERE = {
    "protocol": "tcp",
    "ruleNo": 100,
    "action": "allow",
    "cidrBlock": "0.0.0.0/0",
    "fromPort": 22,
    "toPort": 22,
}
HTTPS_ANYWHERE = {**SSH_ANYWHERE, "fromPort": 443, "toPort": 443}


def nacl(name, *ingress):
    return resource("aws:ec2/networkAcl:NetworkAcl", name, {"vpcId": "vpc-1", "ingress": list(ingress)})


def nacl_rule(name, **props):
    base = {
        "networkAclId": "acl-1",
        "ruleNumber": 100,
        "egress": False,
        "protocol": "6",
        "ruleAction": "allow",
    }
    return resource("aws:ec2/networkAclRule:NetworkAclRule", name, {**base, **props})


def elb(name, *listeners):
    return resource("aws:elb/loadBalancer:LoadBalancer", name, {"listeners": list(listeners)})


CASES = [
    (
        CIS + " 5.4",
        "default-security-group-closed",
        resource(
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", {"ingress": [], "egress": []}
        ),
        None,
    ),
    (
        CIS + " 5.4",
        "default-security-group-closed",
        resource(
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "open",
            {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]},
        ),
        "1 ingress rule",
    ),
    (
        CIS + " 5.1; checkov CKV_AWS_232 (port 22)",
        "nacl-no-admin-ports-from-anywhere",
        nacl("ssh", SSH_ANYWHERE),
        "port 22",
    ),
    (
        CIS + " 5.1; checkov CKV_AWS_231 (port 3389)",
        "nacl-no-admin-ports-from-anywhere",
        nacl("all", {**SSH_ANYWHERE, "protocol": "-1", "fromPort": 0, "toPort": 0}),
        "port 3389",
    ),
    (
        CIS + " 5.1: protocol -1 sent as a number (the engine's -1.0) is every protocol",
        "nacl-no-admin-ports-from-anywhere",
        nacl("all-number", {**SSH_ANYWHERE, "protocol": -1.0, "fromPort": 0, "toPort": 0}),
        "port 22",
    ),
    (
        CIS + " 5.1: IPv6 anywhere",
        "nacl-no-admin-ports-from-anywhere",
        nacl(
            "v6",
            {
                **SSH_ANYWHERE,
                "cidrBlock": None,
                "ipv6CidrBlock": "::/0",
                "fromPort": 1024,
                "toPort": 65535,
                "protocol": "6",
                "ruleNo": 90,
            },
            {**SSH_ANYWHERE, "protocol": "-1", "ipv6CidrBlock": "::/0", "cidrBlock": None},
        ),
        "port 22",
    ),
    (
        CIS + " 5.1: HTTPS from anywhere is fine",
        "nacl-no-admin-ports-from-anywhere",
        nacl("web", HTTPS_ANYWHERE),
        None,
    ),
    (
        CIS + " 5.1: SSH from the management network",
        "nacl-no-admin-ports-from-anywhere",
        nacl("mgmt", {**SSH_ANYWHERE, "cidrBlock": "10.100.0.0/16"}),
        None,
    ),
    (
        "AWS VPC docs: NACL entries apply lowest rule number first",
        "nacl-no-admin-ports-from-anywhere",
        nacl(
            "denied-first",
            {**SSH_ANYWHERE, "ruleNo": 50, "action": "deny"},
            {**SSH_ANYWHERE, "ruleNo": 60, "action": "deny", "fromPort": 3389, "toPort": 3389},
            {**SSH_ANYWHERE, "protocol": "-1", "ruleNo": 200, "fromPort": 0, "toPort": 0},
        ),
        None,
    ),
    (
        "AWS VPC docs (network ACL rules): a deny of ::/0 matches IPv6 traffic only, so IPv4 SSH reaches the "
        "later allow of 0.0.0.0/0",
        "nacl-no-admin-ports-from-anywhere",
        nacl(
            "denied-v6-only",
            {**SSH_ANYWHERE, "ruleNo": 50, "action": "deny", "cidrBlock": None, "ipv6CidrBlock": "::/0"},
            {**SSH_ANYWHERE, "ruleNo": 100},
        ),
        "ingress entry 100 allows port 22",
    ),
    (
        "AWS VPC docs (network ACL rules): the IPv4 deny first and the IPv6 deny first close both families",
        "nacl-no-admin-ports-from-anywhere",
        nacl(
            "denied-both",
            {**SSH_ANYWHERE, "ruleNo": 50, "action": "deny", "protocol": "-1", "fromPort": 0, "toPort": 0},
            {
                **SSH_ANYWHERE,
                "ruleNo": 51,
                "action": "deny",
                "protocol": "-1",
                "fromPort": 0,
                "toPort": 0,
                "cidrBlock": None,
                "ipv6CidrBlock": "::/0",
            },
            {**SSH_ANYWHERE, "ruleNo": 100},
            {**SSH_ANYWHERE, "ruleNo": 101, "cidrBlock": None, "ipv6CidrBlock": "::/0"},
        ),
        None,
    ),
    (
        CIS + " 5.1; checkov CKV_AWS_232",
        "nacl-rule-no-admin-ports-from-anywhere",
        nacl_rule("ssh", cidrBlock="0.0.0.0/0", fromPort=22, toPort=22),
        "port 22",
    ),
    (
        CIS + " 5.1: egress is not ingress",
        "nacl-rule-no-admin-ports-from-anywhere",
        nacl_rule("out", egress=True, cidrBlock="0.0.0.0/0", fromPort=22, toPort=22),
        None,
    ),
    (
        CIS + " 5.1: a deny rule",
        "nacl-rule-no-admin-ports-from-anywhere",
        nacl_rule("deny", ruleAction="deny", cidrBlock="0.0.0.0/0", fromPort=0, toPort=65535),
        None,
    ),
    (
        "terraform-provider-aws aws_elb listener",
        "listener-https-only",
        elb(
            "classic-https",
            {
                "lbPort": 443,
                "lbProtocol": "https",
                "instancePort": 8443,
                "instanceProtocol": "https",
                "sslCertificateId": "arn:aws:acm:eu-west-1:1:certificate/c",
            },
        ),
        None,
    ),
    (
        "terraform-provider-aws aws_elb listener",
        "listener-https-only",
        elb(
            "classic-http",
            {"lbPort": 80, "lbProtocol": "HTTP", "instancePort": 8080, "instanceProtocol": "HTTP"},
        ),
        "cannot redirect",
    ),
    (
        "terraform-provider-aws aws_elb listener",
        "listener-https-only",
        elb(
            "classic-tcp", {"lbPort": 22, "lbProtocol": "TCP", "instancePort": 22, "instanceProtocol": "TCP"}
        ),
        "port 22",
    ),
    (
        "terraform-provider-aws aws_instance",
        "instance-no-public-ip",
        resource("aws:ec2/instance:Instance", "bastion", {"associatePublicIpAddress": True}),
        "associatePublicIpAddress=True",
    ),
    (
        "terraform-provider-aws aws_instance",
        "instance-no-public-ip",
        resource("aws:ec2/instance:Instance", "private", {"associatePublicIpAddress": False}),
        None,
    ),
    (
        "terraform-provider-aws aws_launch_configuration",
        "instance-no-public-ip",
        resource("aws:ec2/launchConfiguration:LaunchConfiguration", "lc", {"associatePublicIpAddress": True}),
        "associatePublicIpAddress",
    ),
    (
        "terraform-provider-aws launch template: a string boolean, read by strconv.ParseBool",
        "instance-no-public-ip",
        resource(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "lt",
            {"networkInterfaces": [{"associatePublicIpAddress": "TRUE"}]},
        ),
        "networkInterfaces[0]",
    ),
    (
        "terraform-provider-aws launch template",
        "instance-no-public-ip",
        resource(
            "aws:ec2/launchTemplate:LaunchTemplate",
            "lt-private",
            {"networkInterfaces": [{"associatePublicIpAddress": "false"}]},
        ),
        None,
    ),
    (
        "checkov CKV_AWS_79 (IMDSv2 on instances)",
        "launch-template-imdsv2",
        resource("aws:ec2/instance:Instance", "v1", {"metadataOptions": {"httpTokens": "optional"}}),
        "IMDSv1",
    ),
    (
        "checkov CKV_AWS_79 (IMDSv2 on launch configurations)",
        "launch-template-imdsv2",
        resource("aws:ec2/launchConfiguration:LaunchConfiguration", "lc-v1", {}),
        "IMDSv1",
    ),
    (
        "checkov CKV_AWS_79",
        "launch-template-imdsv2",
        resource(
            "aws:ec2/instance:Instance",
            "v2",
            {"metadataOptions": {"httpTokens": "required", "httpPutResponseHopLimit": 1}},
        ),
        None,
    ),
    (
        "checkov CKV_AWS_130 (VPC subnets do not assign public IPs by default); red team: an instance whose "
        "launch template says nothing still gets one",
        "instance-no-public-ip",
        resource("aws:ec2/subnet:Subnet", "auto-public", {"vpcId": "vpc-1", "mapPublicIpOnLaunch": True}),
        "every instance launched into it",
    ),
    (
        "checkov CKV_AWS_130, the string form Go's ParseBool reads",
        "instance-no-public-ip",
        resource("aws:ec2/subnet:Subnet", "public-str", {"vpcId": "vpc-1", "mapPublicIpOnLaunch": "true"}),
        "mapPublicIpOnLaunch",
    ),
    (
        "checkov CKV_AWS_130 passing fixture: a public subnet for the load balancer and NAT gateways",
        "instance-no-public-ip",
        resource("aws:ec2/subnet:Subnet", "public", {"vpcId": "vpc-1", "mapPublicIpOnLaunch": False}),
        None,
    ),
    (
        "red team: an Elastic IP associated with an instance (EC2 guide: associate an Elastic IP address)",
        "instance-no-public-ip",
        resource("aws:ec2/eip:Eip", "host-ip", {"domain": "vpc", "instance": "i-0123456789abcdef0"}),
        "instance 'i-0123456789abcdef0'",
    ),
    (
        "red team: an Elastic IP associated with a network interface",
        "instance-no-public-ip",
        resource("aws:ec2/eip:Eip", "eni-ip", {"domain": "vpc", "networkInterface": "eni-0123"}),
        "networkInterface",
    ),
    (
        "the program's NAT gateway address (components/network.py): no instance, no interface",
        "instance-no-public-ip",
        resource("aws:ec2/eip:Eip", "nat", {"domain": "vpc"}),
        None,
    ),
    (
        "AWS ECS task sets: networkConfiguration as services",
        "service-no-public-ip",
        resource("aws:ecs/taskSet:TaskSet", "canary", {"networkConfiguration": {"assignPublicIp": True}}),
        "public IPs",
    ),
]


@pytest.mark.parametrize(
    ("source", "policy", "res", "expected"), CASES, ids=[f"{c[1]}-{c[2].name}" for c in CASES]
)
def test_network_exposure(pack, source, policy, res, expected):
    assert source
    assert_verdict(pack, res, policy, expected)


def test_unknown_nacl_entries_are_unchecked(pack):
    res = nacl("later", {**SSH_ANYWHERE, "cidrBlock": UNKNOWN})
    assert pack.violations(res, "nacl-no-admin-ports-from-anywhere") == []
    assert pack.unchecked(res, "nacl-no-admin-ports-from-anywhere")
