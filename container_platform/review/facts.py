"""The review board's three questions, answered from a stack recording: images, exposed ports, IAM roles.

Everything here reads the recorded resources the way a reviewer would read a preview: which image each
container runs and what it is built FROM down to the upstream base, every port something opens and to
whom, every egress the tasks have, and every role with who may assume it and what it may do. Each fact
carries the URNs of the resources it was read from, so the page can show the policy pack's verdict on them
(the pack is the only judge; the facts only describe). Dockerfiles are read with the policy pack's own
parser, so the report and the rules agree on every FROM.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from components.image_specs import BASE, JAVA_RUNTIME, ImageSpec, application_image
from container_platform.review.offline_runtime import UNKNOWN, RecordedResource, StackRecording, plain

IMAGE_TYPE = "docker:index/image:Image"
TASK_DEFINITION_TYPE = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE_TYPE = "aws:ecs/service:Service"
ROLE_TYPE = "aws:iam/role:Role"
ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_TYPE = "aws:iam/policy:Policy"
INSTANCE_PROFILE_TYPE = "aws:iam/instanceProfile:InstanceProfile"
SECURITY_GROUP_TYPES = (
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
)
SECURITY_GROUP_RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE_TYPE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LISTENER_TYPES = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
DIGESTS_OUTPUT = "imageDigests"
NOT_KNOWN = "(unknown until deployed)"
NOT_RECORDED = "(not recorded for this digest)"


@dataclass(frozen=True)
class ImageLink:
    """One image of a chain: where its digest comes from and what its Dockerfile builds FROM."""

    name: str
    reference: str  # digest reference, or NOT_KNOWN in preview
    origin: str  # "built in this stack" | "pinned in stack config" | "from stack <org>/<project>/<stack>"
    dockerfile: str
    parent_arg: str | None
    froms: tuple[str, ...]


@dataclass(frozen=True)
class ImageChainFact:
    """The chain behind one container: application -> runtime -> base -> upstream."""

    workload: str  # "<task definition> / <container>", or the image name when no task runs it yet
    image: str  # what the container definition says, or NOT_KNOWN
    links: tuple[ImageLink, ...]
    upstream: str
    urns: tuple[str, ...] = ()  # the task definition and the chain's Image resources the pack judged


@dataclass(frozen=True)
class PortFact:
    kind: str  # listener | security group rule | egress rule | container port | Dockerfile EXPOSE
    resource: str
    ports: str
    protocol: str
    source: str  # "from ..." for what is exposed, "to ..." for egress
    note: str = ""
    urns: tuple[str, ...] = ()  # the resources the pack judged for this row


@dataclass(frozen=True)
class PolicyFact:
    urn: str  # the resource that carries the document (the role itself for inline and managed ARNs)
    name: str
    kind: str  # inline | RolePolicy | attached Policy | managed
    document: Any  # parsed JSON, NOT_KNOWN, or the ARN of a managed policy
    attachment_urn: str | None = None  # the RolePolicyAttachment that attaches it, judged too
    reach: tuple[str, ...] = ()  # each statement with what it reaches, in words (statement_reach below)


@dataclass
class RoleFact:
    name: str
    urn: str
    trusted: list[str]
    trust_document: Any
    policies: list[PolicyFact] = field(default_factory=list)
    used_by: list[str] = field(default_factory=list)

    @property
    def urns(self) -> tuple[str, ...]:
        """The role and every resource carrying one of its documents: where the pack's verdicts land."""
        attachments = [p.attachment_urn for p in self.policies if p.attachment_urn]
        return tuple(dict.fromkeys([self.urn, *(p.urn for p in self.policies), *attachments]))


@dataclass(frozen=True)
class BoardFacts:
    image_chains: list[ImageChainFact]
    ports: list[PortFact]
    roles: list[RoleFact]


def known(value: Any) -> Any:
    """The plain value, or None when the engine does not know it yet."""
    value = plain(value)
    return None if value == UNKNOWN else value


def document(value: Any) -> Any:
    """A JSON document given as a string or an object; NOT_KNOWN in preview when it depends on outputs."""
    value = plain(value)
    if value is None:
        return None
    if value == UNKNOWN or (isinstance(value, str) and UNKNOWN in value):
        return NOT_KNOWN
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


class Inventory:
    """Look resources up by URN, by the id/ARN/name they expose, and through property dependencies."""

    def __init__(self, recording: StackRecording) -> None:
        self.recording = recording
        self.by_urn = recording.by_urn()
        self.by_value: dict[str, RecordedResource] = {}
        for resource in recording.resources:
            for key in ("id", "arn", "name"):
                value = known(resource.outputs.get(key))
                if isinstance(value, str) and value:
                    self.by_value.setdefault(value, resource)

    def referenced(self, resource: RecordedResource, key: str, value: Any = None) -> list[RecordedResource]:
        """The resources `key` of `resource` refers to: by property dependency, else by matching value."""
        urns = resource.property_dependencies.get(key, ())
        found = [self.by_urn[u] for u in urns if u in self.by_urn]
        if found:
            return found
        value = known(resource.inputs.get(key)) if value is None else value
        match = self.by_value.get(value) if isinstance(value, str) else None
        return [match] if match else []

    def label(self, value: Any, resource: RecordedResource | None = None, key: str = "") -> str:
        """A human name for an id/ARN: `<type> <name>` when it is ours, else the raw value."""
        plain_value = known(value)
        target = self.by_value.get(plain_value) if isinstance(plain_value, str) else None
        if target is None and resource is not None and key:
            candidates = self.referenced(resource, key, plain_value)
            target = candidates[0] if len(candidates) == 1 else None
        if target is not None:
            return f"{short_type(target.type)} {target.name}"
        return NOT_KNOWN if plain_value is None else str(plain_value)


def short_type(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


@contextlib.contextmanager
def _on_path(directory: Path) -> Iterator[None]:
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(directory))


def pack_dockerfiles(pack_dir: Path) -> ModuleType:
    """The policy pack's Dockerfile reader (the pack must stay self-contained, so it owns that code)."""
    with _on_path(pack_dir):
        return importlib.import_module("review_board.dockerfiles")


def board_facts(recording: StackRecording, project_dir: Path, pack_dir: Path) -> BoardFacts:
    inventory = Inventory(recording)
    dockerfiles = pack_dockerfiles(pack_dir)
    chains = image_chains(inventory, project_dir, dockerfiles)
    return BoardFacts(
        image_chains=chains,
        ports=exposed_ports(inventory, project_dir, dockerfiles, chains),
        roles=with_statement_reach(iam_roles(inventory), pack_dir),
    )


# --- question 1: the base image -------------------------------------------------------------------------


def _images_config(recording: StackRecording) -> Mapping[str, Any]:
    """`<project>:images` as the program read it, for pinned digests and the upstream."""
    raw = recording.config.get(f"{recording.project}:images")
    try:
        value = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, Mapping) else {}


def _spec(name: str) -> ImageSpec:
    return {BASE.name: BASE, JAVA_RUNTIME.name: JAVA_RUNTIME}.get(name) or application_image(name)


def _image_name(reference: str) -> str:
    repository = reference.split("@", 1)[0]
    last = repository.rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def image_chains(inventory: Inventory, project_dir: Path, dockerfiles: ModuleType) -> list[ImageChainFact]:
    recording = inventory.recording
    images = {r.name: r for r in recording.of_type(IMAGE_TYPE)}
    published = known(recording.outputs.get(DIGESTS_OUTPUT)) or {}
    images_config = _images_config(recording)
    pinned = images_config.get("pinned") or {}

    @functools.cache
    def link(name: str) -> ImageLink:
        spec = _spec(name)
        resource = images.get(name)
        if resource is not None:
            reference = known(resource.outputs.get("repoDigest")) or NOT_KNOWN
            origin = "built in this stack"
            build = known(resource.inputs.get("build")) or {}
            build_args = {
                k: (dockerfiles.UNKNOWN if v == UNKNOWN else plain(v))
                for k, v in (build.get("args") or {}).items()
            }
        else:
            if name in pinned:
                reference, origin = pinned[name], "pinned in stack config"
            else:
                reference = published.get(name, NOT_KNOWN) if isinstance(published, Mapping) else NOT_KNOWN
                reference_name = images_config.get("stackReference")
                origin = f"from stack {reference_name}" if reference_name else "stack output"
            # Not built here: the parent is what the parent link deploys (promoted together, by digest).
            parent = link(spec.parent).reference if spec.parent else images_config.get("upstream")
            known_parent = parent not in (None, NOT_KNOWN)
            # Never the Dockerfile's own ARG default: it names the next build's upstream, not this image's.
            build_args = {spec.parent_arg: parent if known_parent else dockerfiles.UNKNOWN}
        path = project_dir / spec.dockerfile
        froms: tuple[str, ...] = ()
        if path.is_file():
            parsed = dockerfiles.parse(path, build_args)
            froms = tuple(
                line.value if line.value is not None else f"${{{line.unresolved_arg}}} {NOT_KNOWN}"
                for line in parsed.froms
            )
        return ImageLink(name, reference, origin, spec.dockerfile, spec.parent_arg, froms)

    def chain(name: str) -> tuple[tuple[ImageLink, ...], str]:
        links: list[ImageLink] = []
        current: str | None = name
        while current is not None:
            links.append(link(current))
            current = _spec(current).parent
        return tuple(links), recorded_upstream(name)

    def recorded_upstream(name: str) -> str:
        """A build's configured upstream, or the one promotion recorded for this very pin (images.lineage)."""
        if images_config.get("upstream"):
            return str(images_config["upstream"])
        entry = (images_config.get("lineage") or {}).get(name)
        if (
            isinstance(entry, Mapping)
            and entry.get("reference") == pinned.get(name)
            and entry.get("upstream")
        ):
            return str(entry["upstream"])
        # A pin without lineage for it is known now and has no recorded upstream; the section's lineage
        # (lineage_facts.py) says why.
        return NOT_RECORDED if name in pinned else NOT_KNOWN

    facts: list[ImageChainFact] = []
    chained: set[str] = set()
    for task in recording.of_type(TASK_DEFINITION_TYPE):
        containers = document(task.inputs.get("containerDefinitions"))
        if not isinstance(containers, list):
            continue
        for container in containers:
            image = str(container.get("image", NOT_KNOWN))
            name = _image_name(image)
            links, upstream = chain(name)
            judged = (task.urn, *(images[link.name].urn for link in links if link.name in images))
            facts.append(
                ImageChainFact(f"{task.name} / {container.get('name', '?')}", image, links, upstream, judged)
            )
            chained.add(name)
    platform = {BASE.name, JAVA_RUNTIME.name}
    candidates = set(images) | set(pinned) | (set(published) if isinstance(published, Mapping) else set())
    for name in sorted(candidates - platform - chained):
        links, upstream = chain(name)
        judged = tuple(images[link.name].urn for link in links if link.name in images)
        facts.append(ImageChainFact(name, NOT_KNOWN, links, upstream, judged))
    return facts


# --- question 2: exposed ports ----------------------------------------------------------------------------


def _port_range(from_port: Any, to_port: Any, protocol: Any) -> str:
    if str(protocol) in ("-1", "all"):
        return "all"
    low, high = known(from_port), known(to_port)
    if low is None and high is None:
        return NOT_KNOWN
    low, high = int(low if low is not None else high), int(high if high is not None else low)
    return str(low) if low == high else f"{low}-{high}"


def _peers(inventory: Inventory, owner: RecordedResource, key: str, rule: Mapping[str, Any]) -> str:
    peers = [*(known(rule.get("cidrBlocks")) or []), *(known(rule.get("ipv6CidrBlocks")) or [])]
    peers += [inventory.label(group, owner, key) for group in known(rule.get("securityGroups")) or []]
    if rule.get("self") is True:
        peers.append("itself")
    return ", ".join(str(p) for p in peers) or "nobody"


def _services(inventory: Inventory, task: RecordedResource) -> list[RecordedResource]:
    services = inventory.recording.of_type(SERVICE_TYPE)
    return [service for service in services if task in inventory.referenced(service, "taskDefinition")]


def _task_reach(inventory: Inventory, task: RecordedResource) -> str:
    """Who reaches a task's ports: the security groups of the services running it (awsvpc), else the host."""
    mode = known(task.inputs.get("networkMode")) or "bridge"
    if mode != "awsvpc":
        return f"the instance's network ({mode} mode)"
    groups: list[str] = []
    for service in _services(inventory, task):
        network = known(service.inputs.get("networkConfiguration")) or {}
        named = [
            inventory.label(g, service, "networkConfiguration") for g in network.get("securityGroups", [])
        ]
        if NOT_KNOWN in named:  # preview: the ids are unknown, but the dependencies name the groups
            referenced = inventory.referenced(service, "networkConfiguration")
            named = [f"{short_type(r.type)} {r.name}" for r in referenced if r.type in SECURITY_GROUP_TYPES]
        groups += named
    return f"task security groups: {', '.join(groups)}" if groups else "awsvpc, no service runs it"


def _group(inventory: Inventory, rule: RecordedResource) -> str:
    return inventory.label(rule.inputs.get("securityGroupId"), rule, "securityGroupId")


def exposed_ports(
    inventory: Inventory, project_dir: Path, dockerfiles: ModuleType, chains: list[ImageChainFact]
) -> list[PortFact]:
    recording = inventory.recording
    facts: list[PortFact] = []
    for listener in (r for t in LISTENER_TYPES for r in recording.of_type(t)):
        actions = known(listener.inputs.get("defaultActions")) or []
        action = actions[0] if actions else {}
        note = action.get("type", "")
        if note == "redirect":
            redirect = action.get("redirect") or {}
            note = f"redirect to {redirect.get('protocol', '?')}:{redirect.get('port', '?')}"
        elif note == "forward":
            note = f"forward to {inventory.label(action.get('targetGroupArn'), listener, 'defaultActions')}"
        policy = known(listener.inputs.get("sslPolicy"))
        if policy:
            note += f", TLS policy {policy}"
        facts.append(
            PortFact(
                "listener",
                f"{short_type(listener.type)} {listener.name}",
                _port_range(listener.inputs.get("port"), listener.inputs.get("port"), "tcp"),
                str(known(listener.inputs.get("protocol")) or "HTTP"),
                f"on {inventory.label(listener.inputs.get('loadBalancerArn'), listener, 'loadBalancerArn')}",
                note,
                (listener.urn,),
            )
        )
    facts += security_group_rules(inventory)
    for task in recording.of_type(TASK_DEFINITION_TYPE):
        containers = document(task.inputs.get("containerDefinitions"))
        reach = _task_reach(inventory, task)
        judged = (task.urn, *(service.urn for service in _services(inventory, task)))
        if containers == NOT_KNOWN:
            facts.append(
                PortFact("container port", f"TaskDefinition {task.name}", NOT_KNOWN, "", reach, "", judged)
            )
            continue
        for container in containers or []:
            for mapping in container.get("portMappings", []):
                host = mapping.get("hostPort")
                facts.append(
                    PortFact(
                        "container port",
                        f"TaskDefinition {task.name} / {container.get('name', '?')}",
                        str(mapping.get("containerPort")),
                        str(mapping.get("protocol", "tcp")),
                        reach,
                        f"host port {host}" if host is not None else "",
                        judged,
                    )
                )
    images = {r.name: r.urn for r in recording.of_type(IMAGE_TYPE)}
    for chain_name in sorted({link.name for chain in chains for link in chain.links}):
        path = project_dir / _spec(chain_name).dockerfile
        judged = (images[chain_name],) if chain_name in images else ()
        if path.is_file():
            for line in dockerfiles.parse(path, {}).exposes:
                facts.append(
                    PortFact(
                        "Dockerfile EXPOSE",
                        _spec(chain_name).dockerfile,
                        line.value or NOT_KNOWN,
                        "tcp",
                        "image metadata",
                        f"line {line.line}",
                        judged,
                    )
                )
    return facts


def security_group_rules(inventory: Inventory) -> list[PortFact]:
    """Every ingress rule (what is exposed, from whom) and egress rule (where tasks may connect), in every
    shape the provider takes them: inline on the group, `SecurityGroupRule`, `vpc.SecurityGroup*Rule`."""
    recording = inventory.recording
    facts: list[PortFact] = []
    directions = (("ingress", "security group rule", "from"), ("egress", "egress rule", "to"))
    for direction, kind, word in directions:
        for group in (g for t in SECURITY_GROUP_TYPES for g in recording.of_type(t)):
            for rule in known(group.inputs.get(direction)) or []:
                facts.append(
                    PortFact(
                        kind,
                        f"SecurityGroup {group.name}",
                        _port_range(rule.get("fromPort"), rule.get("toPort"), rule.get("protocol")),
                        str(rule.get("protocol", "?")),
                        f"{word} {_peers(inventory, group, direction, rule)}",
                        str(rule.get("description", "")),
                        (group.urn,),
                    )
                )
        for rule in recording.of_type(SECURITY_GROUP_RULE_TYPE):
            if known(rule.inputs.get("type")) != direction:
                continue
            peer = _peers(inventory, rule, "cidrBlocks", rule.inputs)
            if rule.inputs.get("sourceSecurityGroupId") is not None:
                peer = inventory.label(rule.inputs["sourceSecurityGroupId"], rule, "sourceSecurityGroupId")
            facts.append(
                PortFact(
                    kind,
                    f"{_group(inventory, rule)} ({rule.name})",
                    _port_range(
                        rule.inputs.get("fromPort"), rule.inputs.get("toPort"), rule.inputs.get("protocol")
                    ),
                    str(known(rule.inputs.get("protocol"))),
                    f"{word} {peer}",
                    str(known(rule.inputs.get("description")) or ""),
                    (rule.urn,),
                )
            )
        for rule in recording.of_type(INGRESS_RULE_TYPE if direction == "ingress" else EGRESS_RULE_TYPE):
            inputs = rule.inputs
            peers = [str(known(inputs[k])) for k in ("cidrIpv4", "cidrIpv6", "prefixListId") if k in inputs]
            if "referencedSecurityGroupId" in inputs:
                peers.append(
                    inventory.label(inputs["referencedSecurityGroupId"], rule, "referencedSecurityGroupId")
                )
            facts.append(
                PortFact(
                    kind,
                    f"{_group(inventory, rule)} ({rule.name})",
                    _port_range(
                        inputs.get("fromPort"), inputs.get("toPort"), known(inputs.get("ipProtocol"))
                    ),
                    str(known(inputs.get("ipProtocol"))),
                    f"{word} {', '.join(peers) or 'nobody'}",
                    str(known(inputs.get("description")) or ""),
                    (rule.urn,),
                )
            )
    return facts


# --- question 3: IAM roles ----------------------------------------------------------------------------------


def _trusted(trust: Any) -> list[str]:
    if not isinstance(trust, Mapping):
        return [NOT_KNOWN] if trust == NOT_KNOWN else []
    statements = trust.get("Statement", [])
    principals: list[str] = []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal", {})
        if isinstance(principal, str):
            principals.append(principal)
            continue
        for kind, values in principal.items():
            for value in values if isinstance(values, list) else [values]:
                principals.append(f"{kind}: {value}")
    return principals


def iam_roles(inventory: Inventory) -> list[RoleFact]:
    recording = inventory.recording
    roles: dict[str, RoleFact] = {}
    for role in recording.of_type(ROLE_TYPE):
        trust = document(role.inputs.get("assumeRolePolicy"))
        fact = RoleFact(role.name, role.urn, _trusted(trust), trust)
        for inline in known(role.inputs.get("inlinePolicies")) or []:
            policy = document(inline.get("policy"))
            fact.policies.append(PolicyFact(role.urn, str(inline.get("name", "inline")), "inline", policy))
        for arn in known(role.inputs.get("managedPolicyArns")) or []:
            fact.policies.append(PolicyFact(role.urn, str(arn), "managed", str(arn)))
        roles[role.urn] = fact

    def owner(resource: RecordedResource) -> RoleFact | None:
        found = inventory.referenced(resource, "role")
        return roles.get(found[0].urn) if found else None

    for attached in recording.of_type(ROLE_POLICY_TYPE):
        role_fact = owner(attached)
        if role_fact is not None:
            policy = document(attached.inputs.get("policy"))
            role_fact.policies.append(PolicyFact(attached.urn, attached.name, "RolePolicy", policy))
    for attachment in recording.of_type(ROLE_POLICY_ATTACHMENT_TYPE):
        role_fact = owner(attachment)
        if role_fact is None:
            continue
        policies = [p for p in inventory.referenced(attachment, "policyArn") if p.type == POLICY_TYPE]
        if policies:
            policy = document(policies[0].inputs.get("policy"))
            role_fact.policies.append(
                PolicyFact(policies[0].urn, policies[0].name, "attached Policy", policy, attachment.urn)
            )
        else:
            arn = str(known(attachment.inputs.get("policyArn")) or NOT_KNOWN)
            role_fact.policies.append(PolicyFact(attachment.urn, arn, "managed", arn))
    for profile in recording.of_type(INSTANCE_PROFILE_TYPE):
        for role in inventory.referenced(profile, "role"):
            if role.urn in roles:
                roles[role.urn].used_by.append(f"EC2 instances through InstanceProfile {profile.name}")
    for task in recording.of_type(TASK_DEFINITION_TYPE):
        for key, use in (("executionRoleArn", "execution role"), ("taskRoleArn", "task role")):
            for role in inventory.referenced(task, key):
                if role.urn in roles:
                    roles[role.urn].used_by.append(f"{use} of TaskDefinition {task.name}")
    return list(roles.values())


# --- question 3: each statement's reach, in the policy pack's words -----------------------------------------


def pack_iam_words(pack_dir: Path) -> ModuleType:
    """The pack's reading of IAM documents: the page says what a statement reaches as the rules judge it."""
    with _on_path(pack_dir):
        return importlib.import_module("review_board.iam_grants")


def statement_reach(policy: Any, pack_dir: Path) -> tuple[str, ...]:
    """Each statement of a permission document with its reach in words ("every role in account …")."""
    if not isinstance(policy, Mapping):
        return ()
    return tuple(pack_iam_words(pack_dir).document_in_words(dict(policy)))


def with_statement_reach(roles: list[RoleFact], pack_dir: Path) -> list[RoleFact]:
    for role in roles:
        role.policies[:] = [replace(p, reach=statement_reach(p.document, pack_dir)) for p in role.policies]
    return roles
