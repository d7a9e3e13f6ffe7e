"""Question 2: only the load balancer is reachable from CIDRs, on allowed ports; nothing else is exposed."""

from __future__ import annotations

import pytest

from tests.policies.helpers import assert_verdict, container, resource, task_definition

LB = "container-platform:index:LoadBalancer"
APP = "container-platform:index:WebService"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def vpc_ingress(name, parent, *, protocol="tcp", low=443.0, high=443.0, **source):
    props = {"ipProtocol": protocol, "fromPort": low, "toPort": high, "securityGroupId": "sg-1", **source}
    return resource(VPC_INGRESS, name, props, parent_type=parent)


def sg_rule(name, parent, *, protocol="tcp", low=443.0, high=443.0, kind="ingress", **source):
    props = {
        "type": kind,
        "protocol": protocol,
        "fromPort": low,
        "toPort": high,
        "securityGroupId": "sg-1",
        **source,
    }
    return resource(SG_RULE, name, props, parent_type=parent)


def inline(protocol, low, high, **sources):
    return {"protocol": protocol, "fromPort": low, "toPort": high, **sources}


def group(name, parent, *rules):
    return resource(SG, name, {"vpcId": "vpc-1", "ingress": list(rules)}, parent_type=parent)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(
            vpc_ingress("lb-443", LB, cidrIpv4="0.0.0.0/0"), None, id="compliant: LB 443 from anywhere"
        ),
        pytest.param(
            vpc_ingress("lb-80-v6", LB, low=80.0, high=80.0, cidrIpv6="::/0"),
            None,
            id="compliant: LB 80, IPv6",
        ),
        pytest.param(
            vpc_ingress("app-from-lb", APP, low=8080.0, high=8080.0, referencedSecurityGroupId="sg-lb"),
            None,
            id="compliant: app port from the LB's group",
        ),
        pytest.param(
            vpc_ingress("lb-ssh", LB, low=22.0, high=22.0, cidrIpv4="0.0.0.0/0"),
            "including [22]",
            id="violating: LB 22 from anywhere",
        ),
        pytest.param(
            vpc_ingress("lb-range", LB, low=0.0, high=1024.0, cidrIpv6="::/0"),
            "ports 0-1024 to CIDR ::/0",
            id="violating: LB range covering more than 80/443, IPv6",
        ),
        pytest.param(
            vpc_ingress("lb-all", LB, protocol="-1", low=None, high=None, cidrIpv4="10.0.0.0/8"),
            "all ports (protocol -1)",
            id="violating: LB protocol -1",
        ),
        pytest.param(
            vpc_ingress("app-8080", APP, low=8080.0, high=8080.0, cidrIpv4="10.0.0.0/8"),
            "only the load balancer's groups",
            id="violating: app port from a CIDR",
        ),
        pytest.param(
            vpc_ingress("app-prefix-list", APP, prefixListId="pl-123"),
            "to CIDR pl-123",
            id="violating: app group from a prefix list",
        ),
        pytest.param(
            sg_rule("lb-rule-443", LB, cidrBlocks=["0.0.0.0/0"]),
            None,
            id="compliant: SecurityGroupRule LB 443",
        ),
        pytest.param(
            sg_rule("app-rule-all", APP, protocol="all", low=0.0, high=0.0, ipv6CidrBlocks=["::/0"]),
            "all ports (protocol -1)",
            id="violating: SecurityGroupRule protocol all, IPv6",
        ),
        pytest.param(
            sg_rule("app-egress", APP, kind="egress", cidrBlocks=["0.0.0.0/0"]),
            None,
            id="compliant: egress rule",
        ),
        pytest.param(
            group(
                "lb-inline",
                LB,
                {"protocol": "tcp", "fromPort": 443.0, "toPort": 443.0, "cidrBlocks": ["0.0.0.0/0"]},
            ),
            None,
            id="compliant: inline LB rule",
        ),
        pytest.param(
            group(
                "app-inline",
                APP,
                {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["10.0.0.0/8"]},
            ),
            "opens ports 22-22 to CIDR 10.0.0.0/8",
            id="violating: inline SSH from a CIDR",
        ),
        pytest.param(
            group(
                "app-icmp",
                APP,
                {"protocol": "icmp", "fromPort": -1.0, "toPort": -1.0, "cidrBlocks": ["10.0.0.0/8"]},
            ),
            None,
            id="compliant: ICMP opens no port",
        ),
        # checkov tests/terraform/checks/resource/aws/example_SecurityGroupUnrestrictedIngress22/main.tf
        pytest.param(
            group("ck22-fail", APP, inline("tcp", 22.0, 22.0, cidrBlocks=["192.168.0.0/16", "0.0.0.0/0"])),
            "opens ports 22-22 to CIDR 192.168.0.0/16, 0.0.0.0/0",
            id="violating: checkov aws_security_group.fail",
        ),
        pytest.param(
            group("ck22-fail4", APP, inline("-1", 0.0, 65535.0, cidrBlocks=["0.0.0.0/0"], ipv6CidrBlocks=[])),
            "all ports (protocol -1)",
            id="violating: checkov aws_security_group.fail4 (protocol -1)",
        ),
        pytest.param(
            group("ck22-fail-ipv6", APP, inline("tcp", 22.0, 22.0, ipv6CidrBlocks=["::/0"])),
            "to CIDR ::/0",
            id="violating: checkov aws_security_group.fail-ipv6",
        ),
        pytest.param(
            sg_rule("ck22-rule-fail", APP, low=22.0, high=22.0, cidrBlocks=["0.0.0.0/0"]),
            "opens ports 22-22",
            id="violating: checkov aws_security_group_rule.fail",
        ),
        pytest.param(
            vpc_ingress("ck22-vpc-fail", APP, low=22.0, high=22.0, cidrIpv4="0.0.0.0/0"),
            "opens ports 22-22",
            id="violating: checkov aws_vpc_security_group_ingress_rule.fail",
        ),
        pytest.param(
            group("ck22-pass2", APP, inline("tcp", 22.0, 22.0, securityGroups=["sg-foo"], cidrBlocks=None)),
            None,
            id="compliant: checkov aws_security_group.pass2/pass3 (a security group source)",
        ),
        pytest.param(
            group("ck22-pass7", APP), None, id="compliant: checkov aws_security_group.pass7 (no rules)"
        ),
        pytest.param(
            sg_rule("ck22-rule-self", APP, low=22.0, high=22.0, self=True),
            None,
            id="compliant: checkov aws_security_group_rule.pass4 (self)",
        ),
        pytest.param(
            sg_rule("ck22-rule-egress", APP, kind="egress", low=22.0, high=22.0, cidrBlocks=["0.0.0.0/0"]),
            None,
            id="compliant: checkov aws_security_group_rule.unknown (egress)",
        ),
        pytest.param(
            group("ck22-self-cidr", APP, inline("-1", 0.0, 65535.0, cidrBlocks=["0.0.0.0/0"], self=True)),
            "all ports (protocol -1)",
            id="violating: checkov pass_self2; AWS applies self and the CIDR both, so it is open",
        ),
        # EC2 IpPermission (AWS API reference): protocol -1 is every protocol and port; a protocol other
        # than tcp, udp, icmp, icmpv6 allows all ports whatever the range says.
        pytest.param(
            group("lb-proto-6-range", LB, inline("6", 80.0, 443.0, cidrBlocks=["0.0.0.0/0"])),
            "ports 80-443",
            id="violating: LB protocol number 6 over 80-443",
        ),
        pytest.param(
            group("lb-all-caps", LB, inline("ALL", 443.0, 443.0, cidrBlocks=["0.0.0.0/0"])),
            "all ports (protocol -1)",
            id="violating: LB protocol ALL, whatever the port range",
        ),
        pytest.param(
            group("lb-minus-one-number", LB, inline(-1.0, 443.0, 443.0, cidrBlocks=["0.0.0.0/0"])),
            "all ports (protocol -1)",
            id="violating: LB protocol -1 sent as a number",
        ),
        pytest.param(
            group("lb-esp", LB, inline("50", 443.0, 443.0, cidrBlocks=["0.0.0.0/0"])),
            "all ports of protocol 50",
            id="violating: LB protocol 50 (ESP) ignores its port range",
        ),
        pytest.param(
            group("lb-udp-443", LB, inline("17", 443.0, 443.0, cidrBlocks=["0.0.0.0/0"])),
            None,
            id="compliant: LB UDP 443 by protocol number",
        ),
        pytest.param(
            group("lb-prefix-all", LB, inline("tcp", 0.0, 65535.0, prefixListIds=["pl-123"])),
            "ports 0-65535 to CIDR pl-123",
            id="violating: LB every port from a prefix list",
        ),
        pytest.param(
            vpc_ingress("lb-v6-admin", LB, low=22.0, high=3389.0, cidrIpv6="::/0"),
            "ports 22-3389",
            id="violating: VPC ingress rule, a range covering 22 and 3389, IPv6",
        ),
        pytest.param(
            vpc_ingress("lb-icmpv6", LB, protocol="icmpv6", low=-1.0, high=-1.0, cidrIpv6="::/0"),
            None,
            id="compliant: VPC ingress rule ICMPv6",
        ),
        pytest.param(
            sg_rule("lb-string-ports", LB, low="443", high="443", cidrBlocks=["0.0.0.0/0"]),
            None,
            id="compliant: ports given as strings",
        ),
    ],
)
def test_ingress_from_cidrs_only_to_the_load_balancer_on_public_ports(pack, rule, expected):
    assert_verdict(pack, rule, "ingress-allowed-ports", expected)


LISTENER = "aws:lb/listener:Listener"
REDIRECT = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
FORWARD = {"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/x/y"}


def listener(name, **props):
    return resource(LISTENER, name, props)


def tls_listener(name, protocol, policy):
    return listener(name, protocol=protocol, port=443.0, sslPolicy=policy, defaultActions=[FORWARD])


@pytest.mark.parametrize(
    ("res", "expected"),
    [
        pytest.param(
            listener(
                "https",
                protocol="HTTPS",
                port=443.0,
                sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                defaultActions=[FORWARD],
            ),
            None,
            id="compliant: HTTPS with TLS 1.3 policy",
        ),
        pytest.param(
            listener("redirect", protocol="HTTP", port=80.0, defaultActions=[REDIRECT]),
            None,
            id="compliant: redirect",
        ),
        pytest.param(
            listener(
                "old-tls",
                protocol="HTTPS",
                port=443.0,
                sslPolicy="ELBSecurityPolicy-2016-08",
                defaultActions=[FORWARD],
            ),
            "TLS policy 'ELBSecurityPolicy-2016-08'",
            id="violating: outdated TLS policy",
        ),
        pytest.param(
            listener("plain", protocol="HTTP", port=80.0, defaultActions=[FORWARD]),
            "serves plain HTTP (default actions ['forward'])",
            id="violating: plain HTTP forward",
        ),
        pytest.param(
            listener(
                "odd-port",
                protocol="HTTPS",
                port=8443.0,
                sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                defaultActions=[FORWARD],
            ),
            "listens on port 8443",
            id="violating: port outside the allowlist",
        ),
        pytest.param(
            listener("tcp", protocol="TCP", port=443.0, defaultActions=[FORWARD]),
            "speaks 'TCP'",
            id="violating: not HTTP(S)",
        ),
        # checkov tests/terraform/checks/resource/aws/example_AppLoadBalancerTLS12/main.tf
        pytest.param(
            tls_listener("ck103-https-fs-1-2", "HTTPS", "ELBSecurityPolicy-FS-1-2-Res-2019-08"),
            None,
            id="compliant: checkov aws_lb_listener.https_fs_1_2 (TLS 1.2, forward secrecy)",
        ),
        pytest.param(
            tls_listener("ck103-tls-fs-1-2", "TLS", "ELBSecurityPolicy-FS-1-2-Res-2019-08"),
            None,
            id="compliant: checkov tls_fs_1_2 (an NLB TLS listener is judged by its policy)",
        ),
        pytest.param(
            tls_listener("ck103-https-2016", "HTTPS", "ELBSecurityPolicy-2016-08"),
            "TLS policy 'ELBSecurityPolicy-2016-08'",
            id="violating: checkov aws_lb_listener.https_2016",
        ),
        pytest.param(
            tls_listener("ck103-tls-fs-1-1", "TLS", "ELBSecurityPolicy-FS-1-1-2019-08"),
            "TLS policy 'ELBSecurityPolicy-FS-1-1-2019-08'",
            id="violating: checkov aws_lb_listener.tls_fs_1_1",
        ),
        pytest.param(
            tls_listener("no-policy", "HTTPS", None),
            "TLS policy None",
            id="violating: no ssl_policy (the API's default is ELBSecurityPolicy-2016-08, ELB guide)",
        ),
        pytest.param(
            tls_listener("pq", "HTTPS", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"),
            None,
            id="compliant: the ELB guide's recommended post-quantum policy",
        ),
        pytest.param(
            tls_listener("fips", "HTTPS", "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04"),
            None,
            id="compliant: TLS 1.3 FIPS (one of the program's own MODERN_SSL_POLICIES)",
        ),
        pytest.param(
            tls_listener("ext1", "HTTPS", "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06"),
            "TLS policy 'ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06'",
            id="violating: Ext1 adds ciphers without forward secrecy",
        ),
        pytest.param(
            tls_listener("tls-1-2-2017", "HTTPS", "ELBSecurityPolicy-TLS-1-2-2017-01"),
            "TLS policy 'ELBSecurityPolicy-TLS-1-2-2017-01'",
            id="violating: TLS-1-2-2017-01 (checkov passes it; its RSA key exchange has no forward secrecy)",
        ),
        # terraform-provider-aws aws_lb_listener: protocol validated in any case, stored upper-cased
        pytest.param(
            tls_listener("lower-https", "https", "ELBSecurityPolicy-TLS13-1-2-2021-06"),
            None,
            id="compliant: protocol 'https' in lower case",
        ),
        pytest.param(
            listener("lower-http", protocol="http", port=80.0, defaultActions=[REDIRECT]),
            None,
            id="compliant: protocol 'http' redirecting",
        ),
        pytest.param(
            listener(
                "same-protocol",
                protocol="HTTP",
                port=80.0,
                defaultActions=[
                    {"type": "redirect", "redirect": {"protocol": "#{protocol}", "statusCode": "HTTP_301"}}
                ],
            ),
            "serves plain HTTP",
            id="violating: a redirect to #{protocol} stays on HTTP",
        ),
    ],
)
def test_listeners_serve_https_and_http_only_redirects(pack, res, expected):
    assert_verdict(pack, res, "listener-https-only", expected)


def test_plain_http_listener_allowed_where_the_stack_says_so(pack):
    pack.configure({"listener-https-only": {"allowPlainHttp": True}})
    assert (
        pack.violations(
            listener("dev-http", protocol="HTTP", port=80.0, defaultActions=[FORWARD]), "listener-https-only"
        )
        == []
    )


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(task_definition(container()), None, id="compliant: 8080"),
        pytest.param(
            task_definition(container(portMappings=[{"containerPort": 8080.0, "hostPort": 0.0}])),
            None,
            id="compliant: dynamic host port",
        ),
        pytest.param(
            task_definition(container(), container(name="ssh", portMappings=[{"containerPort": 22.0}])),
            "maps containerPort 22",
            id="violating: sidecar on 22",
        ),
        pytest.param(
            task_definition(container(portMappings=[{"containerPort": 8080.0, "hostPort": 80.0}])),
            "maps hostPort 80",
            id="violating: host port 80",
        ),
        pytest.param(
            task_definition(container(portMappings=[{"containerPortRange": "8080-8080"}])),
            None,
            id="compliant: a range of only allowed ports",
        ),
        pytest.param(
            task_definition(container(portMappings=[{"containerPortRange": "20-30"}])),
            "maps containerPortRange '20-30'",
            id="violating: a range covering 22",
        ),
        # checkov example_ECSContainerReadOnlyRoot/main.tf containers: 80 and 443, host port = container port
        pytest.param(
            task_definition(
                container(portMappings=[{"containerPort": 80.0, "hostPort": 80.0}]),
                container(name="second", portMappings=[{"containerPort": 443.0, "hostPort": 443.0}]),
            ),
            "maps containerPort 80",
            id="violating: checkov fixture ports 80/443 (containers listen on 8080/8443 here)",
        ),
        pytest.param(
            task_definition(container(portMappings=[{"containerPort": 8080.0, "hostPort": 22.0}])),
            "maps hostPort 22",
            id="violating: the host port, not only the container port",
        ),
        pytest.param(
            task_definition(container(portMappings=[{"containerPortRange": "8080-8443"}])),
            "maps containerPortRange '8080-8443'",
            id="violating: a range between two allowed ports covers the ports between",
        ),
    ],
)
def test_containers_map_only_allowed_ports(pack, task, expected):
    assert_verdict(pack, task, "container-ports-allowed", expected)


def test_forbidden_ports_win_over_allowed_ports(pack):
    pack.configure({"container-ports-allowed": {"allowedPorts": [22, 8080]}})
    ssh = task_definition(container(portMappings=[{"containerPort": 22.0}]))
    assert_verdict(pack, ssh, "container-ports-allowed", "maps containerPort 22")


@pytest.mark.parametrize(
    ("dockerfile", "args", "expected"),
    [
        pytest.param("FROM scratch\nEXPOSE 8080\n", {}, None, id="compliant: 8080"),
        pytest.param(
            "FROM scratch\nARG PORT=8080\nEXPOSE ${PORT}/tcp\n", {}, None, id="compliant: ARG default"
        ),
        pytest.param("FROM scratch\nEXPOSE 8080 22\n", {}, "exposes '22'", id="violating: 22"),
        pytest.param(
            "FROM scratch\nARG PORT=8080\nEXPOSE $PORT\n",
            {"PORT": "9000"},
            "exposes '9000'",
            id="violating: build arg",
        ),
        pytest.param(
            "FROM scratch\nEXPOSE 8000-8100/tcp\n", {}, "exposes '8000-8100/tcp'", id="violating: range"
        ),
        pytest.param(
            "ARG PORT=8080\nFROM scratch\nARG PORT\nEXPOSE $PORT\n",
            {},
            None,
            id="compliant: global ARG re-declared in the stage",
        ),
        pytest.param("FROM scratch\nENV PORT=8080\nEXPOSE ${PORT}\n", {}, None, id="compliant: ENV"),
        pytest.param(
            "ARG PORT=8080\nFROM scratch\nENV PORT=22\nEXPOSE $PORT\n",
            {},
            "exposes '22'",
            id="violating: the stage's ENV, not an undeclared global ARG",
        ),
        # BuildKit dockerfile2llb dispatchArg: an ARG with a value sets it over an earlier ENV; one without
        # any value leaves the ENV's
        pytest.param(
            "FROM scratch\nENV PORT=22\nARG PORT=8080\nEXPOSE $PORT\n",
            {},
            None,
            id="compliant: ARG after ENV",
        ),
        pytest.param(
            "FROM scratch\nENV PORT=22\nARG PORT\nEXPOSE $PORT\n",
            {},
            "exposes '22'",
            id="violating: a bare ARG keeps the ENV",
        ),
        pytest.param(
            "FROM scratch AS base\nENV PORT=22\nFROM base\nEXPOSE $PORT\n",
            {},
            "exposes '22'",
            id="violating: a stage FROM an earlier stage keeps its ENV (BuildKit dispatchState init)",
        ),
        # checkov tests/dockerfile/checks/example_ExposePort22: failure, failure_tcp, success
        pytest.param("FROM scratch\nEXPOSE 22\n", {}, "exposes '22'", id="violating: checkov ExposePort22"),
        pytest.param("FROM scratch\nEXPOSE 22/tcp\n", {}, "exposes '22/tcp'", id="violating: checkov 22/tcp"),
        pytest.param("FROM scratch\nEXPOSE 8080/tcp 8443/udp\n", {}, None, id="compliant: two allowed"),
        # hadolint test/Hadolint/Rule/DL3011Spec.hs: ports beyond 65535
        pytest.param("FROM scratch\nEXPOSE 80000\n", {}, "exposes '80000'", id="violating: DL3011 80000"),
        pytest.param(
            "FROM scratch\nEXPOSE 40000-80000/tcp\n", {}, "40000-80000/tcp", id="violating: DL3011 range"
        ),
        # BuildKit's dispatchExpose reads each word with its shell lexer (ProcessWords): quotes removed,
        # a substituted value split at blanks.
        pytest.param('FROM scratch\nEXPOSE "8080"\n', {}, None, id="compliant: quoted port"),
        pytest.param("FROM scratch\nEXPOSE '22'\n", {}, "exposes '22'", id="violating: single-quoted 22"),
        pytest.param(
            'FROM scratch\nENV PORTS="8080 22"\nEXPOSE $PORTS\n',
            {},
            "exposes '22'",
            id="violating: a value that splits into two ports",
        ),
        pytest.param(
            "FROM scratch\nARG PORT\nEXPOSE ${PORT:-22}\n", {}, "exposes '22'", id="violating: default 22"
        ),
        pytest.param("FROM scratch\nexpose \\\n 22\n", {}, "exposes '22'", id="violating: continued line"),
        pytest.param("FROM scratch\nONBUILD EXPOSE 22\n", {}, "exposes '22'", id="violating: ONBUILD"),
        pytest.param(
            "FROM scratch\nRUN <<EOF\nEXPOSE 22\nEOF\n", {}, None, id="compliant: heredoc body is no EXPOSE"
        ),
    ],
)
def test_dockerfiles_expose_only_allowed_ports(pack, tmp_path, dockerfile, args, expected):
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile)
    image = resource(
        "docker:index/image:Image",
        "app",
        {"build": {"context": "images/app", "dockerfile": str(path), "args": args}},
    )
    assert_verdict(pack, image, "dockerfile-expose-allowed", expected)


SERVICE = "aws:ecs/service:Service"


@pytest.mark.parametrize(
    ("assign", "expected"),
    [
        pytest.param(False, None, id="compliant: no public IP"),
        pytest.param(True, "assigns public IPs", id="violating: public IP"),
        pytest.param(
            "true", "assigns public IPs", id="violating: red team: the string 'true'"
        ),
        pytest.param("T", "assigns public IPs", id="violating: red team: 'T', as Go's ParseBool reads it"),
        pytest.param("false", None, id="compliant: the string 'false'"),
    ],
)
def test_services_assign_no_public_ips(pack, assign, expected):
    service = resource(
        SERVICE, "web", {"networkConfiguration": {"subnets": ["subnet-1"], "assignPublicIp": assign}}
    )
    assert_verdict(pack, service, "service-no-public-ip", expected)


def connected(*services):
    props = {"networkConfiguration": {"subnets": ["subnet-1"]}, "serviceConnectConfiguration": {
        "enabled": True, "namespace": "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-1",
        "services": list(services)}}  # fmt: skip
    return resource(SERVICE, "web", props)


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        pytest.param(
            connected({"portName": "web", "clientAlias": [{"port": 8080.0}]}),
            None,
            id="compliant: ECS Service Connect guide: the proxy takes the container's port",
        ),
        pytest.param(
            connected({"portName": "web", "ingressPortOverride": 8443.0}),
            None,
            id="compliant: an override to an allowed port",
        ),
        pytest.param(
            connected({"portName": "web", "ingressPortOverride": 22.0}),
            "port 22 of each task",
            id="violating: red team: the Service Connect proxy listening on 22 (ingressPortOverride)",
        ),
    ],
)
def test_service_connect_proxies_listen_only_on_allowed_ports(pack, service, expected):
    assert_verdict(pack, service, "container-ports-allowed", expected)


TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


def target_group(name, **props):
    return resource(TARGET_GROUP, name, {"protocol": "HTTP", "vpcId": "vpc-1", **props}, parent_type=LB)


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        pytest.param(
            target_group("app", port=8080.0, targetType="ip"),
            None,
            id="compliant: the program's target group (ip targets on the app port)",
        ),
        pytest.param(
            target_group("fn", targetType="lambda"), None, id="compliant: lambda targets have no port"
        ),
        pytest.param(
            target_group("chain", port=443.0, targetType="alb", protocol="TCP"),
            None,
            id="compliant: alb targets: the other load balancer's listener, which listener-https-only judges",
        ),
        pytest.param(
            target_group("dockerd", port=2375.0),
            "port 2375",
            id="violating: red team: HTTPS:443 to the hosts' Docker API (type instance, the default)",
        ),
        pytest.param(
            target_group("ssh", port="22", protocol="TCP", targetType="instance"),
            "port '22'",
            id="violating: red team: an NLB TLS listener forwarding to sshd on the hosts",
        ),
        pytest.param(
            target_group("redis", port=6379.0, targetType="ip"),
            "port 6379",
            id="violating: red team: ip targets on a port no container maps",
        ),
    ],
)
def test_target_groups_forward_only_to_allowed_ports(pack, group, expected):
    assert_verdict(pack, group, "target-group-ports-allowed", expected)
