"""Which stack setting produced a violation on a resource the program made, and the value to set instead.

The pack judges resources (`redirect={'protocol': ...}`); the author edits `Pulumi.<stack>.yaml`
(`container-platform:loadBalancer.protocol`). POLICY_SOURCES says, for every policy in the pack, where a
violation of it can come from on what the program makes:

- **setting**: a value the settings accept can make it fire (a plain-HTTP listener, a grant on every secret);
  the fix names that setting, with its index (`services[1].environment.DB_PASSWORD`), and the value to set,
  read from the resource, the violation and this stack's policy config.
- **refused**: the settings refuse every value the pack's defaults block, naming the key, before anything
  registers (`containerPort: 9090`); a fix is still mapped where a stack's policy config is stricter.
- **program**: no setting reaches what the policy judges; a violation there means the program is wrong.

tests/review/test_violations_name_a_setting.py checks the model against the pack's own policy list and
against generated stack settings; docs/review.md shows it as a table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from components.image_specs import PLATFORM_IMAGES as PLATFORM_IMAGE_SPECS
from container_platform.review.analyzer_client import Diagnostic
from container_platform.review.offline_runtime import RecordedResource, StackRecording

WEB_SERVICE = "container-platform:index:WebService"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LISTENER = "aws:lb/listener:Listener"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
IMAGE = "docker:index/image:Image"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
KMS_KEY = "aws:kms/key:Key"
PLATFORM_IMAGES = tuple(spec.name for spec in PLATFORM_IMAGE_SPECS)


def program_settings() -> ModuleType:
    """components/settings.py, where what each key accepts is declared (CONTAINER_PORTS, ...).

    Imported when a fix needs it, not with the review: it brings pydantic, which would otherwise load
    before the policy pack process starts instead of while it starts."""
    from components import settings

    return settings


@dataclass(frozen=True)
class SettingFix:
    """The setting to change and, in words, what to; `set_to` is the value itself when one value fixes it,
    `unset` says removing the key (its default) does."""

    key: str  # `container-platform:services[0].containerPort`
    value: str  # what to set it to, as the page says it
    set_to: Any = None
    unset: bool = False

    def sentence(self, stack: str) -> str:
        if self.unset:
            return f"In Pulumi.{stack}.yaml remove `{self.key}`: {self.value}."
        return f"In Pulumi.{stack}.yaml set `{self.key}` to {self.value}."


@dataclass(frozen=True)
class Violated:
    """One violation, with what its fix reads: the resource, the recording and the policy's own config."""

    diagnostic: Diagnostic
    resource: RecordedResource
    recording: StackRecording
    config: Mapping[str, Any]

    def key(self, path: str) -> str:
        return f"{self.recording.project}:{path}"

    def setting(self, name: str) -> Any:
        try:
            return json.loads(self.recording.config.get(f"{self.recording.project}:{name}") or "null")
        except json.JSONDecodeError:
            return self.recording.config.get(f"{self.recording.project}:{name}")

    def service(self) -> tuple[int, Mapping[str, Any]] | None:
        """The `services[i]` entry whose WebService component made the resource."""
        parent = self.recording.by_urn().get(self.resource.parent or "")
        if parent is None or parent.type != WEB_SERVICE:
            return None
        services = self.setting("services")
        for index, service in enumerate(services if isinstance(services, list) else []):
            if isinstance(service, Mapping) and service.get("name") == parent.name:
                return index, service
        return None

    def quoted(self, pattern: str) -> str | None:
        """The first group of `pattern` in the violation's message."""
        match = re.search(pattern, self.diagnostic.message)
        return match.group(1) if match else None


Fix = Callable[[Violated], SettingFix | None]


@dataclass(frozen=True)
class PolicySource:
    """Where a violation of one policy can come from on what the program makes."""

    kind: str  # "setting", "refused", "program" or "report"
    why: str
    fixes: Mapping[str, Fix] = field(default_factory=dict)  # by resource type
    refused_by: tuple[str, ...] = ()  # the settings that refuse what the pack's defaults block


def _in_service(violated: Violated, path: str, value: str, **how: Any) -> SettingFix | None:
    found = violated.service()
    return None if found is None else SettingFix(violated.key(f"services[{found[0]}].{path}"), value, **how)


def _image_source(violated: Violated) -> SettingFix | None:
    """A stack that builds (or references) its images where prod-like rules want promoted pins."""
    source = (violated.setting("images") or {}).get("source")
    if source == "pinned":
        return None
    return SettingFix(
        violated.key("images.source"),
        "`pinned`, with the digests `python -m container_platform promote` writes (a promoted stack builds "
        "nothing)",
    )


def _service_image(violated: Violated) -> str | None:
    found = violated.service()
    return None if found is None else str(found[1].get("image") or found[1].get("name"))


def _promoted_image_setting(section: str, value: str) -> Callable[[Violated], SettingFix | None]:
    """A fix of what promotion writes for the service's image (`images.<section>.<image>`), unless the
    stack builds its images where it should promote them."""

    def fix(violated: Violated) -> SettingFix | None:
        if found := _image_source(violated):
            return found
        image = _service_image(violated)
        return None if image is None else SettingFix(violated.key(f"images.{section}.{image}"), value)

    return fix


_promoted_pin = _promoted_image_setting(
    "pinned",
    "a digest promoted from the source stack (`python -m container_platform promote`), not one set by hand",
)
_recorded_lineage = _promoted_image_setting(
    "lineage",
    "the lineage `python -m container_platform promote` records with the digest it pins (an approved "
    "upstream at its root)",
)


def _approved_prefix(violated: Violated) -> str | None:
    """The repository prefix the policy config approves the chain under (`<prefix>/base`)."""
    bases = [r for r in violated.config.get("approvedRepositories", []) if r.endswith("/base")]
    return bases[0].removesuffix("/base") if bases else None


def _repository_prefix(violated: Violated) -> SettingFix:
    prefix = _approved_prefix(violated)
    return SettingFix(
        violated.key("images.repositoryPrefix"),
        f"`{prefix}`" if prefix else "the prefix of the repositories the policy config approves",
        set_to=prefix,
    )


def _image_of_service(violated: Violated) -> tuple[int, str] | None:
    """The service (index) and image name behind a task definition, or behind the image a build pushes."""
    found = violated.service()
    if found is not None:
        return found[0], str(found[1].get("image") or found[1].get("name"))
    services = violated.setting("services")
    for index, service in enumerate(services if isinstance(services, list) else []):
        if (
            isinstance(service, Mapping)
            and (service.get("image") or service.get("name")) == violated.resource.name
        ):
            return index, violated.resource.name
    return None


def _unapproved_repository(violated: Violated) -> SettingFix | None:
    """An image in a repository the policy config does not approve: the chain under another prefix
    (`images.repositoryPrefix`), or a service's own image the board has not approved (`services[i].image`)."""
    repository = violated.quoted(r"repository '([^']+)' is not approved")
    if repository is None:
        return _promoted_pin(violated)
    approved = list(violated.config.get("approvedRepositories", []))
    prefix = _approved_prefix(violated)
    image = repository.rsplit("/", 1)[-1]
    if prefix is not None and not repository.startswith(f"{prefix}/") and f"{prefix}/{image}" in approved:
        return _repository_prefix(violated)
    found = _image_of_service(violated)
    if found is None:
        return None
    images = violated.setting("images") or {}
    usable = [
        name
        for name in (r.removeprefix(f"{prefix}/") for r in approved if prefix and r.startswith(f"{prefix}/"))
        if name not in PLATFORM_IMAGES
        and (images.get("source") != "pinned" or name in (images.get("pinned") or {}))
    ]
    words = f"`{usable[0]}`" if usable else "an image whose repository approvedRepositories lists"
    return SettingFix(
        violated.key(f"services[{found[0]}].image"),
        f"{words}, or have the board add {repository!r} to {violated.diagnostic.policy_name}'s "
        "approvedRepositories",
        set_to=usable[0] if usable else None,
    )


def _approved_base(violated: Violated) -> SettingFix | None:
    """A build pulling an upstream the config does not approve (`images.upstream`), or the chain's own
    image from a repository it does not approve (`images.repositoryPrefix`)."""
    pulled = violated.quoted(r"FROM '([^']+)'")
    upstream = (violated.setting("images") or {}).get("upstream")
    if pulled is not None and upstream is not None and pulled != upstream and ".dkr.ecr." in pulled:
        return _repository_prefix(violated)
    upstreams = list(violated.config.get("approvedUpstreams", []))
    return SettingFix(
        violated.key("images.upstream"),
        f"`{upstreams[0]}` (approved-base-images' approvedUpstreams)"
        if upstreams
        else "an approved upstream",
        set_to=upstreams[0] if upstreams else None,
    )


def _listener(violated: Violated) -> SettingFix | None:
    """A listener outside the public ports (the blue/green test listener), on a TLS policy the config does
    not allow, or speaking plain HTTP."""
    if violated.quoted(r"listens on port '?(\d+)") is not None:
        public = [int(p) for p in violated.config.get("publicPorts", []) if int(p) >= 1024]
        return SettingFix(
            violated.key("loadBalancer.testListenerPort"),
            f"`{public[0]}` (a port listener-https-only's publicPorts lists)"
            if public
            else "a port the board adds to listener-https-only's publicPorts",
            set_to=public[0] if public else None,
        )
    if violated.quoted(r"uses TLS policy '([^']+)'") is not None:
        allowed = [
            p
            for p in program_settings().MODERN_SSL_POLICIES
            if p in violated.config.get("allowedSslPolicies", [])
        ]
        return SettingFix(
            violated.key("loadBalancer.sslPolicy"),
            f"`{allowed[0]}`" if allowed else "a policy listener-https-only's allowedSslPolicies lists",
            set_to=allowed[0] if allowed else None,
        )
    return SettingFix(
        violated.key("loadBalancer.protocol"),
        "`HTTPS` (with `loadBalancer.certificateArn`, an ACM certificate)",
    )


def _test_listener_sources(violated: Violated) -> SettingFix | None:
    """Only the test listener's port is opened to CIDRs outside the public ports."""
    balancer = violated.setting("loadBalancer") or {}
    port = balancer.get("testListenerPort")
    if port is None or violated.resource.inputs.get("fromPort") != port:
        return None
    return SettingFix(
        violated.key("loadBalancer.testAllowedCidrs"),
        f"`[]` (testers then reach port {port} from no CIDR), or have the board add {port} to "
        "ingress-allowed-ports' publicPorts",
        set_to=[],
    )


def _grant(violated: Violated) -> SettingFix | None:
    """The task role grant (`taskRoleGrants[j]`, statement Grant<j+1>) the violation quotes."""
    found = violated.service()
    if found is None or not violated.resource.name.endswith("-task-grants"):
        return None
    grants = found[1].get("taskRoleGrants") or []
    index = violated.quoted(r"\(Grant(\d+)\)")
    position = int(index) - 1 if index else None
    if position is None:
        quoted = set(re.findall(r"'([^']+)'", violated.diagnostic.message))
        position = next(
            (
                j
                for j, grant in enumerate(grants)
                if quoted & {*grant.get("resources", []), *grant.get("actions", [])}
            ),
            None,
        )
    path = f"taskRoleGrants[{position}]" if position is not None else "taskRoleGrants"
    return _in_service(
        violated,
        path,
        "actions on the ARNs of the resources the application uses, never a whole account's (remove the "
        "grant if the application does not need it)",
    )


def _plaintext_secret(violated: Violated) -> SettingFix | None:
    variable = violated.quoted(r"environment variable '([A-Za-z_][A-Za-z0-9_]*)'")
    found = violated.service()
    if variable is not None and found is not None:
        return SettingFix(
            violated.key(f"services[{found[0]}].environment.{variable}"),
            f"give `services[{found[0]}].secrets.{variable}` instead the ARN of the Secrets Manager secret "
            "or SSM parameter that holds it",
            unset=True,
        )
    if "healthCheck.command" in violated.diagnostic.message:
        return _in_service(
            violated,
            "healthCheckCommand",
            "the image's own health check runs instead; a command of your own carries no credentials",
            unset=True,
        )
    return None


def _approved_secret(violated: Violated) -> SettingFix | None:
    """The same secret's name under an approved prefix of its store (Secrets Manager or SSM)."""
    name = violated.quoted(r"secret '([A-Za-z_][A-Za-z0-9_]*)' reads")
    found = violated.service()
    if name is None or found is None:
        return None
    arn = str(((found[1].get("secrets") or {}).get(name) or {}).get("arn", ""))
    store = ":secret:" if ":secretsmanager:" in arn else ":parameter/"
    prefixes = [p for p in violated.config.get("approvedSecretArnPrefixes", []) if store in p]
    moved = f"{prefixes[0]}{arn.rsplit('/', 1)[-1].rsplit(':', 1)[-1]}" if prefixes and arn else None
    return _in_service(
        violated,
        f"secrets.{name}.arn",
        f"an ARN under {prefixes[0]!r} (e.g. `{moved}`), or have the board approve the secret's prefix"
        if moved
        else "an ARN under one of secrets-from-approved-arns' approvedSecretArnPrefixes",
        set_to=moved,
    )


def _retention(violated: Violated) -> SettingFix | None:
    minimum = int(violated.config.get("minimumDays", 1))
    days = next((d for d in program_settings().LOG_RETENTION_DAYS if d >= minimum), None)
    return SettingFix(
        violated.key("logRetentionDays"),
        f"`{days}` or more (log-group-retention's minimumDays)" if days else "more days",
        set_to=days,
    )


def _container_port(violated: Violated) -> SettingFix | None:
    allowed = set(violated.config.get("allowedPorts", [])) - set(violated.config.get("forbiddenPorts", []))
    port = next((p for p in program_settings().CONTAINER_PORTS if p in allowed), None)
    return _in_service(
        violated,
        "containerPort",
        f"`{port}`" if port else "a port container-ports-allowed allows",
        set_to=port,
    )


def _balancer(key: str) -> Fix:
    return lambda violated: SettingFix(violated.key(f"loadBalancer.{key}"), "`true`", set_to=True)


_TRUSTED = "an account the policy config trusts (trustedAccounts), or have the board trust the account"
# Who each statement of the registry's repository policy lets in (components/iam_documents.py), by Sid.
_REGISTRY_STATEMENTS = {
    "BuildIdentityPushes": "registry.pushRoleArn",
    "PromotionReadsAndTags": "registry.promoteRoleArn",
}


def _registry_principals(violated: Violated) -> SettingFix | None:
    """The registry setting behind a repository policy's principal: pull accounts, push or promote role."""
    sid = violated.quoted(r"\(statement \d+ \((\w+)\)\)")
    if sid in _REGISTRY_STATEMENTS:
        return SettingFix(violated.key(_REGISTRY_STATEMENTS[sid]), f"a role in {_TRUSTED}")
    accounts = list((violated.setting("registry") or {}).get("pullAccounts") or [])
    quoted = set(re.findall(r"arn:aws[a-z-]*:iam::(\d{12}):root", violated.diagnostic.message))
    index = next((i for i, account in enumerate(accounts) if account in quoted), None)
    path = "registry.pullAccounts" if index is None else f"registry.pullAccounts[{index}]"
    return SettingFix(violated.key(path), f"only {_TRUSTED}")


def _replication(violated: Violated) -> SettingFix | None:
    account = violated.quoted(r"replicates images to account (\d{12})")
    destinations = list((violated.setting("registry") or {}).get("replication") or [])
    index = next(
        (i for i, d in enumerate(destinations) if isinstance(d, Mapping) and d.get("account") == account),
        None,
    )
    if index is None:
        return _own_account(violated)
    return SettingFix(violated.key(f"registry.replication[{index}].account"), _TRUSTED)


def _own_account(violated: Violated) -> SettingFix:
    """A key or replication that lets in the stack's own account: the account the stack deploys to."""
    return SettingFix(
        "aws:allowedAccountIds",
        "an account the policy config trusts: `make init` lists the stack's own account in trustedAccounts",
    )


def _program(why: str) -> PolicySource:
    return PolicySource("program", why)


_HARDENED_CONTAINER = (
    "the program writes every container definition's posture itself (components/web_service.py)"
)
_IMAGES_DIR = "the repository's Dockerfiles (images/), which no stack setting edits"

POLICY_SOURCES: dict[str, PolicySource] = {
    # Question 1: the base image.
    "approved-container-images": PolicySource(
        "setting",
        "services[].image names a repository the stack's policy config does not approve; images.pinned a "
        "digest outside its registries",
        {TASK_DEFINITION: _unapproved_repository},
    ),
    "approved-base-images": PolicySource(
        "setting", "images.upstream, any digest-pinned image the settings accept", {IMAGE: _approved_base}
    ),
    "image-repository-matches-name": PolicySource(
        "setting",
        "images.repositoryPrefix names the repositories images are pushed to",
        {IMAGE: _unapproved_repository},
    ),
    "dockerfile-no-remote-add": _program(_IMAGES_DIR),
    "dockerfile-user-not-root": _program(_IMAGES_DIR),
    "prod-images-promoted": PolicySource(
        "setting",
        "images.source build in a promoted stack; images.pinned digests not promoted",
        {TASK_DEFINITION: _promoted_pin, IMAGE: _image_source},
    ),
    "approved-resource-types": _program(
        "every type the program can register is on the pack's default list; a setting only switches on types "
        "it lists (EFS, WAF, endpoints, EC2 capacity)"
    ),
    "image-pushed-to-own-repository": _program(
        "the image chain pushes each image to the repository it creates"
    ),
    "runs-stack-definitions": _program(
        "services run the task definition their component creates; EC2 capacity's group its own "
        "launch template"
    ),
    "promoted-lineage": PolicySource(
        "setting",
        "images.lineage recorded by promotion, or a pin with none",
        {TASK_DEFINITION: _recorded_lineage},
    ),
    # Question 2: exposed ports.
    "ingress-allowed-ports": PolicySource(
        "setting",
        "loadBalancer.testAllowedCidrs opens the test listener's port to CIDRs; every other rule opens a "
        "security group to a security group",
        {INGRESS_RULE: _test_listener_sources},
    ),
    "listener-https-only": PolicySource(
        "setting",
        "loadBalancer.protocol HTTP (allowed where the stack may serve plain HTTP), "
        "loadBalancer.testListenerPort outside the stack's public ports; sslPolicy is refused when the "
        "pack's defaults do not allow it",
        {LISTENER: _listener},
        refused_by=("loadBalancer.sslPolicy",),
    ),
    "container-ports-allowed": PolicySource(
        "refused",
        "containerPort takes exactly the pack's default allowedPorts",
        {TASK_DEFINITION: _container_port},
        refused_by=("services[].containerPort",),
    ),
    "target-group-ports-allowed": _program(
        "target groups forward to services[].containerPort, which the settings refuse outside allowedPorts"
    ),
    "listener-rules-keep-https": _program(
        "route rules attach to the listener that serves (loadBalancer.protocol), never the redirecting one"
    ),
    "dockerfile-expose-allowed": _program(_IMAGES_DIR),
    "service-no-public-ip": _program("services never assign public IPs (components/web_service.py)"),
    "default-security-group-closed": _program("the program empties every VPC's default security group"),
    "nacl-no-admin-ports-from-anywhere": _program("the program creates no network ACL"),
    "nacl-rule-no-admin-ports-from-anywhere": _program("the program creates no network ACL rule"),
    "instance-no-public-ip": _program(
        "EC2 capacity's launch template associates no public IP; subnets map none; Elastic IPs are NAT's"
    ),
    "user-data-agent-config-only": _program("EC2 capacity's user data only writes ECS agent settings"),
    # Question 3: IAM.
    "iam-no-wildcard-actions": PolicySource(
        "refused",
        "taskRoleGrants refuses `*` and `service:*` actions",
        {ROLE_POLICY: _grant},
        refused_by=("services[].taskRoleGrants[].actions",),
    ),
    "iam-no-not-action-allow": _program("grants are written as Action and Resource, never NotAction"),
    "iam-resources-scoped": PolicySource(
        "setting",
        "taskRoleGrants resources may name a whole account's (`...:secret:*`)",
        {ROLE_POLICY: _grant},
    ),
    "iam-no-privilege-escalation": PolicySource(
        "setting", "taskRoleGrants may grant iam:PassRole and IAM rewrites", {ROLE_POLICY: _grant}
    ),
    "iam-no-credential-exposure": PolicySource(
        "setting", "taskRoleGrants may read every secret, key or object", {ROLE_POLICY: _grant}
    ),
    "iam-no-shell-access": PolicySource(
        "setting", "taskRoleGrants may grant ssm:SendCommand or ecs:ExecuteCommand", {ROLE_POLICY: _grant}
    ),
    "iam-approved-managed-policies": _program("the program attaches no AWS-managed policy"),
    "iam-trust-named-services": _program("every role the program makes trusts one named service"),
    "load-balancer-groups-proven": _program("only the load balancer component opens its own group to CIDRs"),
    "runs-as-stack-roles": _program("tasks, profiles, templates, flow logs run as roles the program makes"),
    "iam-resource-policies-trusted": PolicySource(
        "setting",
        "registry.pullAccounts, pushRoleArn, promoteRoleArn and replication name the accounts the registry "
        "lets in; aws:allowedAccountIds the stack's own, which its key policy trusts",
        {REPOSITORY_POLICY: _registry_principals, REPLICATION: _replication, KMS_KEY: _own_account},
    ),
    "ecr-cross-account-pull-only": PolicySource(
        "setting",
        "registry.pullAccounts, pushRoleArn and promoteRoleArn (registry stack)",
        {REPOSITORY_POLICY: _registry_principals},
    ),
    # What a security reviewer also expects.
    "container-definitions-valid": _program(_HARDENED_CONTAINER),
    "container-not-privileged": _program(_HARDENED_CONTAINER),
    "container-not-root": PolicySource(
        "refused",
        "user refuses uid 0 and root in every spelling",
        {TASK_DEFINITION: lambda v: _in_service(v, "user", "`10001:10001`", set_to="10001:10001")},
        refused_by=("services[].user",),
    ),
    "container-read-only-root": _program(_HARDENED_CONTAINER),
    "container-security-options": _program(_HARDENED_CONTAINER),
    "task-no-host-namespaces": _program(_HARDENED_CONTAINER),
    "task-no-sensitive-host-mounts": _program("services mount EFS through access points, never a host path"),
    "container-no-plaintext-secrets": PolicySource(
        "setting",
        "services[].environment and healthCheckCommand take any text; secrets belong in services[].secrets",
        {TASK_DEFINITION: _plaintext_secret},
    ),
    "ecr-scan-on-push": _program("components/ecr_repository.py always scans on push"),
    "ecr-immutable-tags": _program("components/ecr_repository.py always makes tags immutable"),
    "ecr-encryption": _program("components/ecr_repository.py always encrypts with the stack's KMS key"),
    "task-roles-distinct": _program("each service gets its own execution role and task role"),
    "log-group-retention": PolicySource(
        "refused",
        "logRetentionDays refuses fewer days than the pack's default minimumDays",
        {LOG_GROUP: _retention},
        refused_by=("logRetentionDays",),
    ),
    "launch-template-imdsv2": _program("EC2 capacity's launch template requires IMDSv2, hop limit 1"),
    "service-circuit-breaker": _program("every rolling service has the circuit breaker with rollback"),
    "efs-transit-encryption-and-iam": _program("efsVolumes always mount over TLS with IAM authorization"),
    "efs-encrypted-at-rest": _program("file systems the stack creates are encrypted with its KMS key"),
    "secrets-from-approved-arns": PolicySource(
        "setting",
        "services[].secrets take any ARN of the stack's accounts; the policy config approves prefixes",
        {TASK_DEFINITION: _approved_secret},
    ),
    "deployment-alarms-wired": _program("the program wires every service's deployment alarms"),
    "alb-access-logs": PolicySource(
        "setting", "loadBalancer.accessLogs: false", {LOAD_BALANCER: _balancer("accessLogs")}
    ),
    "alb-deletion-protection": PolicySource(
        "setting", "loadBalancer.deletionProtection: false", {LOAD_BALANCER: _balancer("deletionProtection")}
    ),
    "alb-drop-invalid-headers": _program("the load balancer always drops invalid headers"),
    "kms-key-rotation": _program("every key the program makes rotates"),
    "vpc-flow-logs": _program("every VPC the program creates has a flow log (network.flowLogs picks where)"),
    "vpc-endpoint-policies": _program("every endpoint gets a policy naming the stack's resources"),
    # Reports of waivers in use, not violations.
    "waivers-used": PolicySource("report", "reports a waiver in use"),
    "stack-waivers-used": PolicySource("report", "reports a waiver of a stack policy in use"),
}


def setting_fix(
    diagnostic: Diagnostic, recording: StackRecording, config: Mapping[str, Mapping[str, Any]] | None = None
) -> SettingFix | None:
    """The stack setting to change for `diagnostic`, when the program made the resource from one.

    `config` is each policy's reconciled config (what this stack's policy config sets, over the defaults),
    which the values to set are read from."""
    resource = recording.by_urn().get(diagnostic.urn)
    source = POLICY_SOURCES.get(diagnostic.policy_name)
    fix = source.fixes.get(resource.type) if source is not None and resource is not None else None
    if fix is None or resource is None:
        return None
    return fix(Violated(diagnostic, resource, recording, (config or {}).get(diagnostic.policy_name, {})))


def program_made(diagnostic: Diagnostic, recording: StackRecording) -> bool:
    """Whether a violation is on a resource the program made, of a policy no stack setting can produce."""
    source = POLICY_SOURCES.get(diagnostic.policy_name)
    return diagnostic.urn in recording.by_urn() and source is not None and source.kind == "program"


def sources_table(policies: Sequence[str]) -> list[tuple[str, str, str, str]]:
    """(policy, kind, resource types mapped, why) for `policies`, as docs/review.md shows them."""
    return [
        (
            name,
            POLICY_SOURCES[name].kind,
            ", ".join(sorted(POLICY_SOURCES[name].fixes)) or "-",
            POLICY_SOURCES[name].why,
        )
        for name in policies
    ]
