"""Question 2, exposed ports: what is reachable from where.

Ports open to CIDR ranges (IPv4, IPv6, prefix lists) must be in the public allowlist and only on the load
balancer's security group; everything else may be opened only from other security groups. A range is
judged by every port it covers; protocol -1/all, and any protocol but TCP, UDP and ICMP, by every port.
Listeners speak HTTPS with a modern TLS policy and HTTP only to redirect; containers and Dockerfiles
expose only allowed ports; services get no public IPs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from review_board.containers import TASK_DEFINITION, containers
from review_board.dockerfiles import BUILD_READERS, PROJECT_ROOT
from review_board.framework import (
    Finding,
    Resource,
    Unchecked,
    Violation,
    for_each,
    parent_types,
    resource_policy,
)
from review_board.images import dockerfile_of
from review_board.network_exposure import CLASSIC_ELB, GO_TRUE, classic_listeners, public_port_problem
from review_board.wire import as_int, as_list, is_unknown, shown

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
# Component types whose groups and rules belong to the load balancer (load-balancer-groups-proven checks
# that they really are the stack's load balancers' groups).
LOAD_BALANCER_COMPONENTS = {
    "type": "array",
    "items": {"type": "string"},
    "default": ["container-platform:index:LoadBalancer"],
    "description": "Component types whose security groups and rules belong to the load balancer.",
}
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
SERVICE = "aws:ecs/service:Service"
# Listener protocols that terminate TLS at the load balancer with a security policy (ALB HTTPS, NLB TLS).
TLS_PROTOCOLS = ("HTTPS", "TLS")
# Elastic Load Balancing's predefined policies that offer TLS 1.2 and later with forward secrecy only (the
# ELB guide: TLS 1.3-only policies, and TLS 1.3 + 1.2 policies whose ciphers are all TLS_* or ECDHE_*),
# their FIPS and post-quantum (PQ) variants included. Ext0/Ext1/Ext2 and ELBSecurityPolicy-TLS-1-2-*
# add non-forward-secret RSA key exchange, 2016-08 and older allow TLS 1.0.
FORWARD_SECRET_TLS12_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-2019-08",
]
TASK_SET = "aws:ecs/taskSet:TaskSet"
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
# Target types whose `port` is a port the load balancer opens on its targets; `lambda` has none, and `alb`
# is another load balancer's listener port, which listener-https-only judges.
PORTED_TARGET_TYPES = ("instance", "ip")
ALL_PROTOCOLS = ("-1", "all")
PORTLESS_PROTOCOLS = ("icmp", "icmpv6", "ipv6-icmp", "1", "58")
# EC2 honours a port range only for TCP and UDP; any other protocol (ESP, GRE, 132, ...) it allows on every
# port whatever the range says ("traffic on all ports is allowed, regardless of any port range").
PORTED_PROTOCOLS = ("tcp", "udp", "6", "17")
MAX_PORT = 65535

PORT_LIST: dict[str, Any] = {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": MAX_PORT}}


@dataclass(frozen=True)
class Ingress:
    """One ingress permission, normalised across the three resource shapes that can carry it."""

    protocol: Any
    from_port: Any
    to_port: Any
    cidrs: tuple[Any, ...]

    @property
    def protocol_name(self) -> str:
        """The protocol as EC2 reads it: names in any case, numbers however the engine sent them (-1.0)."""
        number = as_int(self.protocol)
        return str(number) if number is not None else str(self.protocol).strip().lower()

    def ports(self) -> tuple[int, int] | None:
        """The covered port range; None for ICMP, which opens no port."""
        protocol = self.protocol_name
        if protocol in PORTLESS_PROTOCOLS:
            return None
        if protocol not in PORTED_PROTOCOLS:
            return 0, MAX_PORT
        low, high = as_int(self.from_port), as_int(self.to_port)
        return (low or 0, MAX_PORT if high is None else high)


def _sg_ingress(props: Mapping[str, Any]) -> Iterator[Ingress | Unchecked]:
    rules = props.get("ingress")
    if is_unknown(rules):
        yield Unchecked("ingress")
        return
    for rule in as_list(rules):
        if is_unknown(rule):
            yield Unchecked("an ingress rule")
            continue
        cidrs = (*as_list(rule.get("cidrBlocks")), *as_list(rule.get("ipv6CidrBlocks")))
        cidrs += tuple(as_list(rule.get("prefixListIds")))
        yield Ingress(rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"), cidrs)


def _rule_ingress(props: Mapping[str, Any]) -> Iterator[Ingress | Unchecked]:
    kind = props.get("type")
    if is_unknown(kind):
        yield Unchecked("type")
    elif kind == "ingress":
        cidrs = (*as_list(props.get("cidrBlocks")), *as_list(props.get("ipv6CidrBlocks")))
        cidrs += tuple(as_list(props.get("prefixListIds")))
        yield Ingress(props.get("protocol"), props.get("fromPort"), props.get("toPort"), cidrs)


def _vpc_ingress(props: Mapping[str, Any]) -> Iterator[Ingress | Unchecked]:
    cidrs = tuple(
        props[key] for key in ("cidrIpv4", "cidrIpv6", "prefixListId") if props.get(key) is not None
    )
    yield Ingress(props.get("ipProtocol"), props.get("fromPort"), props.get("toPort"), cidrs)


INGRESS_READERS = {
    SECURITY_GROUP: _sg_ingress,
    SECURITY_GROUP_RULE: _rule_ingress,
    INGRESS_RULE: _vpc_ingress,
}


def _disallowed(low: int, high: int, allowed: Iterable[int]) -> list[int] | str:
    """Ports in [low, high] outside `allowed`: a short list, or a description when the range is wide."""
    inside = {port for port in allowed if low <= port <= high}
    if len(inside) == high - low + 1:
        return []
    if high - low < 16:
        return [port for port in range(low, high + 1) if port not in inside]
    return f"{low}-{high}"


def _outside_allowed(text: str, allowed: Iterable[int]) -> bool:
    """Whether a port or `low-high` range written as text (EXPOSE, containerPortRange) leaves `allowed`."""
    low, _, high = text.split("/", 1)[0].partition("-")
    first, last = as_int(low), as_int(high or low)
    return first is None or last is None or bool(_disallowed(first, last, allowed))


def _ingress_open(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    public_ports = [int(port) for port in config["publicPorts"]]
    is_load_balancer = bool(set(parent_types(resource.urn)) & set(config["loadBalancerComponents"]))
    for ingress in INGRESS_READERS[resource.type](resource.props):
        if isinstance(ingress, Unchecked):
            yield ingress
            continue
        known = [ingress.protocol, ingress.from_port, ingress.to_port, *ingress.cidrs]
        if any(is_unknown(value) for value in known):
            yield Unchecked("protocol, ports or CIDR sources of an ingress rule")
            continue
        ports = ingress.ports()
        if not ingress.cidrs or ports is None:
            continue
        sources = ", ".join(map(str, ingress.cidrs))
        protocol = ingress.protocol_name
        described = (
            f"ports {ports[0]}-{ports[1]}"
            if protocol in PORTED_PROTOCOLS
            else "all ports (protocol -1)"
            if protocol in ALL_PROTOCOLS
            else f"all ports of protocol {protocol}"
        )
        if not is_load_balancer:
            yield Violation(
                f"{resource.label} opens {described} to CIDR {sources}; only the load balancer's groups "
                f"(in {config['loadBalancerComponents']}) may take traffic from CIDRs. "
                "Fix: allow the port only from the load balancer's security group (source_security_group_id)."
            )
            continue
        outside = _disallowed(ports[0], ports[1], public_ports)
        if outside:
            yield Violation(
                f"{resource.label} opens {described} to CIDR {sources}, including {outside}, outside the "
                f"allowed public ports {public_ports}. Fix: open only {public_ports}, one rule per port."
            )


def _listener(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type == CLASSIC_ELB:
        yield from classic_listeners(resource, config)
        return
    protocol, port = resource.props.get("protocol"), resource.props.get("port")
    if is_unknown(protocol) or is_unknown(port):
        yield Unchecked("protocol and port")
        return
    yield from public_port_problem(resource, port, [int(p) for p in config["publicPorts"]])
    protocol = str(protocol).upper()  # the provider takes the protocol in any case and stores it upper-cased
    if protocol in TLS_PROTOCOLS:
        policy = resource.props.get("sslPolicy")
        if is_unknown(policy):
            yield Unchecked("sslPolicy")
        elif policy not in config["allowedSslPolicies"]:
            yield Violation(
                f"{resource.label} uses TLS policy {policy!r}. Fix: set ssl_policy to one of "
                f"{config['allowedSslPolicies']} (TLS 1.2+ with forward secrecy)."
            )
    elif protocol == "HTTP":
        yield from _http_listener(resource, config)
    else:
        yield Violation(
            f"{resource.label} speaks {protocol!r}. Fix: serve HTTPS, with HTTP only redirecting to it."
        )


def _http_listener(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if config["allowPlainHttp"]:
        return
    actions = resource.props.get("defaultActions")
    if is_unknown(actions) or any(
        is_unknown(action)
        or is_unknown(action.get("type"))
        or is_unknown(action.get("redirect"))
        or is_unknown((action.get("redirect") or {}).get("protocol"))
        for action in as_list(actions)
    ):
        yield Unchecked("defaultActions")
        return
    redirects = [
        action
        for action in as_list(actions)
        if action.get("type") == "redirect" and (action.get("redirect") or {}).get("protocol") == "HTTPS"
    ]
    if not redirects or len(redirects) != len(as_list(actions)):
        kinds = [action.get("type") for action in as_list(actions)]
        yield Violation(
            f"{resource.label} serves plain HTTP (default actions {kinds}). Fix: make its only default "
            "action a redirect to HTTPS (redirect={'protocol': 'HTTPS', 'port': '443', "
            "'status_code': 'HTTP_301'})."
        )


def _allowed_ports(config: Mapping[str, Any]) -> set[int]:
    """Container ports and EXPOSE share one rule: the allowlist, less the ports no config may allow."""
    return {int(port) for port in config["allowedPorts"]} - {int(port) for port in config["forbiddenPorts"]}


@for_each(containers)
def _container_ports(
    resource: Resource, container: dict[str, Any], config: Mapping[str, Any]
) -> Iterator[Finding]:
    allowed = _allowed_ports(config)
    for mapping in as_list(container.get("portMappings")):
        for key in ("containerPort", "hostPort"):
            value = mapping.get(key)
            if is_unknown(value):
                yield Unchecked(f"{key} of container {container.get('name', '?')!r}")
            elif (
                value is not None and as_int(value) not in allowed and not (key == "hostPort" and value == 0)
            ):
                yield Violation(
                    f"{resource.label} container {container.get('name', '?')!r} maps {key} "
                    f"{shown(value)!r}, not in the allowed ports {sorted(allowed)}. "
                    "Fix: listen on an allowed port."
                )
        port_range = mapping.get("containerPortRange")
        if is_unknown(port_range):
            yield Unchecked(f"containerPortRange of container {container.get('name', '?')!r}")
        elif port_range is not None and _outside_allowed(str(port_range), allowed):
            yield Violation(
                f"{resource.label} container {container.get('name', '?')!r} maps containerPortRange "
                f"{port_range!r}, beyond the allowed ports {sorted(allowed)}. "
                "Fix: map only the allowed ports, one containerPort each."
            )


def _service_connect_ports(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    """ECS Service Connect's proxy listens on each service's `ingressPortOverride` on the task's own
    interface, in front of the container: a port as reachable as a mapped container port."""
    connect = resource.props.get("serviceConnectConfiguration")
    services = connect if is_unknown(connect) else (connect or {}).get("services")
    if is_unknown(services):
        yield Unchecked("serviceConnectConfiguration.services")
        return
    allowed = _allowed_ports(config)
    for index, service in enumerate(as_list(services)):
        port = service if is_unknown(service) else (service or {}).get("ingressPortOverride")
        if is_unknown(port):
            yield Unchecked(f"serviceConnectConfiguration.services[{index}].ingressPortOverride")
        elif port is not None and as_int(port) not in allowed:
            yield Violation(
                f"{resource.label} serviceConnectConfiguration.services[{index}] has the Service Connect "
                f"proxy listen on port {shown(port)!r} of each task, not in the allowed ports "
                f"{sorted(allowed)}. Fix: remove ingress_port_override (the proxy then takes the "
                "container's port)."
            )


def _ports_reached(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type == SERVICE:
        yield from _service_connect_ports(resource, config)
    else:
        yield from _container_ports(resource, config)


def _target_group_port(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    """The load balancer carries its listeners' traffic to this port of every target: an instance target (an
    Auto Scaling group's `targetGroupArns`) takes it on the host, where no container port rule looks."""
    kind, port = resource.props.get("targetType"), resource.props.get("port")
    if is_unknown(kind) or is_unknown(port):
        yield Unchecked("targetType and port")
        return
    if str(kind or "instance").strip().lower() not in PORTED_TARGET_TYPES or port is None:
        return
    allowed = _allowed_ports(config)
    if as_int(port) not in allowed:
        yield Violation(
            f"{resource.label} forwards the load balancer's traffic to port {shown(port)!r} of its "
            f"{kind or 'instance'} targets, not in the allowed ports {sorted(allowed)}: whatever listens "
            "there on the host or task is reachable through the listeners. "
            "Fix: forward to the app's allowed container port."
        )


def _expose(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = _allowed_ports(config)
    for parsed in dockerfile_of(resource, config, report=False):
        if isinstance(parsed, Unchecked | Violation):
            yield parsed
            continue
        for line in parsed.exposes:
            if line.value is None:
                yield Unchecked(
                    f"EXPOSE on line {line.line}: build arg {line.unresolved_arg} is not known yet"
                )
            elif _outside_allowed(line.value, allowed):
                yield Violation(
                    f"{resource.label} {parsed.path} line {line.line} ({line.original!r}) exposes "
                    f"{line.value!r}, not in the allowed container ports {sorted(allowed)}. "
                    "Fix: EXPOSE only the port the app serves on."
                )


def _no_public_ip(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    network = resource.props.get("networkConfiguration")
    if is_unknown(network):
        yield Unchecked("networkConfiguration")
        return
    assign = (network or {}).get("assignPublicIp")
    if is_unknown(assign):
        yield Unchecked("networkConfiguration.assignPublicIp")
    elif assign is True or (isinstance(assign, str) and assign.strip() in GO_TRUE):
        yield Violation(
            f"{resource.label} assigns public IPs to its tasks. Fix: set "
            "network_configuration.assign_public_ip False and reach the tasks through the load balancer."
        )


PUBLIC_PORTS = {**PORT_LIST, "default": [80, 443], "description": "Ports that may be open to CIDR ranges."}
CONTAINER_PORTS = {
    "allowedPorts": {**PORT_LIST, "default": [8080, 8443], "description": "Ports containers may listen on."},
    "forbiddenPorts": {
        **PORT_LIST,
        "default": [22],
        "description": "Never allowed, whatever allowedPorts says.",
    },
}

POLICIES = [
    resource_policy(
        name="ingress-allowed-ports",
        question="2",
        description="Only the load balancer is open to CIDRs, on allowed ports; the rest to security groups",
        types=INGRESS_READERS,
        check=_ingress_open,
        config={
            "publicPorts": PUBLIC_PORTS,
            "loadBalancerComponents": LOAD_BALANCER_COMPONENTS,
        },
    ),
    resource_policy(
        name="listener-https-only",
        question="2",
        description="Load balancer listeners serve HTTPS with a modern TLS policy; HTTP only redirects",
        types=[*LISTENERS, CLASSIC_ELB],
        check=_listener,
        config={
            "publicPorts": PUBLIC_PORTS,
            "allowPlainHttp": {"type": "boolean", "default": False, "description": "Allow plain HTTP (dev)."},
            "allowedSslPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "default": FORWARD_SECRET_TLS12_POLICIES,
            },
        },
    ),
    resource_policy(
        name="container-ports-allowed",
        question="2",
        description="Containers map only allowed ports, never 22",
        types=[TASK_DEFINITION, SERVICE],
        check=_ports_reached,
        config=CONTAINER_PORTS,
    ),
    resource_policy(
        name="target-group-ports-allowed",
        question="2",
        description="Load balancers forward only to allowed ports of their targets, never 22",
        types=TARGET_GROUPS,
        check=_target_group_port,
        config=CONTAINER_PORTS,
    ),
    resource_policy(
        name="dockerfile-expose-allowed",
        question="2",
        description="Dockerfiles EXPOSE only allowed ports",
        types=BUILD_READERS,
        check=_expose,
        config={
            **CONTAINER_PORTS,
            **PROJECT_ROOT,
        },
    ),
    resource_policy(
        name="service-no-public-ip",
        question="2",
        description="ECS services and task sets assign no public IPs",
        types=[SERVICE, TASK_SET],
        check=_no_public_ip,
    ),
]
