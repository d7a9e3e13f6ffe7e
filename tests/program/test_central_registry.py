"""The central registry (stackRole: registry) under the SDK mocks: its repositories and their policies,
pull-through cache and replication as config, dev building into it and prod deploying its digests."""

from __future__ import annotations

import copy
import json

from policy_sentry.querying.actions import get_action_data

from container_platform.review.offline_runtime import StackRecording, evaluate_stack
from tests.program.recorded import DOCKER_IMAGE, ECR_REPOSITORY, ROLE_POLICY, inputs, json_input
from tests.program.stack_configs import stack_config

REGISTRY_ACCOUNT = "444455556666"
REGISTRY_HOST = f"{REGISTRY_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
CONFIG = stack_config("registry")["container-platform:registry"]
PUSH_ROLE, PROMOTE_ROLE = CONFIG["pushRoleArn"], CONFIG["promoteRoleArn"]
HUB_CREDENTIAL = f"arn:aws:secretsmanager:eu-west-1:{REGISTRY_ACCOUNT}:secret:ecr-pullthroughcache/hub"
WRITE_ACCESS = {"Write", "Permissions management", "Tagging"}


def registry(**changes) -> StackRecording:
    config = copy.deepcopy(stack_config("registry"))
    config["container-platform:registry"].update(changes)
    return evaluate_stack("registry", config=config)


def access_level(action: str) -> str:
    service, name = action.split(":")
    return get_action_data(service, name)[service][0]["access_level"]


def repository_policies(recording: StackRecording) -> dict[str, dict]:
    return {inputs(p)["repository"]: json_input(p, "policy") for p in recording.of_type(REPOSITORY_POLICY)}


def test_the_registry_owns_one_hardened_repository_per_image_and_nothing_else():
    recording = evaluate_stack("registry")
    repositories = {inputs(r)["name"]: inputs(r) for r in recording.of_type(ECR_REPOSITORY)}
    assert sorted(repositories) == [
        f"container-platform/{n}" for n in ("base", "hello-world", "java-runtime")
    ]
    assert all(r["imageTagMutability"] == "IMMUTABLE" for r in repositories.values())
    assert all(r["encryptionConfigurations"][0]["encryptionType"] == "KMS" for r in repositories.values())
    assert sorted(repository_policies(recording)) == sorted(repositories)
    kinds = {r.type for r in recording.resources if r.custom and not r.type.startswith("pulumi:")}
    assert kinds == {
        ECR_REPOSITORY,
        REPOSITORY_POLICY,
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:kms/key:Key",
    }


def test_other_accounts_may_only_pull():
    for document in repository_policies(evaluate_stack("registry")).values():
        for statement in document["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            principals = statement["Principal"]["AWS"]
            principals = principals if isinstance(principals, list) else [principals]
            foreign = [p for p in principals if f":{REGISTRY_ACCOUNT}:" not in p]
            if foreign:
                assert foreign == ["arn:aws:iam::123456789012:root"]
                assert {access_level(a) for a in statement["Action"]} == {"Read"}, statement
                assert statement["Action"] == [
                    "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"
                ]  # fmt: skip


def test_the_build_identity_alone_pushes_and_nobody_deletes():
    (document, *_) = repository_policies(evaluate_stack("registry")).values()
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    writers = {
        s["Principal"]["AWS"]
        for s in document["Statement"]
        if s["Effect"] == "Allow" and {access_level(a) for a in s["Action"]} & WRITE_ACCESS
    }
    assert writers == {PUSH_ROLE, PROMOTE_ROLE}
    assert by_sid["PromotionReadsAndTags"]["Action"] == [
        "ecr:BatchGetImage", "ecr:DescribeImageScanFindings", "ecr:DescribeImages", "ecr:PutImage"
    ]  # fmt: skip
    deny = by_sid["NobodyElseWrites"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert "ecr:PutImage" in deny["Action"] and "ecr:InitiateLayerUpload" in deny["Action"]
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": [PUSH_ROLE, PROMOTE_ROLE]}}
    assert by_sid["NobodyDeletes"] == {
        "Sid": "NobodyDeletes", "Effect": "Deny", "Principal": "*", "Action": "ecr:BatchDeleteImage"
    }  # fmt: skip


def test_without_a_promotion_role_only_the_build_identity_is_exempt_from_the_deny():
    (document, *_) = repository_policies(registry(promoteRoleArn=None)).values()
    (deny,) = [s for s in document["Statement"] if s["Sid"] == "NobodyElseWrites"]
    assert deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == [PUSH_ROLE]


def test_pull_through_cache_and_replication_come_from_config():
    recording = registry(
        pullThroughCache=[
            {"ecrRepositoryPrefix": "quay", "upstreamRegistryUrl": "quay.io"},
            {
                "ecrRepositoryPrefix": "docker-hub",
                "upstreamRegistryUrl": "registry-1.docker.io",
                "credentialArn": HUB_CREDENTIAL,
            },
        ],
        replication=[{"region": "eu-central-1"}, {"region": "eu-west-1", "account": "777788889999"}],
    )
    rules = {inputs(r)["ecrRepositoryPrefix"]: inputs(r) for r in recording.of_type(
        "aws:ecr/pullThroughCacheRule:PullThroughCacheRule")}  # fmt: skip
    assert rules["quay"]["upstreamRegistryUrl"] == "quay.io" and "credentialArn" not in rules["quay"]
    assert rules["docker-hub"]["credentialArn"] == HUB_CREDENTIAL
    (replication,) = recording.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    (rule,) = inputs(replication)["replicationConfiguration"]["rules"]
    assert rule["destinations"] == [
        {"region": "eu-central-1", "registryId": REGISTRY_ACCOUNT},
        {"region": "eu-west-1", "registryId": "777788889999"},
    ]
    assert rule["repositoryFilters"] == [{"filter": "container-platform/", "filterType": "PREFIX_MATCH"}]


def test_dev_builds_into_the_central_registry_and_creates_no_repository():
    config = copy.deepcopy(stack_config("dev"))
    config["container-platform:images"]["registryAccount"] = REGISTRY_ACCOUNT
    recording = evaluate_stack("dev", config=config)
    assert not recording.of_type(ECR_REPOSITORY)
    images = {i.name: inputs(i) for i in recording.of_type(DOCKER_IMAGE)}
    assert all(i["imageName"].startswith(f"{REGISTRY_HOST}/container-platform/") for i in images.values())
    assert all(i["registry"]["server"] == REGISTRY_HOST for i in images.values())
    base = next(r for r in recording.resources if r.name == "base" and r.type == DOCKER_IMAGE)
    assert base.outputs["repoDigest"].startswith(f"{REGISTRY_HOST}/container-platform/base@sha256:")


def test_prod_deploys_the_registrys_digests_and_pulls_them_from_the_registry_account():
    config = copy.deepcopy(stack_config("prod"))
    images = config["container-platform:images"]
    images["registryAccount"] = REGISTRY_ACCOUNT
    images["pinned"] = {
        name: reference.replace("123456789012.dkr.ecr", f"{REGISTRY_ACCOUNT}.dkr.ecr")
        for name, reference in images["pinned"].items()
    }
    recording = evaluate_stack("prod", config=config)
    (task,) = recording.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert json.loads(inputs(task)["containerDefinitions"])[0]["image"] == images["pinned"]["hello-world"]
    (execution,) = [p for p in recording.of_type(ROLE_POLICY) if p.name == "hello-world-execution"]
    (pull, *_) = json_input(execution, "policy")["Statement"]
    assert pull["Resource"] == [
        f"arn:aws:ecr:eu-west-1:{REGISTRY_ACCOUNT}:repository/container-platform/hello-world"
    ]
    ecr_endpoint = next(
        e for e in recording.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.name == "prod-ecr-api"
    )
    assert all(
        f":{REGISTRY_ACCOUNT}:repository/" in arn
        for arn in json_input(ecr_endpoint, "policy")["Statement"][0]["Resource"]
    )
