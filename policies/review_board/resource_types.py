"""Deny by default: every resource of a stack is of a type the review board has reviewed.

A rule can only judge the types it reads; a resource of any other type would draw no diagnostic at all.
`approved-resource-types` turns that silence into a finding. Its default list lives here, in one place:
the types the program registers (a test proves the list covers every type its stacks register), and
types the board reviewed as harmless on their own or covered by a rule of this pack. Adding a type means
adding it below with the reason, or approving it in a stack's policy config.
"""

from __future__ import annotations

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from review_board.framework import QUESTIONS, Resource
from review_board.waivers import LEDGER, WAIVERS_SCHEMA, unwaived

NAME = "approved-resource-types"

# What the program itself registers: its components, the resources they create, providers, the stack.
PROGRAM_TYPES = (
    "pulumi:pulumi:Stack",
    "pulumi:pulumi:StackReference",
    "pulumi:providers:aws",
    "pulumi:providers:docker",
    "container-platform:index:AuditLogBucket",
    "container-platform:index:CentralRegistry",
    "container-platform:index:Cluster",
    "container-platform:index:EcrRepository",
    "container-platform:index:EncryptionKey",
    "container-platform:index:FlowLogs",
    "container-platform:index:ImageChain",
    "container-platform:index:LoadBalancer",
    "container-platform:index:Network",
    "container-platform:index:ServiceSubnets",
    "container-platform:index:SharedFileSystem",
    "container-platform:index:VpcEndpoints",
    "container-platform:index:WebService",
    "aws:appautoscaling/policy:Policy",
    "aws:appautoscaling/scheduledAction:ScheduledAction",
    "aws:appautoscaling/target:Target",
    "aws:autoscaling/group:Group",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/eip:Eip",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
    "aws:ecr/replicationConfiguration:ReplicationConfiguration",
    "aws:ecr/repository:Repository",
    "aws:ecr/repositoryPolicy:RepositoryPolicy",
    "aws:ecs/accountSettingDefault:AccountSettingDefault",
    "aws:ecs/capacityProvider:CapacityProvider",
    "aws:ecs/cluster:Cluster",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:ecs/service:Service",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:efs/accessPoint:AccessPoint",
    "aws:efs/backupPolicy:BackupPolicy",
    "aws:efs/fileSystem:FileSystem",
    "aws:efs/fileSystemPolicy:FileSystemPolicy",
    "aws:efs/mountTarget:MountTarget",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:kms/key:Key",
    "aws:lb/listener:Listener",
    "aws:lb/listenerRule:ListenerRule",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "docker:index/image:Image",
)

# Reviewed: they grant no access and open nothing by themselves, or a rule of this pack judges them.
REVIEWED_TYPES = (
    "aws:acm/certificate:Certificate",  # a TLS certificate; the listener rule judges how it is served
    "aws:acm/certificateValidation:CertificateValidation",  # waits for validation, creates nothing
    "aws:route53/record:Record",  # a DNS name for the load balancer
    "aws:lb/listenerCertificate:ListenerCertificate",  # an extra certificate on a judged listener
    "aws:cloudwatch/dashboard:Dashboard",  # the golden signals on a page
    "aws:ec2/route:Route",  # a route in a route table the program owns
    "aws:alb/listener:Listener",  # the lb listener's alias: listener-https-only
    "aws:ec2/securityGroupRule:SecurityGroupRule",  # ingress-allowed-ports
)

DEFAULT_APPROVED_TYPES = tuple(sorted({*PROGRAM_TYPES, *REVIEWED_TYPES}))

CONFIG = {
    "approvedResourceTypes": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": list(DEFAULT_APPROVED_TYPES),
        "description": "Resource types the board has reviewed (replaces the default list: extend a copy).",
    },
    "waivers": WAIVERS_SCHEMA,
}


def _validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    config = args.get_config()
    approved = set(config.get("approvedResourceTypes", DEFAULT_APPROVED_TYPES))
    LEDGER.take_policies({NAME})  # uses left by an earlier AnalyzeStack are not this run's
    for policy_resource in args.resources:
        if policy_resource.resource_type in approved:
            continue
        resource = Resource(policy_resource.resource_type, policy_resource.name, policy_resource.urn, {})
        message = (
            f"{resource.label} is of type {resource.type!r}, which the review board has not reviewed, so no "
            "rule of this pack judges it. Fix: use a reviewed type, or have the board review it and add it "
            f"to {NAME}'s approvedResourceTypes (or the pack's default list)."
        )
        for unwaived_message in unwaived(
            NAME, resource.name, resource.urn, [message], config.get("waivers", [])
        ):
            report_violation(unwaived_message, resource.urn)


def approved_resource_types_policy() -> StackValidationPolicy:
    return StackValidationPolicy(
        name=NAME,
        description=f"Every resource is of a type the review board has reviewed ({QUESTIONS['extras']})",
        validate=_validate,
        config_schema=PolicyConfigSchema(properties=CONFIG),
        severity=Severity.HIGH,
        tags=["question-extras"],
    )
