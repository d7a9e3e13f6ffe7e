"""Pulumi.yaml's `template:` section: valid under Pulumi's own project schema, and its answers make a stack.

The schema is Pulumi's `sdk/go/common/workspace/project.json` (fixtures/README.md says which commit); it
lets a prompt carry `description`, `default` and `secret`, and the Pulumi CLI asks one prompt per key.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from environment_helpers import ACCOUNT, ROOT, review, run_init

from container_platform.environments.init_command import ANSWER_KEYS

SCHEMA = Path(__file__).parent / "fixtures" / "pulumi-project.schema.json"
PROMPT_KEYS = {"description", "default", "secret"}  # the schema's ProjectTemplate config properties


def template() -> dict:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["template"]


def test_the_project_file_is_valid_under_pulumis_schema() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(project)


def test_a_bad_template_section_fails_the_same_schema() -> None:
    """The schema is strict where it matters: a misspelt template key is an error, so the test can fail."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    project["template"]["descripton"] = project["template"].pop("description")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    assert not validator.is_valid(project)


def test_every_prompt_is_an_init_answer_with_a_description() -> None:
    config = template()["config"]
    assert set(config) == set(ANSWER_KEYS.values())
    for key, prompt in config.items():
        assert set(prompt) <= PROMPT_KEYS, key
        assert prompt["description"].strip(), key
        # Only the account has no default: no value could stand for the reader's own.
        assert ("default" in prompt) is (key != ANSWER_KEYS["account_id"]), key


def test_the_defaults_and_an_account_make_a_stack_that_reviews_clean(project: Path) -> None:
    """What `pulumi new` records when the reader types only the account ID, then `make init`."""
    answers = {key: prompt.get("default", ACCOUNT) for key, prompt in template()["config"].items()}
    (project / "Pulumi.sandbox.yaml").write_text(yaml.safe_dump({"config": answers}))
    assert run_init(project, "sandbox") == 0
    assert review(project, "sandbox").passed
