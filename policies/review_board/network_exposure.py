"""Question 2 beyond security groups: what else opens a path from the internet.

- The default security group restricts all traffic (CIS AWS Foundations 5.4): nothing should use it, so it
  carries no rule at all.
- No network ACL allows the remote administration ports from anywhere (CIS AWS Foundations 5.1; checkov's
  NACL port checks), judged inline in rule-number order and for separate NetworkAclRule resources.
- Classic load balancer listeners follow the listener rule: public ports only, HTTPS or SSL (plain HTTP only
  where the config allows it, since a classic ELB cannot redirect).
- Instances, launch templates and launch configurations associate no public IP address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from review_board.framework import Finding, Resource, Unchecked, Violation, resource_policy
from review_board.wire import as_int, as_list, is_unknown, shown

DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
CLASSIC_ELB = "aws:elb/loadBalancer:LoadBalancer"
INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration"
SUBNET = "aws:ec2/subnet:Subnet"
ELASTIC_IP = "aws:ec2/eip:Eip"
# An Elastic IP's inputs that associate it with an instance or interface (a NAT gateway's takes neither: the
# gateway names the allocation).
EIP_TARGETS = ("instance", "networkInterface")
MAX_PORT = 65535
# Go's strconv.ParseBool, which the provider applies to launch templates' string-typed tri-state booleans.
GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")


def _closed_default_group(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for key in ("ingress", "egress"):
        rules = resource.props.get(key)
        if is_unknown(rules):
            yield Unchecked(key)
        elif as_list(rules):
            yield Violation(
                f"{resource.label} has {len(as_list(rules))} {key} rule(s); the default security group must "
                f"restrict all traffic so that nothing relies on it. Fix: set {key}=[] and give each "
                "resource its own security group."
            )


def _anywhere(cidr: Any) -> int | None:
    """The IP version (4 or 6) of a CIDR that is the whole internet (0.0.0.0/0, ::/0), else None."""
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return None
    return network.version if network.prefixlen == 0 else None


def _port_range(protocol: Any, from_port: Any, to_port: Any) -> tuple[int, int] | None:
    """Ports a NACL entry covers: all for protocol -1, its range for TCP/UDP, none for the rest."""
    number = as_int(protocol)  # the engine may send a number (-1.0) where the schema says string
    name = str(number) if number is not None else str(protocol).strip().lower()
    if name in ("-1", "all"):
        return 0, MAX_PORT
    if name in ("6", "tcp", "17", "udp"):
        low, high = as_int(from_port), as_int(to_port)
        return (low or 0, MAX_PORT if high is None else high)
    return None


def _entry(
    protocol: Any, from_port: Any, to_port: Any, cidrs: tuple[Any, ...]
) -> tuple[int, list[int]] | None:
    """Admin-relevant facts of one entry: (IP version, the ports it covers) from anywhere, else None."""
    ports = _port_range(protocol, from_port, to_port)
    versions = [version for cidr in cidrs if cidr and (version := _anywhere(cidr))]
    if ports is None or not versions:
        return None
    return versions[0], list(ports)


def _nacl_inline(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    entries = resource.props.get("ingress")
    if is_unknown(entries):
        yield Unchecked("ingress")
        return
    admin = [int(port) for port in config["adminPorts"]]
    rules = []
    for entry in as_list(entries):
        values = [entry.get(key) for key in ("protocol", "fromPort", "toPort", "cidrBlock", "ipv6CidrBlock")]
        values += [entry.get("action"), entry.get("ruleNo")]
        if is_unknown(entry) or any(is_unknown(value) for value in values):
            yield Unchecked("an ingress entry")
            continue
        covered = _entry(
            entry.get("protocol"),
            entry.get("fromPort"),
            entry.get("toPort"),
            (entry.get("cidrBlock"), entry.get("ipv6CidrBlock")),
        )
        if covered is not None:
            version, ports = covered
            rules.append((as_int(entry.get("ruleNo")) or 0, str(entry.get("action")).lower(), version, ports))
    for port in admin:
        # NACLs apply the lowest-numbered matching entry: a deny from anywhere before the allow closes it,
        # for its own address family only (a deny of ::/0 leaves an allow of 0.0.0.0/0 open to IPv4).
        for version in (4, 6):
            matching = (r for r in sorted(rules) if r[2] == version and r[3][0] <= port <= r[3][1])
            first = next(matching, None)
            if first and first[1] == "allow":
                yield _admin_violation(resource, port, f"ingress entry {first[0]}")
                break


def _nacl_rule(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    props = resource.props
    keys = ("egress", "ruleAction", "protocol", "fromPort", "toPort", "cidrBlock", "ipv6CidrBlock")
    if any(is_unknown(props.get(key)) for key in keys):
        yield Unchecked("egress, ruleAction, protocol, ports or CIDR")
        return
    if props.get("egress") is True or str(props.get("ruleAction")).lower() != "allow":
        return
    covered = _entry(
        props.get("protocol"),
        props.get("fromPort"),
        props.get("toPort"),
        (props.get("cidrBlock"), props.get("ipv6CidrBlock")),
    )
    for port in [int(p) for p in config["adminPorts"]]:
        if covered is not None and covered[1][0] <= port <= covered[1][1]:
            yield _admin_violation(resource, port, f"rule {shown(props.get('ruleNumber'))}")


def _admin_violation(resource: Resource, port: int, where: str) -> Violation:
    return Violation(
        f"{resource.label} {where} allows port {port} (remote administration) from anywhere. Fix: deny it "
        "or allow it only from the management network's CIDR; administer hosts through SSM, not open ports."
    )


def public_port_problem(resource: Resource, port: Any, public_ports: list[int]) -> Iterator[Violation]:
    """A listener (ALB or classic) listens only on the public ports."""
    if as_int(port) not in public_ports:
        yield Violation(
            f"{resource.label} listens on port {shown(port)!r}, outside {public_ports}. Fix: use 443 (HTTPS)."
        )


def classic_listeners(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    listeners = resource.props.get("listeners")
    if is_unknown(listeners):
        yield Unchecked("listeners")
        return
    public_ports = [int(port) for port in config["publicPorts"]]
    for listener in as_list(listeners):
        port, protocol = listener.get("lbPort"), listener.get("lbProtocol")
        if is_unknown(port) or is_unknown(protocol):
            yield Unchecked("lbPort and lbProtocol of a listener")
            continue
        yield from public_port_problem(resource, port, public_ports)
        kind = str(protocol).upper()
        if kind in ("HTTPS", "SSL") or (kind == "HTTP" and config["allowPlainHttp"]):
            continue
        yield Violation(
            f"{resource.label} listener on port {shown(port)!r} speaks {protocol!r}; a classic load balancer "
            "cannot redirect HTTP to HTTPS. Fix: serve HTTPS (an Application Load Balancer, aws.lb)."
        )


def _public_ip_settings(resource: Resource) -> Iterator[tuple[str, Any]]:
    if resource.type == SUBNET:  # every instance launched into it gets a public IP, whatever it says itself
        yield "mapPublicIpOnLaunch", resource.props.get("mapPublicIpOnLaunch")
    elif resource.type == LAUNCH_TEMPLATE:
        interfaces = resource.props.get("networkInterfaces")
        if is_unknown(interfaces):
            yield "networkInterfaces", interfaces
            return
        for index, interface in enumerate(as_list(interfaces)):
            value = interface.get("associatePublicIpAddress") if not is_unknown(interface) else interface
            yield f"networkInterfaces[{index}].associatePublicIpAddress", value
    else:
        yield "associatePublicIpAddress", resource.props.get("associatePublicIpAddress")


def _no_public_ip(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type == ELASTIC_IP:
        yield from _eip_unassociated(resource)
        return
    for key, value in _public_ip_settings(resource):
        if is_unknown(value):
            yield Unchecked(key)
        elif value is True or (isinstance(value, str) and value.strip() in GO_TRUE):
            yield Violation(
                f"{resource.label} sets {key}={value!r}, so "
                f"{'every instance launched into it' if resource.type == SUBNET else 'the instance'} is "
                "reachable from the internet past the load balancer. Fix: remove it (private subnets, "
                "traffic through the load balancer; the load balancer and NAT gateways need no such setting)."
            )


def _eip_unassociated(resource: Resource) -> Iterator[Finding]:
    for key in EIP_TARGETS:
        value = resource.props.get(key)
        if is_unknown(value):
            yield Unchecked(key)
        elif value:
            yield Violation(
                f"{resource.label} is associated with {key} {value!r}, which it makes reachable from the "
                "internet past the load balancer. Fix: use Elastic IPs only for NAT gateways "
                "(allocation_id), and reach instances through the load balancer."
            )


ADMIN_PORTS: dict[str, Any] = {
    "adminPorts": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": MAX_PORT},
        "default": [22, 3389],
        "description": "Remote administration ports never open to 0.0.0.0/0 or ::/0.",
    }
}

POLICIES = [
    resource_policy(
        name="default-security-group-closed",
        question="2",
        description="The default security group of a VPC has no rules (CIS AWS 5.4)",
        types=[DEFAULT_SECURITY_GROUP],
        check=_closed_default_group,
    ),
    resource_policy(
        name="nacl-no-admin-ports-from-anywhere",
        question="2",
        description="No network ACL allows remote administration ports from anywhere (CIS AWS 5.1)",
        types=[NETWORK_ACL, DEFAULT_NETWORK_ACL],
        check=_nacl_inline,
        config=ADMIN_PORTS,
    ),
    resource_policy(
        name="nacl-rule-no-admin-ports-from-anywhere",
        question="2",
        description="No separate network ACL rule allows remote administration ports from anywhere",
        types=[NETWORK_ACL_RULE],
        check=_nacl_rule,
        config=ADMIN_PORTS,
    ),
    resource_policy(
        name="instance-no-public-ip",
        question="2",
        description="No instance gets a public IP: instances, launch templates, subnets, Elastic IPs",
        types=[INSTANCE, LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION, SUBNET, ELASTIC_IP],
        check=_no_public_ip,
    ),
]
