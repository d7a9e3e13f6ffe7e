"""The stack policy `promoted-lineage`: a promoted image runs only on an approved upstream, as recorded.

Cases: the digest-pinned CentOS Stream upstream of images/base/Dockerfile (approved) and an unapproved
Debian digest; the OCI image-spec annotations `org.opencontainers.image.base.name` / `.base.digest`
(https://github.com/opencontainers/image-spec/blob/main/annotations.md) describe what each entry records.
"""

from __future__ import annotations

import copy

import pytest

from tests.policies.helpers import APP_IMAGE, UNKNOWN, container, task_definition

POLICY = "promoted-lineage"
CENTOS = (
    "quay.io/centos/centos:stream9@sha256:e5fdd83894773a25f22fbdf0b5253c63677d0cbaf8d3a8366b165a3ef5902964"
)
DEBIAN = "docker.io/library/debian:bookworm@sha256:" + "d" * 64
REGISTRY_PREFIX = APP_IMAGE.split("@", 1)[0].rsplit("/", 1)[0]
BASE = f"{REGISTRY_PREFIX}/base@sha256:{'b' * 64}"
RUNTIME = f"{REGISTRY_PREFIX}/java-runtime@sha256:{'c' * 64}"
APP = APP_IMAGE.split("@", 1)[0].rsplit("/", 1)[-1]


def chain(upstream: str = CENTOS) -> dict:
    return {
        "base": {"reference": BASE, "parent": upstream, "upstream": upstream, "sourceRevision": "r1"},
        "java-runtime": {"reference": RUNTIME, "parent": BASE, "upstream": upstream, "sourceRevision": "r1"},
        APP: {"reference": APP_IMAGE, "parent": RUNTIME, "upstream": upstream, "sourceRevision": "r1"},
    }


def edited(path: tuple[str, str], value: object, upstream: str = CENTOS) -> dict:
    lineage = copy.deepcopy(chain(upstream))
    lineage[path[0]][path[1]] = value
    return lineage


def verdict(pack, lineage, approved=(CENTOS,), image=APP_IMAGE):
    pack.configure({POLICY: {"approvedUpstreams": list(approved), "lineage": lineage}})
    analysis = pack.process.analyze_stack_resources([task_definition(container(image=image))])
    return [d for d in analysis.diagnostics if d.policy_name == POLICY], analysis


COMPLIANT = [
    pytest.param(chain(), (CENTOS,), id="chain rooted in the approved CentOS digest"),
    pytest.param(chain(CENTOS.replace(":stream9@", "@")), (CENTOS,),
                 id="approved upstream recorded without its informative tag"),
]
VIOLATING = [
    pytest.param(chain(DEBIAN), (CENTOS,), "which is not approved", id="unapproved upstream"),
    pytest.param(chain(), (), "which is not approved", id="nothing approved"),
    pytest.param({}, (CENTOS,), "whose lineage was never recorded", id="pinned digest with no lineage"),
    pytest.param(edited(("base", "parent"), APP_IMAGE), (CENTOS,), "is a cycle", id="cycle"),
    pytest.param(edited(("java-runtime", "parent"), f"{REGISTRY_PREFIX}/base@sha256:{'9' * 64}"), (CENTOS,),
                 "is neither a recorded image of the chain nor its upstream", id="chain breaks"),
    pytest.param(edited(("base", "upstream"), DEBIAN), (CENTOS, DEBIAN), "differs from the upstream",
                 id="links disagree on the upstream"),
    pytest.param(edited(("base", "upstream"), "quay.io/centos/centos:stream9"), (CENTOS,),
                 "is given by the tag 'stream9'", id="upstream by tag"),
    pytest.param(edited(("base", "reference"), f"{REGISTRY_PREFIX}/other@sha256:{'b' * 64}"), (CENTOS,),
                 "not of image 'base'", id="reference of another repository"),
    pytest.param({"base": "quay.io/centos/centos"}, (CENTOS,),
                 "promoted-lineage.lineage.base: expected a map", id="wrong shape"),
]


@pytest.mark.parametrize(("lineage", "approved"), COMPLIANT)
def test_compliant_lineage_passes(pack, lineage, approved):
    flagged, _ = verdict(pack, lineage, approved)
    assert flagged == []


@pytest.mark.parametrize(("lineage", "approved", "message"), VIOLATING)
def test_violating_lineage_is_blocked_on_the_task_definition(pack, lineage, approved, message):
    flagged, _ = verdict(pack, lineage, approved)
    assert flagged, "expected a violation"
    assert all(d.enforcement_level == "mandatory" for d in flagged)
    assert any(message in d.message for d in flagged), [d.message for d in flagged]
    assert all("container 'app'" in d.message and "Fix:" in d.message for d in flagged)


def test_the_message_names_the_chain_and_the_upstream(pack):
    [flagged], _ = verdict(pack, chain(DEBIAN))
    assert f"built {APP} -> java-runtime -> base FROM the upstream {DEBIAN!r}" in flagged.message


def test_unknown_image_is_named_as_unchecked(pack):
    flagged, analysis = verdict(pack, chain(), image=UNKNOWN)
    assert flagged == []
    skipped = [n.reason for n in analysis.not_applicable if n.policy_name == POLICY]
    assert any("image of container 'app'" in reason for reason in skipped)
