"""The board's facts read from a recording: ports from every kind of rule, roles with every kind of policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from container_platform.review.facts import NOT_KNOWN, board_facts
from container_platform.review.offline_runtime import PROJECT_ROOT, evaluate_stack

FIXTURE = Path(__file__).parent / "fixtures" / "tiny_program"
SOURCE_STACK = "organization/tiny-platform/dev"


def facts(preview: bool):
    recording = evaluate_stack("dev", project_dir=FIXTURE, preview=preview)
    return board_facts(recording, FIXTURE, PROJECT_ROOT / "policies")


@pytest.fixture(scope="module")
def update():
    return facts(preview=False)


@pytest.fixture(scope="module")
def preview():
    return facts(preview=True)


@pytest.mark.parametrize(
    ("resource", "ports", "source"),
    [
        ("SecurityGroup hello-net-sg", "8080", "from 10.0.0.0/8"),  # inline ingress
        ("SecurityGroup hello-net-sg (hello-https)", "443", "from 0.0.0.0/0"),  # SecurityGroupRule
        ("SecurityGroup hello-net-sg (hello-from-vpc)", "9090", "from 10.1.0.0/16"),  # vpc ingress rule
    ],
)
def test_every_kind_of_ingress_rule_is_listed_with_its_source(update, preview, resource, ports, source):
    for board in (update, preview):
        rows = [(p.resource, p.ports, p.source) for p in board.ports if p.kind == "security group rule"]
        assert (resource, ports, source) in rows


def test_a_role_lists_inline_attached_and_managed_policies_and_the_resources_the_pack_judges(update):
    role = next(r for r in update.roles if r.name == "hello-task")
    assert role.trusted == ["Service: ecs-tasks.amazonaws.com"]
    kinds = {p.kind: p for p in role.policies}
    assert set(kinds) == {"RolePolicy", "attached Policy", "managed"}
    assert kinds["managed"].document == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    attached = kinds["attached Policy"]
    assert attached.urn.endswith("aws:iam/policy:Policy::hello-audit")
    assert attached.attachment_urn is not None and attached.attachment_urn.endswith("::hello-audit")
    # The role's verdict lands on the role, each document's carrier and each attachment.
    assert role.urns[0] == role.urn
    assert {kinds["RolePolicy"].urn, attached.urn, attached.attachment_urn} <= set(role.urns)
    assert len(set(role.urns)) == len(role.urns)


def test_every_row_names_the_resources_it_was_read_from(update):
    for port in update.ports:
        if port.kind != "Dockerfile EXPOSE":
            assert port.urns and all(urn.startswith("urn:pulumi:dev::") for urn in port.urns), port
    inline = next(p for p in update.ports if p.resource == "SecurityGroup hello-net-sg")
    assert inline.urns[0].endswith("aws:ec2/securityGroup:SecurityGroup::hello-net-sg")
    rule = next(p for p in update.ports if p.resource == "SecurityGroup hello-net-sg (hello-https)")
    assert rule.urns[0].endswith("::hello-https")


def test_in_preview_documents_built_from_outputs_are_unknown_not_guessed(preview):
    role = next(r for r in preview.roles if r.name == "hello-task")
    documents = {p.kind: p.document for p in role.policies}
    assert documents["RolePolicy"] == NOT_KNOWN  # it names the repository's ARN
    assert documents["attached Policy"]["Statement"][0]["Action"] == "s3:*"  # literal JSON stays known
