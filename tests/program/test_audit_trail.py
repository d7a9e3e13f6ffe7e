"""The audit trail under the SDK mocks: VPC flow logs, the audit bucket, ALB access logs, deletion
protection, header dropping and the optional WAF association."""

from __future__ import annotations

import copy

import pytest

from container_platform.review.offline_runtime import StackRecording, evaluate_stack
from tests.program.recorded import ROLE, ROLE_POLICY, inputs, json_input
from tests.program.stack_configs import stack_config

FLOW_LOG = "aws:ec2/flowLog:FlowLog"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ALB = "aws:lb/loadBalancer:LoadBalancer"
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WEB_ACL = (
    "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/bank-edge/0f6c7d5e-3b2a-4c1d-9e8f-7a6b5c4d3e2f"
)
ELB_EU_WEST_1 = "arn:aws:iam::156460612806:root"  # AWS's ELB account for eu-west-1 (ALB access-log docs)


def evaluated(stack: str, **changes) -> StackRecording:
    config = copy.deepcopy(stack_config(stack))
    for key, value in changes.items():
        config[f"container-platform:{key}"] = {**config.get(f"container-platform:{key}", {}), **value}
    return evaluate_stack(stack, config=config)


def statements(resource, key="policy") -> dict[str, dict]:
    return {s["Sid"]: s for s in json_input(resource, key)["Statement"]}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_new_vpc_has_a_flow_log_into_an_encrypted_log_group_kept_as_long_as_the_logs(stack, request):
    recording: StackRecording = request.getfixturevalue(stack)
    (flow_log,) = recording.of_type(FLOW_LOG)
    (vpc,) = recording.of_type("aws:ec2/vpc:Vpc")
    assert flow_log.property_dependencies["vpcId"] == (vpc.urn,)
    group = recording.named(LOG_GROUP, f"{stack}-flow-logs")
    assert inputs(group)["name"] == f"/vpc/{stack}/flow-logs"
    assert inputs(group)["retentionInDays"] == stack_config(stack)["container-platform:logRetentionDays"]
    assert inputs(group)["kmsKeyId"] == recording.of_type("aws:kms/key:Key")[0].outputs["arn"]
    assert {
        k: inputs(flow_log)[k] for k in ("logDestinationType", "trafficType", "maxAggregationInterval")
    } == {
        "logDestinationType": "cloud-watch-logs",
        "trafficType": "ALL",
        "maxAggregationInterval": 600,
    }
    assert inputs(flow_log)["logDestination"] == group.outputs["arn"]


def test_the_flow_log_role_is_trusted_by_flow_logs_alone_and_writes_only_its_group(dev: StackRecording):
    role = dev.named(ROLE, "dev-flow-logs")
    (trust,) = json_input(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    (grant,) = json_input(dev.named(ROLE_POLICY, "dev-flow-logs"), "policy")["Statement"]
    group_arn = dev.named(LOG_GROUP, "dev-flow-logs").outputs["arn"]
    assert grant["Resource"] == sorted([group_arn, f"{group_arn}:*"])
    assert grant["Action"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]


def test_flow_logs_to_s3_go_to_the_audit_bucket_which_lets_only_log_delivery_write_them():
    recording = evaluated("dev", network={"flowLogs": {"destination": "s3"}})
    (flow_log,) = recording.of_type(FLOW_LOG)
    (bucket,) = recording.of_type(BUCKET)
    assert inputs(flow_log)["logDestinationType"] == "s3"
    assert inputs(flow_log)["logDestination"] == f"{bucket.outputs['arn']}/flow-logs"
    assert "iamRoleArn" not in inputs(flow_log)
    assert all(group.name != "dev-flow-logs" for group in recording.of_type(LOG_GROUP))
    policy = statements(recording.of_type(BUCKET_POLICY)[0])
    write = policy["LogDeliveryWritesFlowLogs"]
    assert write["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert write["Resource"] == [f"{bucket.outputs['arn']}/flow-logs/AWSLogs/123456789012/*"]
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceAccount": "123456789012",
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    assert policy["LogDeliveryChecksBucket"]["Action"] == ["s3:GetBucketAcl", "s3:ListBucket"]


def test_the_audit_bucket_is_encrypted_versioned_private_and_expires_with_the_logs(prod: StackRecording):
    (bucket,) = prod.of_type(BUCKET)
    assert inputs(bucket)["forceDestroy"] is False
    (block,) = prod.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(inputs(block)[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                   "restrictPublicBuckets"))  # fmt: skip
    (encryption,) = prod.of_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    # ALB access log delivery supports SSE-S3 only (AWS: enable-access-logging.html, bucket requirements).
    assert inputs(encryption)["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    (versioning,) = prod.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert inputs(versioning)["versioningConfiguration"]["status"] == "Enabled"
    (ownership,) = prod.of_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert inputs(ownership)["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    (lifecycle,) = prod.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    (rule,) = inputs(lifecycle)["rules"]
    assert rule["expiration"]["days"] == 365 and rule["noncurrentVersionExpiration"]["noncurrentDays"] == 365


def test_only_the_elb_account_of_the_region_writes_access_logs_and_only_over_tls(prod: StackRecording):
    (bucket,) = prod.of_type(BUCKET)
    arn = bucket.outputs["arn"]
    policy = statements(prod.of_type(BUCKET_POLICY)[0])
    assert set(policy) == {"DenyInsecureTransport", "ElbWritesAccessLogs"}
    write = policy["ElbWritesAccessLogs"]
    assert write["Principal"] == {"AWS": ELB_EU_WEST_1}
    assert write["Action"] == ["s3:PutObject"]
    assert write["Resource"] == [f"{arn}/alb/AWSLogs/123456789012/*"]
    deny = policy["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_a_region_opened_after_august_2022_names_the_log_delivery_service_principal():
    config = copy.deepcopy(stack_config("dev"))
    config["aws:region"] = "eu-central-2"
    recording = evaluate_stack("dev", config=config)
    write = statements(recording.of_type(BUCKET_POLICY)[0])["ElbWritesAccessLogs"]
    assert write["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_alb_logs_to_the_audit_bucket_drops_invalid_headers_and_is_protected(stack, request):
    recording: StackRecording = request.getfixturevalue(stack)
    (alb,) = recording.of_type(ALB)
    (bucket,) = recording.of_type(BUCKET)
    assert inputs(alb)["accessLogs"] == {"bucket": bucket.outputs["bucket"], "enabled": True, "prefix": "alb"}
    assert inputs(alb)["dropInvalidHeaderFields"] is True
    assert inputs(alb)["enableDeletionProtection"] is True
    assert recording.of_type(BUCKET_POLICY)[0].urn in alb.dependencies  # ELB tests write access on enable
    assert not recording.of_type(WAF_ASSOCIATION)


def test_flow_logs_alone_in_the_bucket_give_elb_no_write():
    recording = evaluated(
        "dev", network={"flowLogs": {"destination": "s3"}}, loadBalancer={"accessLogs": False}
    )
    policy = statements(recording.of_type(BUCKET_POLICY)[0])
    assert set(policy) == {"DenyInsecureTransport", "LogDeliveryWritesFlowLogs", "LogDeliveryChecksBucket"}


def test_without_access_logs_or_deletion_protection_there_is_no_bucket_and_no_protection():
    recording = evaluated("dev", loadBalancer={"accessLogs": False, "deletionProtection": False})
    (alb,) = recording.of_type(ALB)
    assert "accessLogs" not in inputs(alb) and inputs(alb)["enableDeletionProtection"] is False
    assert not recording.of_type(BUCKET)


def test_a_web_acl_from_config_is_associated_with_the_alb():
    recording = evaluated("prod", loadBalancer={"webAclArn": WEB_ACL})
    (association,) = recording.of_type(WAF_ASSOCIATION)
    (alb,) = recording.of_type(ALB)
    assert inputs(association) == {"resourceArn": alb.outputs["arn"], "webAclArn": WEB_ACL}
