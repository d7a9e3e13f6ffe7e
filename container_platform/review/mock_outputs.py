"""What AWS and Docker would hand back after `pulumi up`: ids, ARNs, URLs and digests, derived from inputs.

Used only in update mode; a preview leaves computed outputs unknown, as the engine does for new
resources. Every value is deterministic (hashed from the resource's type, name and inputs), so two
runs of the same program produce byte-identical recordings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from container_platform.review.mock_cloud import CloudIdentity, stable_hex

ELB_HOSTED_ZONE_ID = "Z35SXDOTRQ7X7K"


def physical_name(type_token: str, name: str, inputs: Mapping[str, Any]) -> str:
    """The given `name` input, else Pulumi's autoname: the logical name plus seven hex characters."""
    given = inputs.get("name")
    if isinstance(given, str) and given:
        return given
    return f"{name}-{stable_hex(type_token, name, length=7)}"


def _aws_id(prefix: str, type_token: str, name: str) -> str:
    return f"{prefix}-{stable_hex(type_token, name, length=17)}"


def _ecr_repository(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    repo = physical_name(t, n, i)
    return {
        "id": repo,
        "name": repo,
        "registryId": cloud.account,
        "arn": cloud.arn("ecr", f"repository/{repo}"),
        "repositoryUrl": f"{cloud.registry_host}/{repo}",
    }


def _iam_role(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    role = physical_name(t, n, i)
    path = i.get("path") or "/"
    return {
        "id": role,
        "name": role,
        "uniqueId": "AROA" + stable_hex(t, n, length=17).upper(),
        "arn": cloud.arn("iam", f"role{path}{role}", regional=False),
    }


def _iam_policy(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    policy = physical_name(t, n, i)
    arn = cloud.arn("iam", f"policy{i.get('path') or '/'}{policy}", regional=False)
    return {"id": arn, "name": policy, "arn": arn, "policyId": "ANPA" + stable_hex(t, n, length=17).upper()}


def _log_group(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    group = physical_name(t, n, i)
    return {"id": group, "name": group, "arn": cloud.arn("logs", f"log-group:{group}")}


def _kms_key(cloud: CloudIdentity, t: str, n: str, _i: Mapping[str, Any]) -> dict[str, Any]:
    h = stable_hex(t, n, length=32)
    key_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return {"id": key_id, "keyId": key_id, "arn": cloud.arn("kms", f"key/{key_id}")}


def _ec2(prefix: str, kind: str) -> Callable[[CloudIdentity, str, str, Mapping[str, Any]], dict[str, Any]]:
    def outputs(cloud: CloudIdentity, t: str, n: str, _i: Mapping[str, Any]) -> dict[str, Any]:
        resource_id = _aws_id(prefix, t, n)
        return {"id": resource_id, "arn": cloud.arn("ec2", f"{kind}/{resource_id}"), "ownerId": cloud.account}

    return outputs


def _vpc(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_ec2("vpc", "vpc")(cloud, t, n, i),
        "defaultSecurityGroupId": _aws_id("sg", t, n + "/default"),
        "mainRouteTableId": _aws_id("rtb", t, n + "/main"),
    }


def _eip(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    octets = bytes.fromhex(stable_hex(t, n, length=4))
    return {
        **_ec2("eipalloc", "elastic-ip")(cloud, t, n, i),
        "allocationId": _aws_id("eipalloc", t, n),
        "publicIp": f"54.{octets[0]}.{octets[1]}.{max(octets[0] % 254, 1)}",
    }


def _launch_template(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_ec2("lt", "launch-template")(cloud, t, n, i),
        "latestVersion": 1,
        "defaultVersion": 1,
        "name": physical_name(t, n, i),
    }


def _autoscaling_group(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    group = physical_name(t, n, i)
    uuid = stable_hex(t, n, length=32)
    return {
        "id": group,
        "name": group,
        "arn": cloud.arn("autoscaling", f"autoScalingGroup:{uuid}:autoScalingGroupName/{group}"),
    }


def _ecs(kind: str) -> Callable[[CloudIdentity, str, str, Mapping[str, Any]], dict[str, Any]]:
    def outputs(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
        name = physical_name(t, n, i)
        arn = cloud.arn("ecs", f"{kind}/{name}")
        return {"id": arn if kind != "capacity-provider" else name, "name": name, "arn": arn}

    return outputs


def _task_definition(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    family = i.get("family") if isinstance(i.get("family"), str) else physical_name(t, n, i)
    base = cloud.arn("ecs", f"task-definition/{family}")
    return {"id": family, "arn": f"{base}:1", "arnWithoutRevision": base, "revision": 1}


def _ecs_service(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    service = physical_name(t, n, i)
    cluster_arn = i.get("cluster") if isinstance(i.get("cluster"), str) else "cluster"
    cluster = str(cluster_arn).rsplit("/", 1)[-1]
    arn = cloud.arn("ecs", f"service/{cluster}/{service}")
    return {"id": arn, "name": service}


def _load_balancer(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    lb = physical_name(t, n, i)[:32]
    kind = "net" if i.get("loadBalancerType") == "network" else "app"
    suffix = f"{kind}/{lb}/{stable_hex(t, n, length=16)}"
    arn = cloud.arn("elasticloadbalancing", f"loadbalancer/{suffix}")
    digits = int(stable_hex(t, n, length=8), 16) % 10**10
    internal = "internal-" if i.get("internal") is True else ""
    return {
        "id": arn,
        "arn": arn,
        "arnSuffix": suffix,
        "name": lb,
        "zoneId": ELB_HOSTED_ZONE_ID,
        "dnsName": f"{internal}{lb}-{digits:010d}.{cloud.region}.elb.amazonaws.com",
    }


def _target_group(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    group = physical_name(t, n, i)[:32]
    suffix = f"targetgroup/{group}/{stable_hex(t, n, length=16)}"
    arn = cloud.arn("elasticloadbalancing", suffix)
    return {"id": arn, "arn": arn, "arnSuffix": suffix, "name": group}


def _listener(cloud: CloudIdentity, t: str, n: str, _i: Mapping[str, Any]) -> dict[str, Any]:
    arn = cloud.arn("elasticloadbalancing", f"listener/app/{n}/{stable_hex(t, n, length=16)}")
    return {"id": arn, "arn": arn}


def _s3_bucket(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    """S3 names a bucket from `bucket`, else `bucketPrefix` and a unique suffix; its ARN names no region."""
    given = i.get("bucket")
    name = (
        given
        if isinstance(given, str) and given
        else f"{i.get('bucketPrefix') or n}{stable_hex(t, n, length=26)}"
    )
    return {
        "id": name,
        "bucket": name,
        "arn": f"arn:{cloud.partition}:s3:::{name}",
        "bucketDomainName": f"{name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{name}.s3.{cloud.region}.amazonaws.com",
        "region": cloud.region,
    }


def _vpc_endpoint(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    """A gateway endpoint exposes its service's managed prefix list; an interface endpoint its DNS names."""
    endpoint_id = _aws_id("vpce", t, n)
    outputs: dict[str, Any] = {
        "id": endpoint_id,
        "arn": cloud.arn("ec2", f"vpc-endpoint/{endpoint_id}"),
        "ownerId": cloud.account,
        "state": "available",
    }
    if i.get("vpcEndpointType") == "Gateway":
        outputs["prefixListId"] = f"pl-{stable_hex(t, i.get('serviceName'), length=8)}"
    else:
        outputs["dnsEntries"] = [
            {
                "dnsName": f"{endpoint_id}.{i.get('serviceName')}.vpce.amazonaws.com",
                "hostedZoneId": "Z7HUB22UULQXV",
            }
        ]
    return outputs


def _metric_alarm(cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    alarm = physical_name(t, n, i)
    return {"id": alarm, "name": alarm, "arn": cloud.arn("cloudwatch", f"alarm:{alarm}")}


def _efs(prefix: str, kind: str) -> Callable[[CloudIdentity, str, str, Mapping[str, Any]], dict[str, Any]]:
    """EFS ids (`fs-…`, `fsap-…`, `fsmt-…`) and ARNs under the `elasticfilesystem` service."""

    def outputs(cloud: CloudIdentity, t: str, n: str, _i: Mapping[str, Any]) -> dict[str, Any]:
        resource_id = _aws_id(prefix, t, n)
        return {"id": resource_id, "arn": cloud.arn("elasticfilesystem", f"{kind}/{resource_id}")}

    return outputs


def _listener_rule(cloud: CloudIdentity, t: str, n: str, _i: Mapping[str, Any]) -> dict[str, Any]:
    arn = cloud.arn("elasticloadbalancing", f"listener-rule/app/{n}/{stable_hex(t, n, length=16)}")
    return {"id": arn, "arn": arn}


def _docker_image(_cloud: CloudIdentity, t: str, n: str, i: Mapping[str, Any]) -> dict[str, Any]:
    """`repoDigest` is `<repository>@sha256:<hex>`, the hex hashed from every input (build args included)."""
    image_name = str(i.get("imageName", n))
    repository = image_name.rsplit("@", 1)[0]
    if ":" in repository.rsplit("/", 1)[-1]:
        repository = repository.rsplit(":", 1)[0]
    build = i.get("build") if isinstance(i.get("build"), Mapping) else {}
    return {
        "id": f"{repository}@sha256:{stable_hex(t, n, i)}",
        "repoDigest": f"{repository}@sha256:{stable_hex(t, n, i)}",
        "registryServer": repository.split("/", 1)[0],
        "context": build.get("context", "."),
        "dockerfile": build.get("dockerfile", "Dockerfile"),
        "platform": build.get("platform", "linux/amd64"),
    }


COMPUTED_OUTPUTS: dict[str, Callable[[CloudIdentity, str, str, Mapping[str, Any]], dict[str, Any]]] = {
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:kms/key:Key": _kms_key,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/subnet:Subnet": _ec2("subnet", "subnet"),
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg", "security-group"),
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw", "internet-gateway"),
    "aws:ec2/natGateway:NatGateway": _ec2("nat", "natgateway"),
    "aws:ec2/routeTable:RouteTable": _ec2("rtb", "route-table"),
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/flowLog:FlowLog": _ec2("fl", "vpc-flow-log"),
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _ec2("sgr", "security-group-rule"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _ec2("sgr", "security-group-rule"),
    "aws:autoscaling/group:Group": _autoscaling_group,
    "aws:ecs/cluster:Cluster": _ecs("cluster"),
    "aws:ecs/capacityProvider:CapacityProvider": _ecs("capacity-provider"),
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": _ecs_service,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:efs/fileSystem:FileSystem": _efs("fs", "file-system"),
    "aws:efs/accessPoint:AccessPoint": _efs("fsap", "access-point"),
    "aws:efs/mountTarget:MountTarget": _efs("fsmt", "mount-target"),
    "aws:alb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:alb/targetGroup:TargetGroup": _target_group,
    "aws:alb/listener:Listener": _listener,
    "docker:index/image:Image": _docker_image,
}


def computed_outputs(
    cloud: CloudIdentity, type_token: str, name: str, inputs: Mapping[str, Any]
) -> dict[str, Any]:
    """The outputs the provider computes on create; a type not listed gets a stable id (and ARN on AWS)."""
    outputs = COMPUTED_OUTPUTS.get(type_token)
    if outputs is not None:
        return outputs(cloud, type_token, name, inputs)
    resource_id = f"{name}-{stable_hex(type_token, name, length=7)}"
    if not type_token.startswith("aws:"):
        return {"id": resource_id}
    service = type_token.split(":")[1].split("/")[0]
    return {
        "id": resource_id,
        "arn": cloud.arn(service, f"{type_token.rsplit(':', 1)[-1].lower()}/{resource_id}"),
    }
