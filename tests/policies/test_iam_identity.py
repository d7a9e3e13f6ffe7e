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
OWN_USER = "arn:aws:iam::*:user/${aws:username}"


def _token_issued(operator: str) -> dict:
    """BishopFox's tool-testing condition: the session's token issued before or after 2020-01-01."""
    return {operator: {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}


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
    (
        f"{BISHOPFOX} tool-testing fp1-allow-and-deny-same-policy: iam:* allowed and denied",
        role_policy("fp1-allow-deny", doc(allow("iam:*"), deny("iam:*"))),
        None,
    ),
    (
        "checkov CKV_AWS_49 / CKV_AWS_63 (StarActionPolicyDocument): Action ['*'] as a list",
        role_policy("star-list", doc(allow(["*"], ["*"]))),
        "wildcard action(s) ['*']",
    ),
    (
        f"{AWS_EVALUATION}: a Deny of iam:* leaves every other service wildcarded",
        role_policy("star-but-iam", doc(allow("*"), deny("iam:*"))),
        "every action of",
    ),
    (AWS_ACTION_DOC, role_policy("upper-iam", doc(allow("IAM:*", ROLES))), "['IAM:*']"),
    (
        f"{AWS_EVALUATION}: a Deny of s3:Delete* leaves s3:* open to every other s3 action, and new ones",
        role_policy("s3-but-delete", doc(allow("s3:*", "arn:aws:s3:::b/*"), deny("s3:Delete*"))),
        "every action of s3",
    ),
    (
        f"{AWS_EVALUATION}: Deny NotAction leaves only s3:GetObject, which is no wildcard",
        role_policy(
            "deny-not-get",
            doc(allow("*"), {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}),
        ),
        None,
    ),
    (
        "checkov CKV_AWS_355 fixture (example_IAMStarResourcePolicyDocument): ec2:Describe* is no service",
        role_policy("describe", doc(allow("ec2:Describe*", "arn:aws:ec2:us-east-1:123456789012:instance/*"))),
        None,
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
    (
        f"{BISHOPFOX} tool-testing fn4-ExploitableNotAction",
        role_policy(
            "fn4-not-action",
            doc(
                {
                    "Effect": "Allow",
                    "NotAction": ["iam:Update*", "iam:Create*", "iam:Attach*"],
                    "Resource": "*",
                }
            ),
        ),
        "NotAction ['iam:Update*', 'iam:Create*', 'iam:Attach*']",
    ),
    (
        "AWS IAM User Guide, reference_policies_elements_notresource: NotResource with Deny narrows",
        role_policy(
            "deny-not-resource",
            doc(
                allow("s3:GetObject", "arn:aws:s3:::reports/*"),
                {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::reports/*"]},
            ),
        ),
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
    (
        "checkov CKV_AWS_355 fixture (example_IAMStarResourcePolicyDocument) 'fail': ec2:Describe* on '*'",
        role_policy("describe-star", doc(allow("ec2:Describe*"))),
        "ec2:Describe",
    ),
    (
        "checkov CKV_AWS_355 fixture 'pass_unrestrictable': s3:ListAllMyBuckets takes only '*'",
        role_policy("list-buckets", doc(allow("s3:ListAllMyBuckets"))),
        None,
    ),
    (
        "checkov CKV_AWS_290 fixture (example_IAMWriteAccess) 'unrestrictable': X-Ray takes only '*'",
        role_policy("xray", doc(allow(["xray:PutTelemetryRecords", "xray:PutTraceSegments"]))),
        None,
    ),
    (
        "checkov CKV_AWS_290 fixture (example_IAMWriteAccess) 'fail': s3:* on '*'",
        role_policy("s3-star-star", doc(allow("s3:*"))),
        "s3:AbortMultipartUpload",
    ),
    (
        "AWS IAM User Guide, using-service-linked-roles: create one named service-linked role",
        role_policy(
            "service-linked",
            doc(
                allow(
                    "iam:CreateServiceLinkedRole",
                    "arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS*",
                    Condition={"StringLike": {"iam:AWSServiceName": "ecs.amazonaws.com"}},
                )
            ),
        ),
        None,
    ),
    (
        "AWS IAM User Guide, reference_policies_examples_aws_my-sec-creds-self-manage: own access keys",
        role_policy("own-keys", doc(allow(["iam:CreateAccessKey", "iam:UpdateAccessKey"], OWN_USER))),
        None,
    ),
    (
        f"{AWS_RESOURCE_DOC}: an account wildcard on IAM ARNs still reaches every role of the account",
        role_policy("any-account-roles", doc(allow("iam:GetRole", "arn:aws:iam::*:role/*"))),
        "arn:aws:iam::*:role/*",
    ),
    (
        f"{AWS_EVALUATION}: Allow '*' with Deny NotAction s3:GetObject grants s3:GetObject on '*'",
        role_policy(
            "star-denied-but-get",
            doc(allow("*"), {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}),
        ),
        "s3:GetObject on every resource",
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
    (
        f"{BISHOPFOX} tool-testing fp4-NonExploitableResourceConstraint: AWS-managed policies",
        role_policy(
            "fp4-aws-policies", doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::aws:policy/fp4-*"))
        ),
        None,
    ),
    (
        f"{BISHOPFOX} tool-testing fn2-ExploitableResourceConstraint: the account's own policies",
        role_policy("fn2-own-policies", doc(allow("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/fn2-*"))),
        "iam:CreatePolicyVersion",
    ),
    (
        f"{BISHOPFOX} tool-testing fn3-ExploitableConditionConstraint: a date condition that holds",
        role_policy(
            "fn3-date-holds",
            doc(allow("iam:CreatePolicyVersion", Condition=_token_issued("DateGreaterThan"))),
        ),
        "iam:CreatePolicyVersion",
    ),
    (
        f"{BISHOPFOX} tool-testing fp5-NonExploitableConditionConstraint: a date condition never true again",
        role_policy(
            "fp5-date-passed",
            doc(allow("iam:CreatePolicyVersion", Condition=_token_issued("DateLessThan"))),
        ),
        None,
    ),
    (
        "red team: a 'past' epoch in fullwidth digits (Python's isdigit reads them, IAM's clock may not): "
        "the condition is not known never to hold",
        role_policy(
            "fullwidth-epoch",
            doc(
                allow(
                    "iam:CreatePolicyVersion",
                    Condition={"DateLessThan": {"aws:CurrentTime": "\uff12\uff10\uff12\uff10"}},
                )
            ),
        ),
        "iam:CreatePolicyVersion",
    ),
    (
        f"{BISHOPFOX} tool-testing fn4-ExploitableNotAction: NotAction leaves iam:Put*Policy",
        role_policy(
            "fn4-not-action",
            doc(
                {
                    "Effect": "Allow",
                    "NotAction": ["iam:Update*", "iam:Create*", "iam:Attach*"],
                    "Resource": "*",
                }
            ),
        ),
        "IAM permissions management",
    ),
    (
        f"{BISHOPFOX} tool-testing fp1-allow-and-deny-same-policy",
        role_policy("fp1-allow-deny", doc(allow("iam:*"), deny("iam:*"))),
        None,
    ),
    (f"{BISHOPFOX} tool-testing fp3-deny", role_policy("fp3-deny", doc(deny("iam:*"))), None),
    (
        f"{BISHOPFOX} privesc-cloudFormationUpdateStack",
        role_policy(
            "cfn-update", doc(allow(["cloudformation:UpdateStack", "cloudformation:DescribeStacks"]))
        ),
        "UpdateExistingCloudFormationStack",
    ),
    (
        f"{BISHOPFOX} privesc-codeBuildCreateProjectPassRole",
        role_policy(
            "codebuild",
            doc(allow(["codebuild:CreateProject", "codebuild:StartBuild", "iam:PassRole", "iam:ListRoles"])),
        ),
        "PassExistingRoleToNewCodeBuildProjectThenBuild",
    ),
    (
        f"{BISHOPFOX} privesc21-PassExistingRoleToNewDataPipeline; {RHINO} #21",
        role_policy(
            "datapipeline",
            doc(
                allow("iam:PassRole"),
                allow(["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"]),
            ),
        ),
        "PassExistingRoleToNewDataPipeline",
    ),
    (
        f"{BISHOPFOX} privesc3-CreateEC2WithExistingIP: AssociateIamInstanceProfile too",
        role_policy("ec2-associate", doc(allow(["ec2:AssociateIamInstanceProfile", "iam:PassRole"]))),
        "PassExistingRoleToRunningEC2Instance",
    ),
    (
        f"{BISHOPFOX} privesc16-PassRoleToNewLambdaThenTriggerWithNewDynamo; {RHINO} #16",
        role_policy(
            "lambda-trigger",
            doc(allow(["lambda:CreateFunction", "iam:PassRole", "lambda:CreateEventSourceMapping"])),
        ),
        "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo",
    ),
    (
        f"{BISHOPFOX} privesc17-EditExistingLambdaFunctionWithRole",
        role_policy(
            "lambda-edit", doc(allow(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"]))
        ),
        "EditExistingLambdaFunctionWithRole",
    ),
    (
        f"{BISHOPFOX} privesc19-UpdateExistingGlueDevEndpoint; {RHINO} #19",
        role_policy("glue-update", doc(allow(["glue:UpdateDevEndpoint", "glue:GetDevEndpoint"]))),
        "UpdateExistingGlueDevEndpoint",
    ),
    (
        f"{BISHOPFOX} privesc-sageMakerCreateNotebookPassRole",
        role_policy("notebook", doc(allow(["sagemaker:CreateNotebookInstance", "iam:PassRole"]))),
        "PassExistingRoleToNewSageMakerNotebookInstance",
    ),
    (
        f"{BISHOPFOX} privesc-sageMakerCreateTrainingJob",
        role_policy("training", doc(allow(["sagemaker:CreateTrainingJob", "iam:PassRole"]))),
        "PassExistingRoleToNewSageMakerTrainingJob",
    ),
    (
        f"{BISHOPFOX} privesc-sageMakerCreateProcessingJob",
        role_policy("processing", doc(allow(["sagemaker:CreateProcessingJob", "iam:PassRole"]))),
        "PassExistingRoleToNewSageMakerProcessingJob",
    ),
    (
        f"{RHINO} #2 iam:SetDefaultPolicyVersion",
        role_policy("default-version", doc(allow("iam:SetDefaultPolicyVersion"))),
        "iam:SetDefaultPolicyVersion",
    ),
    (
        f"{RHINO} #5 iam:CreateLoginProfile",
        role_policy("login-profile", doc(allow("iam:CreateLoginProfile"))),
        "iam:CreateLoginProfile",
    ),
    (
        "checkov CKV_AWS_286 fixture (example_IAMPrivilegeEscalation) 'privilege_escalation'; Rhino #6",
        role_policy("update-login", doc(allow("iam:UpdateLoginProfile"))),
        "iam:UpdateLoginProfile",
    ),
    (
        "checkov CKV_AWS_286 fixture 'passing': lambda:CreateFunction on Resource 's3', which is no ARN",
        role_policy("not-an-arn", doc(allow("lambda:CreateFunction", "s3"))),
        None,
    ),
    (
        f"{RHINO} #8 iam:AttachGroupPolicy",
        role_policy("attach-group", doc(allow("iam:AttachGroupPolicy"))),
        "iam:AttachGroupPolicy",
    ),
    (
        f"{RHINO} #9 iam:AttachRolePolicy",
        role_policy("attach-role", doc(allow("iam:AttachRolePolicy", ROLES))),
        "iam:AttachRolePolicy",
    ),
    (
        f"{RHINO} #11 iam:PutGroupPolicy",
        role_policy("put-group", doc(allow("iam:PutGroupPolicy"))),
        "iam:PutGroupPolicy",
    ),
    (
        f"{RHINO} #10 iam:PutUserPolicy on the user itself: writing its own policy still escalates",
        role_policy("put-own-policy", doc(allow("iam:PutUserPolicy", OWN_USER))),
        "iam:PutUserPolicy",
    ),
    (
        "AWS IAM User Guide, reference_policies_examples_aws_my-sec-creds-self-manage: own credentials",
        role_policy(
            "own-credentials",
            doc(
                allow(
                    [
                        "iam:CreateAccessKey",
                        "iam:DeleteAccessKey",
                        "iam:UpdateAccessKey",
                        "iam:UploadSSHPublicKey",
                        "iam:CreateLoginProfile",
                        "iam:UpdateLoginProfile",
                        "iam:ChangePassword",
                    ],
                    OWN_USER,
                ),
                allow(
                    ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice"],
                    "arn:aws:iam::*:mfa/${aws:username}",
                ),
            ),
        ),
        None,
    ),
    (
        "AWS IAM User Guide, using-service-linked-roles: a service-linked role's permissions are AWS's",
        role_policy(
            "service-linked",
            doc(
                allow(
                    "iam:CreateServiceLinkedRole",
                    "arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
                    Condition={"StringLike": {"iam:AWSServiceName": "ecs.amazonaws.com"}},
                )
            ),
        ),
        None,
    ),
    (
        "AWS ECS API reference, RunTask overrides.taskRoleArn: any role for an existing task definition",
        role_policy("run-task-override", doc(allow("ecs:RunTask"), allow("iam:PassRole", ROLES))),
        "PassExistingRoleToECSTaskOverride",
    ),
    (
        "AWS Batch User Guide, job definitions' jobRoleArn: a new job definition with any role",
        role_policy(
            "batch",
            doc(allow(["batch:RegisterJobDefinition", "batch:SubmitJob"]), allow("iam:PassRole", ROLES)),
        ),
        "PassExistingRoleToNewBatchJob",
    ),
    (
        "AWS IAM User Guide, id_roles_use_passrole: one named role; IAM cannot pass another account's",
        role_policy("passrole-named-any-account", doc(allow("iam:PassRole", "arn:aws:iam::*:role/web-task"))),
        None,
    ),
    (
        "AWS IAM User Guide, id_roles_use_passrole: every role, with an account wildcard",
        role_policy("passrole-any-account", doc(allow("iam:PassRole", "arn:aws:iam::*:role/*"))),
        "iam:PassRole",
    ),
    (
        f"{AWS_EVALUATION}: Allow '*' with Deny NotAction s3:GetObject leaves no escalation",
        role_policy(
            "star-denied-but-get",
            doc(allow("*"), {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*"}),
        ),
        None,
    ),
    (
        f"{AWS_EVALUATION}: Allow '*' with Deny iam:* still lets Lambda code run with any existing role",
        role_policy("star-but-iam", doc(allow("*"), deny("iam:*"))),
        "EditExistingLambdaFunctionWithRole",
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
    (
        "checkov CKV_AWS_287 fixture (example_IAMCredentialsExposure) 'fail': iam:CreateAccessKey on '*'",
        role_policy("access-keys", doc(allow(["s3:GetObject", "iam:CreateAccessKey"]))),
        "iam:CreateAccessKey",
    ),
    (
        "checkov CKV_AWS_287 fixture 'pass': Lambda and DynamoDB writes return no credentials",
        role_policy(
            "no-credentials",
            doc(allow(["lambda:CreateFunction", "lambda:CreateEventSourceMapping", "dynamodb:CreateTable"])),
        ),
        None,
    ),
    (
        "checkov CKV_AWS_287 fixture 'deny': a conditional Deny of '*' grants nothing",
        role_policy(
            "deny-all",
            doc(deny(["*"], Condition={"NotIpAddress": {"aws:SourceIp": "1.2.3.4/16"}})),
        ),
        None,
    ),
    (
        "checkov CKV_AWS_288 fixture (example_IAMDataExfiltration) 'fail'",
        role_policy(
            "exfiltration",
            doc(
                allow(
                    [
                        "ssm:GetParameter",
                        "s3:GetObject",
                        "ssm:GetParameters",
                        "ssm:GetParametersByPath",
                        "secretsmanager:GetSecretValue",
                        "s3:PutObject",
                    ]
                )
            ),
        ),
        "secretsmanager:GetSecretValue",
    ),
    (
        "AWS KMS Developer Guide, conditions-kms-via-service: kms:ViaService still decrypts every key",
        role_policy(
            "decrypt-via",
            doc(
                allow(
                    "kms:Decrypt",
                    Condition={"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}},
                )
            ),
        ),
        "kms:Decrypt",
    ),
    (
        AWS_ACTION_DOC,
        role_policy("get-parameter-glob", doc(allow("ssm:GetParameter*"))),
        "ssm:GetParametersByPath",
    ),
    (
        "AWS IAM User Guide, reference_policies_examples_aws_my-sec-creds-self-manage: own access keys",
        role_policy("own-keys", doc(allow("iam:CreateAccessKey", OWN_USER))),
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
    (
        f"{BISHOPFOX} privesc-ssmSendCommand (lower-case action as written there)",
        role_policy("send-command-lower", doc(allow(["ec2:DescribeInstances", "ssm:sendCommand"]))),
        "ssm:SendCommand",
    ),
    (
        f"{BISHOPFOX} privesc-ec2InstanceConnect: the serial console too",
        role_policy("serial-console", doc(allow("ec2-instance-connect:SendSerialConsoleSSHPublicKey"))),
        "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
    ),
    (
        "AWS Systems Manager User Guide, getting-started-restrict-access-examples: a tag condition does "
        "not name the instances",
        role_policy(
            "session-by-tag",
            doc(
                allow(
                    "ssm:StartSession",
                    "arn:aws:ec2:*:*:instance/*",
                    Condition={"StringLike": {"ssm:resourceTag/Team": "web"}},
                )
            ),
        ),
        "ssm:StartSession",
    ),
    (
        "AWS Systems Manager User Guide, sysman-state-assoc: an association runs AWS-RunShellScript on the "
        "instances it targets, as SendCommand does (red team: a prefix of instances)",
        role_policy(
            "association-prefix",
            doc(
                allow(
                    ["ssm:CreateAssociation", "ssm:UpdateAssociation"],
                    [
                        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0*",
                        "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript",
                    ],
                )
            ),
        ),
        "ssm:CreateAssociation",
    ),
    (
        "AWS Systems Manager User Guide, sysman-state-assoc: an association of one named instance",
        role_policy(
            "association-one",
            doc(
                allow(
                    "ssm:CreateAssociation",
                    [
                        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0123456789abcdef0",
                        "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript",
                    ],
                )
            ),
        ),
        None,
    ),
    (
        "AWS ECS Developer Guide, ecs-exec: ExecuteCommand on one named cluster's tasks",
        role_policy(
            "exec-cluster", doc(allow("ecs:ExecuteCommand", f"arn:aws:ecs:eu-west-1:{ACCOUNT}:cluster/prod"))
        ),
        None,
    ),
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
