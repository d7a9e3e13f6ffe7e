"""The two files promotion rewrites, in the shapes people actually leave them in."""

from __future__ import annotations

import json

import pytest
from promotion_helpers import APPROVED_UPSTREAM, DEV_DIGESTS, chain_lineage, run_promote, write_outputs
from ruamel.yaml import YAML

from container_platform.promotion.policy_config_file import PolicyConfigError, PolicyConfigFile
from container_platform.promotion.stack_config_file import StackFile, StackFileError

APPROVAL = {
    "approved-container-images": {
        "approvedRegistries": ["123456789012.dkr.ecr.eu-west-1.amazonaws.com"],
        "approvedRepositories": [f"container-platform/{image}" for image in DEV_DIGESTS],
    },
    "promoted-lineage": {"approvedUpstreams": [APPROVED_UPSTREAM]},
}


def images_of(project, stack="prod"):
    return YAML(typ="safe").load((project / f"Pulumi.{stack}.yaml").read_text())["config"][
        "container-platform:images"
    ]


def test_a_stack_file_without_images_settings_gets_pinned_images(project):
    (project / "Pulumi.prod.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  container-platform:services:\n    - name: hello-world\n"
    )

    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0

    assert images_of(project) == {
        "source": "pinned",
        "pinned": DEV_DIGESTS,
        "lineage": chain_lineage(DEV_DIGESTS),
    }


def test_a_stack_file_without_services_is_refused_naming_the_setting(project, capsys):
    (project / "Pulumi.prod.yaml").write_text("config:\n  aws:region: eu-west-1\n")

    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 1

    out = capsys.readouterr().out
    assert "`container-platform:services` is None, so there is no telling which images" in out


def test_a_policy_config_in_shorthand_keeps_its_enforcement_level(project):
    config = {"all": "mandatory", **APPROVAL, "prod-images-promoted": "mandatory"}
    (project / "policies" / "config" / "prod.json").write_text(json.dumps(config, indent=4) + "\n")

    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0

    text = (project / "policies" / "config" / "prod.json").read_text()
    assert json.loads(text)["prod-images-promoted"] == {
        "enforcementLevel": "mandatory",
        "promotedImages": list(DEV_DIGESTS.values()),
    }
    assert '\n    "all": "mandatory",' in text


def test_a_policy_config_without_the_promotion_policy_gets_it(project):
    (project / "policies" / "config" / "prod.json").write_text(json.dumps(APPROVAL))

    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0

    config = json.loads((project / "policies" / "config" / "prod.json").read_text())
    assert config["prod-images-promoted"] == {"promotedImages": list(DEV_DIGESTS.values())}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("config: [unclosed", "is not valid YAML"),
        ("config: just-a-string\n", "has no `config:` mapping"),
        ("config:\n  container-platform:images:\n    source: rebuild\n",
         "`container-platform:images.source` is 'rebuild'; allowed: build, pinned, stackReference"),
        ("config:\n  container-platform:images: pinned\n",
         "`container-platform:images` is 'pinned'; it must be an object"),
    ],
    ids=["invalid-yaml", "no-config", "unknown-source", "images-not-an-object"],
)
def test_a_malformed_stack_file_is_named_with_its_problem(project, text, message):
    (project / "Pulumi.prod.yaml").write_text(text)

    with pytest.raises(StackFileError) as error:
        StackFile.load(project, "prod")

    assert message in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "must hold a JSON object"),
    ],
    ids=["invalid-json", "not-an-object"],
)
def test_a_malformed_policy_config_is_named_with_its_problem(project, text, message):
    (project / "policies" / "config" / "prod.json").write_text(text)

    with pytest.raises(PolicyConfigError) as error:
        PolicyConfigFile.load(project, "prod")

    assert message in str(error.value)
