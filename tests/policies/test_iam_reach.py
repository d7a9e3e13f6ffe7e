"""What a Resource pattern reaches, in the words the review page shows, read per ARN segment.

Sources: AWS IAM User Guide, reference_policies_elements_resource and reference-arns (ARN segments and
their wildcards; S3 bucket names are global, with no account or region), Rhino Security Labs and the issue's
own examples (role/*, secret:*, key/*, arn:aws:s3:::*), and the program's own documents.
"""

from __future__ import annotations

import sys

import pytest

from components.iam_documents import execution_role_policy
from container_platform.review.facts import board_facts
from container_platform.review.offline_runtime import PROJECT_ROOT, evaluate_stack
from tests.policies.helpers import PACK_DIR

sys.path.insert(0, str(PACK_DIR))
from review_board.iam_arns import Reach, parse
from review_board.iam_grants import document_in_words

A = "123456789012"
REACH = [
    ("*", Reach.EVERYTHING, "every resource of every service in every account"),
    ("arn:aws:*:*:*:*", Reach.EVERYTHING, "every resource of every service"),
    (f"arn:aws:iam::{A}:role/*", Reach.TYPE, f"every role in account {A}"),
    (f"arn:aws:iam::{A}:role/?*", Reach.TYPE, f"every role in account {A}"),
    (f"arn:aws:iam::{A}:role*", Reach.ACCOUNT, f"every iam resource in account {A}"),
    (f"arn:aws:iam::{A}:role/app-*", Reach.PREFIX, "every role starting 'app-'"),
    (f"arn:aws:iam::{A}:role/web", Reach.ONE, "one role"),
    (
        f"arn:aws:secretsmanager:eu-west-1:{A}:secret:*",
        Reach.TYPE,
        f"every secret in account {A} in eu-west-1",
    ),
    (f"arn:aws:kms:*:{A}:key/*", Reach.TYPE, f"every key in account {A} in any region"),
    ("arn:aws:kms:eu-west-1:*:key/*", Reach.ANY_ACCOUNT, "in any account"),
    ("arn:aws:iam::12345678901?:role/x", Reach.ANY_ACCOUNT, "in any account"),
    ("arn:aws:iam::*", Reach.ANY_ACCOUNT, "in any account"),
    ("arn:aws:s3:::*", Reach.ANY_ACCOUNT, "buckets and objects of any account"),
    ("arn:aws:s3:::*/*", Reach.ANY_ACCOUNT, "buckets and objects of any account"),
    ("arn:aws:s3:::reports/*", Reach.PREFIX, "objects in bucket reports"),
    ("arn:aws:s3:::reports", Reach.ONE, "one bucket"),
    (f"arn:aws:sqs:eu-west-1:{A}:*", Reach.TYPE, f"every queue in account {A}"),
    (f"arn:aws:ssm:eu-west-1:{A}:parameter/app/*", Reach.PREFIX, "every parameter starting 'app/'"),
]


@pytest.mark.parametrize(("pattern", "reach", "words"), REACH, ids=[r[0] for r in REACH])
def test_each_pattern_reach_is_classified_and_said_in_words(pattern, reach, words):
    parsed = parse(pattern)
    assert parsed.reach is reach
    assert words in parsed.words


def test_the_program_execution_role_reads_as_its_own_repository_and_log_group():
    repository = f"arn:aws:ecr:eu-west-1:{A}:repository/container-platform/hello-world"
    lines = document_in_words(
        execution_role_policy([repository], f"arn:aws:logs:eu-west-1:{A}:log-group:/ecs/web")
    )
    assert (
        lines[0].startswith("statement 1 (PullOwnImages): Allow")
        and f"one repository in account {A}" in lines[0]
    )
    assert "they have no resource type" in lines[1]
    assert "every log stream" not in lines[2] and "'/ecs/web:log-stream:'" in lines[2]


def test_the_review_facts_carry_each_statement_reach():
    facts = board_facts(evaluate_stack("prod"), PROJECT_ROOT, PACK_DIR)
    reach = [line for role in facts.roles for policy in role.policies for line in policy.reach]
    assert any(f"one cluster in account {A}" in line for line in reach), reach
    assert all(line.startswith("statement ") for line in reach), reach


IN_ONE_ACCOUNT = [
    ("arn:aws:iam::*:role/*", Reach.TYPE),
    ("arn:aws:iam::*:role/web-task", Reach.ONE),
    ("arn:aws:iam::*:user/${aws:username}", Reach.ONE),
    ("arn:aws:iam::*", Reach.ACCOUNT),
    (f"arn:aws:iam::{A}:role/app-*", Reach.PREFIX),
    ("arn:aws:s3:::*", Reach.ANY_ACCOUNT),
]


@pytest.mark.parametrize(("pattern", "reach"), IN_ONE_ACCOUNT, ids=[r[0] for r in IN_ONE_ACCOUNT])
def test_an_account_wildcard_adds_nothing_where_a_service_acts_in_one_account(pattern, reach):
    """AWS IAM User Guide, reference_policies_elements_resource: IAM resources are reached only in the
    caller's own account by identity policies; S3 bucket names have no account at all."""
    assert parse(pattern).in_own_account is reach
