"""The environment's one Application Load Balancer, shared by all its services.

Clients reach it on 443 (and 80, which only redirects to 443) from the allowed CIDRs; a stack may serve plain
HTTP on 80 instead (dev). Each service gets a target group checked on /health and a listener rule by host
header and/or path; the first service is the listener's default. Target groups live here, beside the
listener that routes to them, so every service's group is attached before its ECS service is created.
For the audit trail the ALB drops invalid header fields, writes access logs to the audit bucket (under
`alb/`), is protected from deletion, and is associated with the WAF web ACL the stack names, if any.
A blue/green service also gets its green target group, weighted production and test rules, and the stack a
test listener on `testListenerPort` (components/blue_green.py says how ECS uses them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import iam_documents
from components.alarms import AlbAlarm, alb_alarms
from components.blue_green import BlueGreenRouting, weighted_forward
from components.settings import HEALTH_PATH, LoadBalancerSettings, RouteSettings

HTTP_PORT = 80
HTTPS_PORT = 443


@dataclass(frozen=True)
class ServiceRoute:
    """What the load balancer needs to know about one service."""

    name: str
    container_port: int
    route: RouteSettings | None
    blue_green: bool = False


@dataclass(frozen=True)
class LoadBalancerArgs:
    settings: LoadBalancerSettings
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    services: Sequence[ServiceRoute]
    tags: Mapping[str, str] = field(default_factory=dict)
    alarm_topic_arns: Sequence[str] = ()
    access_logs_bucket: pulumi.Input[str] | None = None  # the audit bucket, when settings.access_logs
    access_logs_depend_on: Sequence[pulumi.Resource] = ()  # its policy: ELB tests write access on enable
    health_check_path: str = HEALTH_PATH
    drop_invalid_header_fields: bool = True
    deregistration_delay: int = 30
    elb_5xx_threshold: int = 10


def client_ports(settings: LoadBalancerSettings) -> tuple[int, ...]:
    """The ports clients may open: 443 and the redirecting 80 with HTTPS, 80 alone with HTTP."""
    return (HTTP_PORT, HTTPS_PORT) if settings.protocol == "HTTPS" else (HTTP_PORT,)


def route_conditions(route: RouteSettings) -> list[aws.lb.ListenerRuleConditionArgs]:
    conditions = []
    if route.host is not None:
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[route.host])
            )
        )
    if route.path is not None:
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=[route.path])
            )
        )
    return conditions


class LoadBalancer(pulumi.ComponentResource):
    """`security_group_id`, `url`, `arn_suffix`, and per service name its `target_groups` and `routing`
    (the listener or listener rule that must exist before the service registers targets), and for each
    blue/green service its `blue_green` routing (green target group, production and test rules)."""

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:index:LoadBalancer", name, None, opts)
        settings, tags = args.settings, dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"{name} load balancer: clients on {'/'.join(map(str, client_ports(settings)))}",
            vpc_id=args.vpc_id,
            tags=tags,
            opts=child,
        )
        self.security_group_id = self.security_group.id
        for port in client_ports(settings):
            self._open_to(name, port, settings.allowed_cidrs, f"clients on {port}", tags)
        self.load_balancer = aws.lb.LoadBalancer(
            name,
            load_balancer_type="application",
            internal=settings.internal,
            security_groups=[self.security_group.id],
            subnets=list(args.public_subnet_ids),
            drop_invalid_header_fields=args.drop_invalid_header_fields,
            enable_deletion_protection=settings.deletion_protection,
            access_logs=self._access_logs(args),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.access_logs_depend_on)),
        )
        if settings.web_acl_arn is not None:
            aws.wafv2.WebAclAssociation(
                f"{name}-waf",
                resource_arn=self.load_balancer.arn,
                web_acl_arn=settings.web_acl_arn,
                opts=child,
            )
        self.arn_suffix = self.load_balancer.arn_suffix
        scheme = "https" if settings.protocol == "HTTPS" else "http"
        self.url = pulumi.Output.concat(scheme, "://", self.load_balancer.dns_name)
        self.target_groups = {
            service.name: self._target_group(f"{service.name}-tg", service, args) for service in args.services
        }
        listener = self._listeners(name, args)
        self.routing: dict[str, pulumi.Resource] = {}
        self.blue_green: dict[str, BlueGreenRouting] = {}
        test_listener = self._test_listener(name, args)
        for priority, service in enumerate(args.services, start=1):
            if service.route is None:
                self.routing[service.name] = listener
                continue
            if service.blue_green and test_listener is not None:
                self.blue_green[service.name] = self._blue_green(
                    service, args, priority, listener, test_listener
                )
                self.routing[service.name] = self.blue_green[service.name].production_rule
                continue
            self.routing[service.name] = aws.lb.ListenerRule(
                f"{service.name}-route",
                listener_arn=listener.arn,
                priority=priority,
                conditions=route_conditions(service.route),
                actions=[
                    aws.lb.ListenerRuleActionArgs(
                        type="forward", target_group_arn=self.target_groups[service.name].arn
                    )
                ],
                tags={**tags, "application": service.name},
                opts=child,
            )
        alb_alarms(
            name,
            f"{name} load balancer",
            [
                AlbAlarm(
                    "elb-5xx",
                    "HTTPCode_ELB_5XX_Count",
                    "Sum",
                    args.elb_5xx_threshold,
                    "5xx responses of its own",
                )
            ],
            {"LoadBalancer": self.arn_suffix},
            args.alarm_topic_arns,
            tags,
            self,
        )
        self.register_outputs({"url": self.url, "securityGroupId": self.security_group_id})

    def _open_to(
        self, name: str, port: int, cidrs: Sequence[str], description: str, tags: Mapping[str, str]
    ) -> None:
        """One ingress rule per CIDR block (IPv4 or IPv6) on `port` of the load balancer's group."""
        for index, cidr in enumerate(cidrs):
            ipv6 = ipaddress.ip_network(cidr).version == 6
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-in-{port}-{index}",
                security_group_id=self.security_group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_ipv4=None if ipv6 else cidr,
                cidr_ipv6=cidr if ipv6 else None,
                description=description,
                tags=dict(tags),
                opts=pulumi.ResourceOptions(parent=self),
            )

    def _target_group(self, name: str, service: ServiceRoute, args: LoadBalancerArgs) -> aws.lb.TargetGroup:
        return aws.lb.TargetGroup(
            name,
            port=service.container_port,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=args.deregistration_delay,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=args.health_check_path,
                protocol="HTTP",
                port="traffic-port",
                matcher="200",
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            tags={**dict(args.tags), "application": service.name},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _test_listener(self, name: str, args: LoadBalancerArgs) -> aws.lb.Listener | None:
        """The listener blue/green deployments test new tasks through, reachable only from testAllowedCidrs;
        requests no service's test rule matches get a 404."""
        settings, tags = args.settings, dict(args.tags)
        port = settings.test_listener_port
        if port is None or not any(service.blue_green for service in args.services):
            return None
        child = pulumi.ResourceOptions(parent=self)
        self._open_to(name, port, settings.test_allowed_cidrs, f"blue/green testers on {port}", tags)
        https = settings.protocol == "HTTPS"
        return aws.lb.Listener(
            f"{name}-test",
            load_balancer_arn=self.load_balancer.arn,
            port=port,
            protocol=settings.protocol,
            ssl_policy=settings.ssl_policy if https else None,
            certificate_arn=settings.certificate_arn if https else None,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="fixed-response",
                    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                        content_type="text/plain", status_code="404"
                    ),
                )
            ],
            tags=tags,
            opts=child,
        )

    def _blue_green(
        self,
        service: ServiceRoute,
        args: LoadBalancerArgs,
        priority: int,
        listener: aws.lb.Listener,
        test_listener: aws.lb.Listener,
    ) -> BlueGreenRouting:
        """The green target group and the production and test rules, both weighted blue 100 / green 0."""
        assert service.route is not None  # settings refuse blueGreen without a route
        tags = {**dict(args.tags), "application": service.name}
        blue = self.target_groups[service.name]
        green = self._target_group(f"{service.name}-tg-green", service, args)
        rules = [
            aws.lb.ListenerRule(
                f"{service.name}-{kind}",
                listener_arn=on.arn,
                priority=priority,
                conditions=route_conditions(service.route),
                actions=weighted_forward(blue, green),
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["actions"]),
            )
            for kind, on in (("route", listener), ("test-route", test_listener))
        ]
        return BlueGreenRouting(green, *rules)

    @staticmethod
    def _access_logs(args: LoadBalancerArgs) -> aws.lb.LoadBalancerAccessLogsArgs | None:
        if not args.settings.access_logs:
            return None
        if args.access_logs_bucket is None:
            raise ValueError("loadBalancer.accessLogs needs the audit bucket")
        return aws.lb.LoadBalancerAccessLogsArgs(
            bucket=args.access_logs_bucket, enabled=True, prefix=iam_documents.ACCESS_LOGS_PREFIX
        )

    def _listeners(self, name: str, args: LoadBalancerArgs) -> aws.lb.Listener:
        """The serving listener (forwarding to the first service) and, with HTTPS, the HTTP redirect."""
        settings, tags = args.settings, dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        default = aws.lb.ListenerDefaultActionArgs(
            type="forward", target_group_arn=self.target_groups[args.services[0].name].arn
        )
        if settings.protocol == "HTTP":
            return aws.lb.Listener(
                f"{name}-http",
                load_balancer_arn=self.load_balancer.arn,
                port=HTTP_PORT,
                protocol="HTTP",
                default_actions=[default],
                tags=tags,
                opts=child,
            )
        aws.lb.Listener(
            f"{name}-http-redirect",
            load_balancer_arn=self.load_balancer.arn,
            port=HTTP_PORT,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port=str(HTTPS_PORT), status_code="HTTP_301"
                    ),
                )
            ],
            tags=tags,
            opts=child,
        )
        return aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=self.load_balancer.arn,
            port=HTTPS_PORT,
            protocol="HTTPS",
            ssl_policy=settings.ssl_policy,
            certificate_arn=settings.certificate_arn,
            default_actions=[default],
            tags=tags,
            opts=child,
        )
