"""Question 3 over identity-based documents: what a role, user, group or policy lets its holder do.

Every rule judges the model (iam_grants.py): actions as IAM matches them, each on the reach of the
resources it can touch, after the Denies that provably take it away. None reads the literal string "*".
Catalogues: cloudsplaining's privilege-escalation methods (which gather Rhino Security Labs' list and
BishopFox's iam-vulnerable paths) and actions that return credentials or data, plus the paths below that
these lists lack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from cloudsplaining.shared.constants import (
    ACTIONS_THAT_RETURN_CREDENTIALS,
    PRIVILEGE_ESCALATION_METHODS,
    READ_ONLY_DATA_EXFILTRATION_ACTIONS,
)

from review_board.framework import Finding, Resource, Violation, for_each
from review_board.iam_actions import ACTIONS, ONLY_ON_EVERYTHING, covers_name, named, whole_services
from review_board.iam_arns import Reach
from review_board.iam_carriers import identity_documents
from review_board.iam_grants import (
    Grant,
    covering_denials,
    everything_on_everything,
    grants,
    unscoped,
    widest,
)
from review_board.iam_statements import Document, Statement

PASS_ROLE = "iam:passrole"
# Permissions-management actions that give the caller nothing it does not have: a service-linked role's
# permissions and trust are AWS's, and ChangePassword changes only the caller's own password.
NOT_REWRITES = frozenset({"iam:createservicelinkedrole", "iam:deleteservicelinkedrole", "iam:changepassword"})
# Rewriting any IAM policy, principal or credential grants whatever the writer wants: judged at any reach.
IAM_REWRITES = frozenset(
    a for a, info in ACTIONS.items() if a.startswith("iam:") and info.access_level == "Permissions management"
) - {PASS_ROLE} - NOT_REWRITES | {
    m[0] for m in PRIVILEGE_ESCALATION_METHODS.values() if len(m) == 1 and m[0].startswith("iam:")
}
# A user's own credentials (AWS's self-service examples, on `user/${aws:username}`): managing them gives
# the user nothing more. Writing the user's own policies does, and stays a rewrite.
OWN_CREDENTIALS = re.compile(
    r"iam:(?:(?:create|delete|update|upload|reset|enable|resync|deactivate)"
    r"(?:accesskey|loginprofile|sshpublickey|servicespecificcredential|mfadevice|virtualmfadevice"
    r"|signingcertificate)|changepassword)"
)
ESCALATION_METHODS: dict[str, tuple[str, ...]] = {
    **{name: tuple(actions) for name, actions in PRIVILEGE_ESCALATION_METHODS.items()},
    # BishopFox iam-vulnerable privesc-assumerole / Rhino: assume any role in the account.
    "AssumeAnyRole": ("sts:assumerole",),
    # Rhino Security Labs #15: a new launch configuration with any instance profile.
    "PassExistingRoleToNewAutoScalingLaunchConfiguration": (
        PASS_ROLE,
        "autoscaling:createlaunchconfiguration",
        "autoscaling:createautoscalinggroup",
    ),
    # The ECS path: a new task definition revision with any role, rolled out by updating a service.
    "PassExistingRoleToUpdatedECSService": (PASS_ROLE, "ecs:registertaskdefinition", "ecs:updateservice"),
    # Lambda layers run in the function with its role (pathfinding.cloud lambda-004).
    "UpdateLambdaConfigurationWithLayer": ("lambda:updatefunctionconfiguration", "lambda:invokefunction"),
    # BishopFox iam-vulnerable privesc-cloudFormationUpdateStack: a stack runs with its service role.
    "UpdateExistingCloudFormationStack": ("cloudformation:updatestack",),
    # BishopFox privesc3's AssociateIamInstanceProfile: any instance profile on a running instance.
    "PassExistingRoleToRunningEC2Instance": (PASS_ROLE, "ec2:associateiaminstanceprofile"),
    "ReplaceRoleOfRunningEC2Instance": (PASS_ROLE, "ec2:replaceiaminstanceprofileassociation"),
    # ECS RunTask and StartTask overrides take a taskRoleArn: any role for an existing task definition.
    "PassExistingRoleToECSTaskOverride": (PASS_ROLE, "ecs:runtask"),
    "PassExistingRoleToECSStartTaskOverride": (PASS_ROLE, "ecs:starttask"),
    # A new launch template with any instance profile, launched by an Auto Scaling group.
    "PassExistingRoleToNewLaunchTemplate": (
        PASS_ROLE,
        "ec2:createlaunchtemplate",
        "autoscaling:createautoscalinggroup",
    ),
    # AWS Batch runs a new job definition's container with any job role.
    "PassExistingRoleToNewBatchJob": (PASS_ROLE, "batch:registerjobdefinition", "batch:submitjob"),
    # Step Functions calls AWS APIs with the state machine's role.
    "PassExistingRoleToNewStateMachine": (PASS_ROLE, "states:createstatemachine", "states:startexecution"),
    # CodeBuild: an existing project's role runs the build spec the caller gives or edits.
    "StartExistingCodeBuildProjectWithBuildspecOverride": ("codebuild:startbuild",),
    "UpdateExistingCodeBuildProjectThenBuild": ("codebuild:updateproject", "codebuild:startbuild"),
    # Rhino Security Labs #21: a pipeline definition runs commands with the pipeline's resource role.
    "PassExistingRoleToNewDataPipelineDefinition": (
        PASS_ROLE,
        "datapipeline:createpipeline",
        "datapipeline:putpipelinedefinition",
    ),
}
ESCALATION_ACTIONS = frozenset(a for actions in ESCALATION_METHODS.values() for a in actions) | {PASS_ROLE}
CREDENTIAL_ACTIONS = frozenset(
    a.lower()
    for a in (
        *ACTIONS_THAT_RETURN_CREDENTIALS,
        *READ_ONLY_DATA_EXFILTRATION_ACTIONS,
        "kms:Decrypt",
        "s3:GetObjectVersion",
        "secretsmanager:BatchGetSecretValue",
        "ssm:GetParameterHistory",
    )
)
# A shell on a host or in a container: judged on the hosts and tasks they reach, not their documents.
SHELL_ACTIONS = frozenset(
    {
        "ssm:sendcommand",
        # An association runs its document (AWS-RunShellScript) on the instances it targets, as SendCommand.
        "ssm:createassociation",
        "ssm:createassociationbatch",
        "ssm:updateassociation",
        "ssm:startsession",
        "ssm:resumesession",
        "ecs:executecommand",
        "ec2-instance-connect:sendsshpublickey",
        "ec2-instance-connect:sendserialconsolesshpublickey",
        "ec2-instance-connect:opentunnel",
        "ssm-guiconnect:startconnection",
    }
)
HOSTS = frozenset(
    {"instance", "managed-instance", "task", "cluster", "container-instance", "instance-connect-endpoint"}
)


def _shown(actions: Iterable[str], limit: int = 8) -> str:
    names = sorted({named(a) for a in actions})
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _exempt(config: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(a.lower() for a in config.get("allowedUnscopedActions", []))


def _by_reach(found: Iterable[Grant]) -> list[tuple[str, list[Grant]]]:
    """Grants grouped by the words of their widest reach, widest first."""
    groups: dict[str, list[Grant]] = {}
    for grant in sorted(found, key=lambda g: -g.reach):
        groups.setdefault(widest(grant.patterns), []).append(grant)
    return list(groups.items())


# A name no AWS action has: the actions a service has yet to add, which a wildcard grants in advance.
FUTURE_ACTION = "\x00"


def _whole_services(doc: Document, statement: Statement) -> tuple[str, ...]:
    """The services a statement grants by wildcard, every action of them, including those AWS has yet to
    add. A Deny that takes only some (s3:Delete*) leaves the wildcard open; one that takes the whole service,
    or leaves only named actions (NotAction s3:GetObject), closes it."""
    services = whole_services(statement.actions, statement.not_action)
    if not services or not statement.granted & doc.denied_actions:
        return services
    denials = covering_denials(doc, statement)
    key = ("open wildcards", id(statement.granted), tuple(id(d) for d in denials))
    if key not in doc.memo:
        doc.memo[key] = tuple(s for s in services if not _denied_future(s, denials))
    return doc.memo[key]


def _denied_future(service: str, denials: Iterable[Statement]) -> bool:
    future = f"{service}:{FUTURE_ACTION}"
    return any(covers_name(d.actions, d.not_action, future) for d in denials)


@for_each(identity_documents)
def wildcard_actions(resource: Resource, doc: Document, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for statement in doc.allows:
        services = _whole_services(doc, statement)
        if not services:
            continue
        if statement.not_action:
            wild = [f"NotAction {list(statement.actions)}"]
        else:
            wild = [p for p in statement.actions if whole_services((p,), False)]
        scope = (
            "every action of every service"
            if len(services) > 50
            else f"every action of {', '.join(services)}"
        )
        yield Violation(
            f"{doc.where} allows the wildcard action(s) {wild} in {statement.label}: {scope}. "
            "Fix: list the specific actions the resource needs."
        )


@for_each(identity_documents)
def not_action(resource: Resource, doc: Document, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for statement in doc.allows:
        if statement.not_action or statement.not_resource:
            used = "NotAction" if statement.not_action else "NotResource"
            values = statement.actions if statement.not_action else statement.resources
            yield Violation(
                f"{doc.where} uses {used} {list(values)} with Allow in {statement.label}, which grants "
                "everything else. Fix: allow the needed actions on the needed resources explicitly."
            )


def _everything(doc: Document, which: str) -> Violation | None:
    """The one violation a `*`-on-`*` grant gets from a rule, instead of one per action it covers."""
    total = everything_on_everything(doc)
    if not total:
        return None
    return Violation(
        f"{doc.where} allows Action '*' on Resource '*' in {total[0].label}: every action on every resource, "
        f"{which}. Fix: grant only the actions the resource needs, on the ARNs it uses."
    )


@for_each(identity_documents)
def resources_scoped(resource: Resource, doc: Document, config: Mapping[str, Any]) -> Iterator[Finding]:
    total = everything_on_everything(doc)
    everything = _everything(doc, "none of them scoped")
    if everything:
        yield everything
    exempt = _exempt(config)
    found = [g for g in unscoped(doc, skip=total) if g.action not in exempt]
    for words, group in _by_reach(found):
        yield Violation(
            f"{doc.where} allows {_shown(g.action for g in group)} on {words}, though these actions support "
            "resource-level permissions. Fix: set Resource to the ARNs of the repositories, log groups etc. "
            "it uses."
        )


def _reach_by_action(doc: Document, actions: frozenset[str]) -> dict[str, Reach]:
    """The widest reach each action of `actions` is allowed at; one with no resource type counts as `*`."""
    reach = {action: Reach.EVERYTHING for _, action in doc.allowing(actions & ONLY_ON_EVERYTHING)}
    for grant in grants(doc, actions):
        reach[grant.action] = max(reach.get(grant.action, Reach.ONE), grant.reach)
    return reach


def _denied_everything(doc: Document) -> bool:
    return not doc.allows


def _rewrites(doc: Document) -> list[Grant]:
    """IAM rewrites at any reach, but for AWS's own policies (nobody can change them) and a user's own
    credentials."""
    found = []
    for grant in grants(doc, IAM_REWRITES):
        own = OWN_CREDENTIALS.fullmatch(grant.action) is not None
        patterns = tuple(p for p in grant.patterns if not p.aws_owned and not (own and p.caller_itself))
        if patterns:
            found.append(Grant(grant.action, grant.reach, patterns, grant.statement))
    return found


@for_each(identity_documents)
def privilege_escalation(resource: Resource, doc: Document, _config: Mapping[str, Any]) -> Iterator[Finding]:
    everything = _everything(doc, "which includes iam:PassRole and iam:Put*Policy")
    if everything:
        yield everything
        return
    if _denied_everything(doc):
        return
    rewrites = _rewrites(doc)
    if rewrites:
        yield Violation(
            f"{doc.where} allows IAM permissions management ({_shown((g.action for g in rewrites), 12)}) on "
            f"{widest(p for g in rewrites for p in g.patterns)}; it could grant itself more. "
            "Fix: remove these actions; permissions change only through reviewed code."
        )
    passing = list(grants(doc, frozenset({PASS_ROLE}), floor=Reach.TYPE))
    if passing:
        yield Violation(
            f"{doc.where} allows iam:PassRole on {widest(p for g in passing for p in g.patterns)} "
            f"({passing[0].statement.label}): it can hand any of those roles to a service it controls. "
            "Fix: scope it to the ARNs of the roles it must pass, with an iam:PassedToService condition."
        )
    reach = _reach_by_action(doc, ESCALATION_ACTIONS)
    methods = []
    for method, actions in ESCALATION_METHODS.items():
        if any(a in IAM_REWRITES for a in actions):
            continue  # reported above, at any reach
        if PASS_ROLE in actions:
            present = reach.get(PASS_ROLE, Reach.ONE) >= Reach.TYPE and all(a in reach for a in actions)
        else:
            present = all(reach.get(a, Reach.ONE) >= Reach.TYPE and a in reach for a in actions)
        if present:
            methods.append(method)
    if methods:
        yield Violation(
            f"{doc.where} allows known privilege-escalation paths {sorted(methods)} at account-wide reach or "
            "wider. Fix: remove or scope the actions involved to named resources."
        )


@for_each(identity_documents)
def credential_exposure(resource: Resource, doc: Document, config: Mapping[str, Any]) -> Iterator[Finding]:
    everything = _everything(doc, "including every action that returns credentials or secrets")
    if everything:
        yield everything
        return
    exempt = _exempt(config)
    found = list(grants(doc, CREDENTIAL_ACTIONS - exempt, floor=Reach.TYPE))
    for words, group in _by_reach(found):
        yield Violation(
            f"{doc.where} allows {_shown(g.action for g in group)} on {words}, exposing credentials or data "
            "of every one of them. Fix: scope them to the secrets, parameters, keys or buckets the resource "
            "reads."
        )


@for_each(identity_documents)
def shell_access(resource: Resource, doc: Document, _config: Mapping[str, Any]) -> Iterator[Finding]:
    found = list(grants(doc, SHELL_ACTIONS, HOSTS, floor=Reach.PREFIX))
    for words, group in _by_reach(found):
        yield Violation(
            f"{doc.where} allows {_shown(g.action for g in group)} on {words}: a shell on every host or task "
            "it matches. Fix: name the instances, clusters or tasks, or drop the action."
        )
