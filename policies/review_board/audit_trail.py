"""What a bank's security audit asks for on day one: an audit trail, and private paths that stay private.

Flow logs on every VPC the stack creates; access logs, deletion protection and invalid-header dropping on
every Application Load Balancer; a policy on every VPC endpoint that is not AWS's full-access default nor as
broad; KMS keys that rotate. Endpoint policies are read as the IAM rules read theirs
(iam_carriers.policy_document) and judged on the IAM model's reach, so `ecr:*`, NotAction or a resource-level
action on every resource of a kind count as broad however they are spelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from review_board.framework import QUESTIONS, Finding, Resource, Unchecked, Violation, resource_policy
from review_board.iam_actions import whole_services
from review_board.iam_arns import Reach
from review_board.iam_carriers import policy_document
from review_board.iam_grants import everything_on_everything, unscoped
from review_board.iam_statements import Document
from review_board.waivers import LEDGER, WAIVERS_SCHEMA, unwaived
from review_board.wire import is_unknown, plain

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
KMS_KEY = "aws:kms/key:Key"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
VPC_ENDPOINT_POLICY = "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy"
# Endpoint types that take a policy (AWS PrivateLink: gateway endpoints and interface endpoints).
POLICY_ENDPOINT_TYPES = ("Gateway", "Interface")
# Key specs AWS KMS rotates automatically: symmetric encryption keys only (not asymmetric, not HMAC).
ROTATABLE_KEY_SPECS = ("SYMMETRIC_DEFAULT",)
VPC_FLOW_LOGS = "vpc-flow-logs"
VPC_ENDPOINT_POLICIES = "vpc-endpoint-policies"


Check = Callable[[Resource, Mapping[str, Any]], Iterator[Finding]]


def _albs_only(check: Check) -> Check:
    """Run `check` on Application Load Balancers (the provider's default type), not NLBs or gateways."""

    def on_albs(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
        kind = resource.props.get("loadBalancerType", "application")
        if is_unknown(kind):
            yield Unchecked("loadBalancerType")
        elif kind in (None, "application"):
            yield from check(resource, config)

    return on_albs


def _alb_setting(key: str, fix: str, why: str) -> Check:
    """A check that the ALB input `key` is true (false and absent mean off, as the provider defaults)."""

    @_albs_only
    def check(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
        value = resource.props.get(key)
        if is_unknown(value):
            yield Unchecked(key)
        elif value is not True:
            yield Violation(f"{resource.label} has {key}={value!r}, so {why}. Fix: {fix}.")

    return check


@_albs_only
def _access_logs(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    logs = resource.props.get("accessLogs")
    if is_unknown(logs):
        yield Unchecked("accessLogs")
        return
    logs = logs or {}
    enabled, bucket = logs.get("enabled"), logs.get("bucket")
    if is_unknown(enabled) or is_unknown(bucket):
        yield Unchecked("accessLogs.enabled / accessLogs.bucket")
    elif enabled is not True or not bucket:
        yield Violation(
            f"{resource.label} has accessLogs={logs!r}: no request reaches the audit trail (the provider "
            "leaves access logs off unless enabled is true, even with a bucket). Fix: set "
            "loadBalancer.accessLogs: true in the stack config (access_logs={'bucket': <audit bucket>, "
            "'enabled': True})."
        )


def _rotates(resource: Resource, _config: Mapping[str, Any]) -> Iterator[Finding]:
    spec = resource.props.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    usage = resource.props.get("keyUsage") or "ENCRYPT_DECRYPT"
    if is_unknown(spec) or is_unknown(usage):
        yield Unchecked("customerMasterKeySpec / keyUsage")
        return
    if spec not in ROTATABLE_KEY_SPECS or usage != "ENCRYPT_DECRYPT":
        return  # AWS KMS cannot rotate asymmetric or HMAC keys automatically
    rotation = resource.props.get("enableKeyRotation")
    if is_unknown(rotation):
        yield Unchecked("enableKeyRotation")
    elif rotation is not True:
        yield Violation(
            f"{resource.label} has enableKeyRotation={rotation!r}, so its key material never changes. "
            "Fix: set enable_key_rotation=True (EncryptionKeyArgs.enable_key_rotation)."
        )


def _broad(doc: Document) -> Iterator[str]:
    """Why an endpoint policy reaches further than named resources, judged on the IAM model's reach."""
    if everything_on_everything(doc):
        yield "allows Action '*' on Resource '*' (AWS's default full-access endpoint policy)"
        return
    for statement in doc.allows:
        services = whole_services(statement.actions, statement.not_action)
        if services and not statement.not_action:
            yield (
                f"allows the wildcard action(s) {list(statement.actions)} in {statement.label}: every action "
                f"of {', '.join(services[:6])}"
            )
        if statement.not_action or statement.not_resource:
            used = "NotAction" if statement.not_action else "NotResource"
            yield f"uses {used} with Allow in {statement.label}, which grants everything else"
    wide = list(unscoped(doc, floor=Reach.TYPE))
    for everything in (True, False):
        actions = sorted({g.action for g in wide if (g.reach is Reach.EVERYTHING) is everything})
        if not actions:
            continue
        shown = ", ".join(actions[:6]) + (f" and {len(actions) - 6} more" if len(actions) > 6 else "")
        where = "on Resource '*'" if everything else "on ARN patterns that name every resource of that kind"
        yield f"allows {shown} {where}, though these actions take the ARNs of named resources"


def _resources(args: StackValidationArgs) -> list[tuple[Any, Resource]]:
    return [
        (r, Resource(r.resource_type, r.name, r.urn, plain(r.props)))
        for r in args.resources
        if r.resource_type in (VPC, FLOW_LOG, VPC_ENDPOINT, VPC_ENDPOINT_POLICY)
    ]


def _links(
    policy_resource: Any, resource: Resource, key: str, targets: Mapping[str, Resource]
) -> tuple[list[str], bool]:
    """The target URNs `resource.<key>` refers to (by dependency, or by the target's id), and whether the
    reference is unknown."""
    linked = [d.urn for d in (policy_resource.property_dependencies or {}).get(key, []) if d.urn in targets]
    value = resource.props.get(key)
    if is_unknown(value):
        return linked, not linked
    linked += [urn for urn, target in targets.items() if value and target.props.get("id") == value]
    return linked, False


def _flow_logs(args: StackValidationArgs) -> Iterator[tuple[Resource, Finding]]:
    resources = _resources(args)
    vpcs = {r.urn: r for _, r in resources if r.type == VPC}
    logged: set[str] = set()
    unknown = False
    for policy_resource, resource in resources:
        if resource.type == FLOW_LOG:
            linked, not_known = _links(policy_resource, resource, "vpcId", vpcs)
            logged.update(linked)
            unknown = unknown or not_known
    for urn, vpc in vpcs.items():
        if urn in logged:
            continue
        if unknown:
            yield vpc, Unchecked(f"{vpc.label}: the vpcId of a flow log")
        else:
            yield (
                vpc,
                Violation(
                    f"{vpc.label} has no flow log, so its traffic leaves no audit trail. Fix: create the "
                    "VPC with components/network.py (it always adds one, network.flowLogs) or add "
                    "aws.ec2.FlowLog(vpc_id=<this VPC>)."
                ),
            )


def _endpoint_policies(args: StackValidationArgs) -> Iterator[tuple[Resource, Finding]]:
    resources = _resources(args)
    endpoints = {r.urn: r for _, r in resources if r.type == VPC_ENDPOINT}
    attached: dict[str, list[Resource]] = {}
    unknown: list[Resource] = []
    for policy_resource, resource in resources:
        if resource.type == VPC_ENDPOINT_POLICY:
            linked, not_known = _links(policy_resource, resource, "vpcEndpointId", endpoints)
            for urn in linked:
                attached.setdefault(urn, []).append(resource)
            if not_known:
                unknown.append(resource)
            yield from ((resource, finding) for finding in _judge(resource, resource.props.get("policy")))
    for urn, endpoint in endpoints.items():
        kind = endpoint.props.get("vpcEndpointType") or "Gateway"
        if is_unknown(kind):
            yield endpoint, Unchecked(f"{endpoint.label} vpcEndpointType")
            continue
        if kind not in POLICY_ENDPOINT_TYPES or urn in attached:
            continue
        inline = endpoint.props.get("policy")
        if is_unknown(inline):
            yield endpoint, Unchecked(f"{endpoint.label} policy")
        elif not inline and unknown:
            yield endpoint, Unchecked(f"{endpoint.label}: which endpoint {unknown[0].label} attaches to")
        elif not inline:
            yield (
                endpoint,
                Violation(
                    f"{endpoint.label} has no endpoint policy, so AWS attaches its default one: every "
                    "principal, every action, every resource. Fix: give it a policy naming this stack's "
                    "resources (network.endpoints: components/iam_documents.endpoint_policy writes them)."
                ),
            )
        else:
            yield from ((endpoint, finding) for finding in _judge(endpoint, inline))


def _judge(resource: Resource, raw: Any) -> Iterator[Finding]:
    for item in policy_document(resource, "endpoint policy", raw):
        if not isinstance(item, Document):
            yield item
            continue
        for reason in _broad(item):
            yield Violation(
                f"{item.where} {reason}. Fix: allow only the actions the stack's tasks call, on this stack's "
                "repositories, log groups, secrets and buckets by ARN (components/iam_documents."
                "endpoint_policy writes them from network.endpoints)."
            )


def _stack_policy(
    name: str, description: str, findings: Callable[[StackValidationArgs], Iterable[tuple[Resource, Finding]]]
) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        config = args.get_config()
        LEDGER.take_policies({name})  # uses left by an earlier AnalyzeStack are not this run's
        found: dict[str, tuple[Resource, list[str]]] = {}
        unchecked: list[str] = []
        try:
            for resource, finding in findings(args):
                if isinstance(finding, Unchecked):
                    unchecked.append(finding.what)
                else:
                    found.setdefault(resource.urn, (resource, []))[1].append(finding.message)
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            report_violation(
                f"inputs of an unexpected shape ({type(error).__name__}: {error}), so {name} cannot approve "
                "the stack. Fix: give the inputs the provider's documented shape.",
                None,
            )
            return
        for urn, (resource, messages) in found.items():
            for message in unwaived(name, resource.name, urn, messages, config.get("waivers", [])):
                report_violation(message, urn)
        if unchecked:
            args.not_applicable(f"not checked until the value is known: {'; '.join(unchecked)}")

    return StackValidationPolicy(
        name=name,
        description=f"{description} ({QUESTIONS['extras']})",
        validate=validate,
        config_schema=PolicyConfigSchema(properties={"waivers": WAIVERS_SCHEMA}),
        severity=Severity.HIGH,
        tags=["question-extras"],
    )


STACK_POLICIES = [
    _stack_policy(VPC_FLOW_LOGS, "Every VPC the stack creates has a flow log", _flow_logs),
    _stack_policy(
        VPC_ENDPOINT_POLICIES,
        "Every VPC endpoint has a policy naming its resources, never AWS's full-access default",
        _endpoint_policies,
    ),
]
STACK_POLICY_NAMES = frozenset({VPC_FLOW_LOGS, VPC_ENDPOINT_POLICIES})

POLICIES = [
    resource_policy(
        name="alb-access-logs",
        question="extras",
        description="Application Load Balancers write access logs to S3",
        types=LOAD_BALANCERS,
        check=_access_logs,
    ),
    resource_policy(
        name="alb-deletion-protection",
        question="extras",
        description="Application Load Balancers are protected from deletion",
        types=LOAD_BALANCERS,
        check=_alb_setting(
            "enableDeletionProtection",
            "set loadBalancer.deletionProtection: true in the stack config",
            "one API call deletes the environment's front door",
        ),
        severity=Severity.MEDIUM,
    ),
    resource_policy(
        name="alb-drop-invalid-headers",
        question="extras",
        description="Application Load Balancers drop invalid HTTP header fields",
        types=LOAD_BALANCERS,
        check=_alb_setting(
            "dropInvalidHeaderFields",
            "set drop_invalid_header_fields=True (LoadBalancerArgs does by default)",
            "malformed headers reach the services (request smuggling)",
        ),
    ),
    resource_policy(
        name="kms-key-rotation",
        question="extras",
        description="Customer-managed symmetric KMS keys rotate their key material",
        types=[KMS_KEY],
        check=_rotates,
    ),
]
