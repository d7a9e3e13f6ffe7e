"""Question 3 over identity-based documents: one table per rule, each case citing where it comes from.

Sources: AWS IAM User Guide (reference_policies_elements_action, _resource, _notaction, "Policy evaluation
logic"), Rhino Security Labs' "AWS IAM Privilege Escalation - Methods and Mitigation" (methods numbered as
there), BishopFox iam-vulnerable (its privesc paths), cloudsplaining's escalation and exposure catalogues,
and the program's own documents (components/iam_documents.py).
"""

from __future__ import annotations

import json

import pytest

from components.iam_documents import (
    ec2_trust_policy,
    instance_role_policy,
    service_trust_policy,
    task_role_policy,
)
from tests.policies.helpers import assert_verdict, resource
from tests.policies.iam_cases import (
    ACCOUNT,
    POLICY,
    REPO_ARN,
    allow,
    deny,
    doc,
    ids,
    role,
    role_policy,
)

ROLES = f"arn:aws:iam::{ACCOUNT}:role/*"
SECRETS = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:*"
LOG_STREAMS = f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/ecs/hello-world:log-stream:*"
EXECUTION = doc(
    allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], REPO_ARN),
    allow("ecr:GetAuthorizationToken"),
    allow(["logs:CreateLogStream", "logs:PutLogEvents"], LOG_STREAMS),
)
AWS_ACTION_DOC = (
    "AWS IAM User Guide, reference_policies_elements_action (case-insensitive, * and ? wildcards)"
)
AWS_RESOURCE_DOC = "AWS IAM User Guide, reference_policies_elements_resource (wildcards per ARN segment)"
AWS_EVALUATION = "AWS IAM User Guide, reference_policies_evaluation-logic (an explicit Deny overrides)"
PROGRAM = "components/iam_documents.py execution_role_policy (ECS task execution role, AWS ECS docs)"
RHINO = "Rhino Security Labs, AWS IAM privilege escalation methods"
BISHOPFOX = "BishopFox iam-vulnerable"
CLOUDSPLAINING = "salesforce/cloudsplaining, shared/constants.py PRIVILEGE_ESCALATION_METHODS"


WILDCARD_ACTIONS = [
    (PROGRAM, role_policy("execution", EXECUTION), None),
    (AWS_ACTION_DOC, role_policy("star", doc(allow("*"))), "wildcard action(s) ['*']"),
    (AWS_ACTION_DOC, role_policy("service", doc(allow("s3:*", "arn:aws:s3:::b/*"))), "['s3:*']"),
    (AWS_ACTION_DOC, role_policy("upper-case", doc(allow("S3:*", "arn:aws:s3:::b/*"))), "['S3:*']"),
    (AWS_ACTION_DOC, role_policy("star-colon-star", doc(allow("*:*"))), "every action of every service"),
    (AWS_ACTION_DOC, role_policy("question-marks", doc(allow("sq?:*", "*"))), "every action of sqs"),
    (AWS_ACTION_DOC, role("inline", inline=(("admin", doc(allow("ec2:*"))),)), "inline policy 'admin'"),
    (AWS_ACTION_DOC, role_policy("deny-star", doc(deny("*"))), None),
    (AWS_ACTION_DOC, role_policy("get-star", doc(allow("s3:Get*", "arn:aws:s3:::b/*"))), None),
    (
        "AWS IAM User Guide, reference_policies_elements_notaction (Allow with NotAction grants the rest)",
        role_policy("not-iam", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
        "every action of",
    ),
]

NOT_ACTION = [
    (
        "pulumi-aws iam.Role inlinePolicies: an empty block (no name, no policy) removes inline policies",
        resource("aws:iam/role:Role", "no-inline", {"inlinePolicies": [{}, {"name": "", "policy": ""}]}),
        None,
    ),
    (PROGRAM, role_policy("execution", EXECUTION), None),
    (
        "AWS IAM User Guide, reference_policies_elements_notaction",
        role_policy("not-action", doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
        "NotAction ['iam:*']",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_notresource",
        role_policy(
            "not-resource",
            doc({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::x/*"}),
        ),
        "NotResource",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_notaction (Deny with NotAction: MFA example)",
        role_policy("deny-not-action", doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})),
        None,
    ),
]

RESOURCES_SCOPED = [
    (PROGRAM, role_policy("execution", EXECUTION), None),
    (
        "components/iam_documents.py instance_role_policy: ecs:DiscoverPollEndpoint has no resource type",
        role_policy("discover", doc(allow("ecs:DiscoverPollEndpoint"))),
        None,
    ),
    (AWS_RESOURCE_DOC, role_policy("logs-star", doc(allow("logs:PutLogEvents"))), "logs:PutLogEvents"),
    (AWS_RESOURCE_DOC, role_policy("star-star", doc(allow("*"))), "Action '*' on Resource '*'"),
    (AWS_RESOURCE_DOC, role_policy("ecr-star", doc(allow("ecr:*"))), "ecr:BatchGetImage"),
    (
        AWS_RESOURCE_DOC,
        resource(POLICY, "object-doc", {"policy": doc(allow("s3:GetObject"))}),
        "s3:GetObject",
    ),
    (AWS_RESOURCE_DOC, role_policy("every-role", doc(allow("iam:GetRole", ROLES))), "every role in account"),
    (
        AWS_RESOURCE_DOC,
        role_policy("every-queue", doc(allow("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:*"))),
        "every queue in account",
    ),
    (
        AWS_RESOURCE_DOC,
        role_policy("any-account", doc(allow("sqs:SendMessage", "arn:aws:sqs:eu-west-1:*:jobs"))),
        "in any account",
    ),
    (
        AWS_RESOURCE_DOC,
        role_policy("every-iam", doc(allow("iam:GetRole", f"arn:aws:iam::{ACCOUNT}:*"))),
        "every iam resource in account",
    ),
    (
        AWS_RESOURCE_DOC,
        role_policy("prefix", doc(allow("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs-*"))),
        None,
    ),
    (AWS_RESOURCE_DOC, role_policy("bucket-objects", doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))), None),
    (
        AWS_EVALUATION,
        role_policy("denied", doc(allow("logs:PutLogEvents"), deny("logs:PutLogEvents"))),
        None,
    ),
    (
        AWS_EVALUATION + "; a conditional Deny may not apply",
        role_policy(
            "conditional-deny",
            doc(
                allow("logs:PutLogEvents"),
                deny("logs:*", Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}),
            ),
        ),
        "logs:PutLogEvents",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_condition: a condition does not change Resource",
        role_policy(
            "conditional-allow",
            doc(
                allow(
                    "secretsmanager:DescribeSecret",
                    SECRETS,
                    Condition={"Bool": {"aws:SecureTransport": "true"}},
                )
            ),
        ),
        "every secret in account",
    ),
]

PRIVILEGE_ESCALATION = [
    (PROGRAM, role_policy("execution", EXECUTION), None),
    (
        f"{RHINO} #3 iam:PassRole with a service",
        role_policy("passrole", doc(allow("iam:PassRole"))),
        "iam:PassRole",
    ),
    (
        f"{BISHOPFOX} privesc-passrole: PassRole on every role of the account",
        role_policy("passrole-roles", doc(allow("iam:PassRole", ROLES))),
        "every role in account",
    ),
    (AWS_ACTION_DOC, role_policy("passrole-glob", doc(allow("IAM:PassRol?"))), "iam:PassRole"),
    (AWS_ACTION_DOC, role_policy("iam-star-get", doc(allow("iam:Pass*", ROLES))), "iam:PassRole"),
    (
        "AWS IAM User Guide, id_roles_use_passrole: PassRole scoped to the one role ECS runs",
        role_policy("scoped-passrole", doc(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/web-task"))),
        None,
    ),
    (
        "AWS IAM User Guide, id_roles_use_passrole: a path prefix names the roles the service may get",
        role_policy("passrole-path", doc(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/ecs-tasks/*"))),
        None,
    ),
    (
        f"{AWS_RESOURCE_DOC}: PassRole on user ARNs passes no role",
        role_policy("passrole-users", doc(allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:user/*"))),
        None,
    ),
    (
        f"{RHINO} #10 iam:PutRolePolicy",
        role_policy("put-policy", doc(allow("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/web-task"))),
        "iam:PutRolePolicy",
    ),
    (
        f"{RHINO} #1 iam:CreatePolicyVersion",
        role_policy("new-version", doc(allow("iam:CreatePolicyVersion"))),
        "iam:CreatePolicyVersion",
    ),
    (
        f"{RHINO} #4 iam:CreateAccessKey",
        role_policy("access-key", doc(allow("iam:CreateAccessKey"))),
        "iam:CreateAccessKey",
    ),
    (
        f"{RHINO} #7 iam:AttachUserPolicy",
        role_policy("attach-user", doc(allow("iam:AttachUserPolicy"))),
        "iam:AttachUserPolicy",
    ),
    (
        f"{RHINO} #13 iam:AddUserToGroup",
        role_policy("add-to-group", doc(allow("iam:AddUserToGroup"))),
        "iam:AddUserToGroup",
    ),
    (
        f"{RHINO} #14 iam:UpdateAssumeRolePolicy + sts:AssumeRole",
        role_policy("update-trust", doc(allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"]))),
        "iam:UpdateAssumeRolePolicy",
    ),
    (
        f"{AWS_ACTION_DOC}; {RHINO} #10",
        role_policy("put-star", doc(allow("iam:Put*Policy", ROLES))),
        "iam:PutRolePolicy",
    ),
    (AWS_RESOURCE_DOC, role_policy("star-star", doc(allow("*"))), "includes iam:PassRole"),
    (
        f"{RHINO} #17 PassRole + lambda:CreateFunction + lambda:InvokeFunction",
        role_policy(
            "lambda-combo", doc(allow(["lambda:CreateFunction", "lambda:InvokeFunction", "iam:PassRole"]))
        ),
        "PassExistingRoleToNewLambdaThenInvoke",
    ),
    (
        f"{CLOUDSPLAINING} PassExistingRoleToNewECSTaskViaRunTask (the ECS path)",
        role_policy(
            "ecs-run-task",
            doc(allow(["ecs:RunTask", "ecs:RegisterTaskDefinition"]), allow("iam:PassRole", ROLES)),
        ),
        "PassExistingRoleToNewECSTaskViaRunTask",
    ),
    (
        f"{RHINO} #5 PassRole + ec2:RunInstances",
        role_policy("ec2-run", doc(allow("ec2:RunInstances"), allow("iam:PassRole", ROLES))),
        "CreateEC2WithExistingIP",
    ),
    (
        f"{RHINO} #18 lambda:UpdateFunctionCode on every function",
        role_policy(
            "update-code",
            doc(allow("lambda:UpdateFunctionCode", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:*")),
        ),
        "EditExistingLambdaFunctionWithRole",
    ),
    (
        f"{RHINO} #18, scoped: updating the code of the one function the pipeline deploys",
        role_policy(
            "update-own-code",
            doc(allow("lambda:UpdateFunctionCode", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:hello")),
        ),
        None,
    ),
    (
        f"{BISHOPFOX} privesc-sageMakerCreatePresignedNotebookURL",
        role_policy("notebook-url", doc(allow("sagemaker:CreatePresignedNotebookInstanceUrl"))),
        "CreatePresignedSageMakerNotebookUrl",
    ),
    (
        f"{BISHOPFOX} privesc-assumerole: sts:AssumeRole on every role",
        role_policy("assume-any", doc(allow("sts:AssumeRole", ROLES))),
        "AssumeAnyRole",
    ),
    (
        f"{RHINO} #20 PassRole + glue:CreateDevEndpoint",
        role_policy("glue", doc(allow(["glue:CreateDevEndpoint", "iam:PassRole"]))),
        "PassExistingRoleToNewGlueDevEndpoint",
    ),
    (
        f"{RHINO} #16 PassRole + cloudformation:CreateStack",
        role_policy("cfn", doc(allow(["cloudformation:CreateStack", "iam:PassRole"]))),
        "PassExistingRoleToCloudFormation",
    ),
    (
        f"{AWS_EVALUATION}: PassRole allowed and denied on the same roles",
        role_policy("passrole-denied", doc(allow("iam:PassRole", ROLES), deny("iam:PassRole", ROLES))),
        None,
    ),
    (
        f"{AWS_EVALUATION}: a Deny of other roles leaves role/* allowed",
        role_policy(
            "passrole-partly-denied",
            doc(allow("iam:PassRole", ROLES), deny("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/admin")),
        ),
        "every role in account",
    ),
    (
        "AWS IAM User Guide, id_roles_use_passrole: iam:PassedToService does not limit which role",
        role_policy(
            "passed-to-ecs",
            doc(
                allow(
                    "iam:PassRole",
                    ROLES,
                    Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
                )
            ),
        ),
        "every role in account",
    ),
]

CREDENTIAL_EXPOSURE = [
    (PROGRAM, role_policy("execution", EXECUTION), None),
    (
        "cloudsplaining READ_ONLY_DATA_EXFILTRATION_ACTIONS",
        role_policy("secrets", doc(allow("secretsmanager:GetSecretValue"))),
        "secretsmanager:GetSecretValue",
    ),
    (
        "AWS Secrets Manager User Guide, auth-and-access_examples: a secret ARN with a wildcard suffix",
        role_policy("every-secret", doc(allow("secretsmanager:GetSecretValue", SECRETS))),
        "every secret in account",
    ),
    (
        "AWS Secrets Manager User Guide, auth-and-access_examples: one secret",
        role_policy(
            "scoped-secret",
            doc(
                allow(
                    "secretsmanager:GetSecretValue",
                    f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:app-AbCdEf",
                )
            ),
        ),
        None,
    ),
    (
        "AWS Secrets Manager User Guide: a name prefix and the random suffix (app/*)",
        role_policy(
            "secret-prefix",
            doc(
                allow(
                    "secretsmanager:GetSecretValue",
                    f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:app/*",
                )
            ),
        ),
        None,
    ),
    (
        "AWS S3 User Guide, example-policies-s3: every object of every bucket",
        role_policy("all-objects", doc(allow("s3:GetObject", "arn:aws:s3:::*/*"))),
        "any account",
    ),
    (
        AWS_ACTION_DOC,
        role_policy("get-star", doc(allow("S3:Get*", "arn:aws:s3:::*"))),
        "s3:GetObject",
    ),
    (
        "AWS Systems Manager User Guide, sysman-paramstore-access: every parameter",
        role_policy(
            "parameters", doc(allow("ssm:GetParameters", f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/*"))
        ),
        "every parameter in account",
    ),
    (
        "AWS Systems Manager User Guide, sysman-paramstore-access: a parameter hierarchy",
        role_policy(
            "parameter-path",
            doc(allow("ssm:GetParameters", f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/app/*")),
        ),
        None,
    ),
    (
        "AWS KMS Developer Guide, iam-policies: kms:Decrypt on every key in every region",
        role_policy("every-key", doc(allow("kms:Decrypt", f"arn:aws:kms:*:{ACCOUNT}:key/*"))),
        "every key in account",
    ),
    (AWS_RESOURCE_DOC, role_policy("star-star", doc(allow("*"))), "every action that returns"),
    (
        "components/iam_documents.py: ecr:GetAuthorizationToken has no resource type (ECR API reference)",
        role_policy("login", doc(allow("ecr:GetAuthorizationToken"))),
        None,
    ),
]

SHELL_ACCESS = [
    (PROGRAM, role_policy("execution", EXECUTION), None),
    (
        f"{BISHOPFOX} privesc-ssmSendCommand",
        role_policy("send-command", doc(allow("ssm:SendCommand"))),
        "ssm:SendCommand",
    ),
    (
        f"{BISHOPFOX} privesc-ssmStartSession",
        role_policy("start-session", doc(allow("ssm:StartSession"))),
        "ssm:StartSession",
    ),
    (
        f"{CLOUDSPLAINING} ECSExecuteCommandOnRunningTask",
        role_policy("ecs-exec", doc(allow("ecs:ExecuteCommand", f"arn:aws:ecs:eu-west-1:{ACCOUNT}:task/*"))),
        "ecs:ExecuteCommand",
    ),
    (
        "AWS Systems Manager User Guide, getting-started-restrict-access-examples: instances by wildcard",
        role_policy(
            "session-instances",
            doc(
                allow(
                    "ssm:StartSession",
                    [
                        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/*",
                        "arn:aws:ssm:eu-west-1::document/AWS-StartSSHSession",
                    ],
                )
            ),
        ),
        "every instance in account",
    ),
    (
        "AWS Systems Manager User Guide, getting-started-restrict-access-examples: one named instance",
        role_policy(
            "session-one",
            doc(
                allow(
                    "ssm:StartSession",
                    [
                        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0123456789abcdef0",
                        "arn:aws:ssm:*:*:document/*",
                    ],
                )
            ),
        ),
        None,
    ),
    (
        f"{CLOUDSPLAINING} EC2InstanceConnectSendSSHPublicKey",
        role_policy("instance-connect", doc(allow("ec2-instance-connect:SendSSHPublicKey"))),
        "ec2-instance-connect:SendSSHPublicKey",
    ),
    (AWS_ACTION_DOC, role_policy("glob", doc(allow("SSM:Send*"))), "ssm:SendCommand"),
]


def _table(name: str, cases: list[tuple]) -> list:
    return [
        pytest.param(name, res, expected, id=f"{case_id} ({source[:40]})")
        for (source, res, expected), case_id in zip(cases, ids(cases), strict=True)
    ]


ALL_CASES = [
    *_table("iam-no-wildcard-actions", WILDCARD_ACTIONS),
    *_table("iam-no-not-action-allow", NOT_ACTION),
    *_table("iam-resources-scoped", RESOURCES_SCOPED),
    *_table("iam-no-privilege-escalation", PRIVILEGE_ESCALATION),
    *_table("iam-no-credential-exposure", CREDENTIAL_EXPOSURE),
    *_table("iam-no-shell-access", SHELL_ACCESS),
]


@pytest.mark.parametrize(("policy", "res", "expected"), ALL_CASES)
def test_identity_documents_are_judged_on_what_they_reach(pack, policy, res, expected):
    assert_verdict(pack, res, policy, expected)


def test_documents_given_as_objects_are_read_like_strings(pack):
    assert_verdict(
        pack, role_policy("object", doc(allow("*")), as_string=False), "iam-no-wildcard-actions", "['*']"
    )


def test_unscoped_exemptions_are_configurable(pack):
    pack.configure({"iam-resources-scoped": {"allowedUnscopedActions": ["logs:PutLogEvents"]}})
    assert (
        pack.violations(role_policy("logs-star", doc(allow("logs:PutLogEvents"))), "iam-resources-scoped")
        == []
    )


def test_a_thousand_statement_document_is_judged(pack):
    """The size AWS's largest policies approach: judged in full, the one bad statement found."""
    statements = [allow("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:queue-{i}") for i in range(999)]
    big = role_policy("big", doc(*statements, allow("iam:PassRole", ROLES)))
    assert_verdict(pack, big, "iam-no-privilege-escalation", "statement 1000")


PROGRAM_DOCUMENTS = [
    pytest.param(
        role_policy("instance-agent", instance_role_policy(f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/prod")),
        id="instance role",
    ),
    pytest.param(role_policy("execution", EXECUTION), id="execution role"),
    pytest.param(
        role_policy("task", task_role_policy([(["s3:GetObject"], ["arn:aws:s3:::reports/*"])])),
        id="task role grant",
    ),
    pytest.param(
        role("tasks-role", trust=json.loads(service_trust_policy("ecs-tasks.amazonaws.com", ACCOUNT))),
        id="task trust",
    ),
    pytest.param(role("ec2-role", trust=json.loads(ec2_trust_policy())), id="instance trust"),
]


@pytest.mark.parametrize("res", PROGRAM_DOCUMENTS)
def test_the_program_own_documents_pass_every_iam_rule(pack, res):
    """components/iam_documents.py: ecr:GetAuthorizationToken and ecs:DiscoverPollEndpoint on '*' are what
    AWS requires (they have no resource type); a false positive here would count as much as a miss."""
    flagged = [d for d in pack.analyze(res).diagnostics if d.policy_name.startswith("iam-")]
    assert flagged == [], [d.message for d in flagged]
