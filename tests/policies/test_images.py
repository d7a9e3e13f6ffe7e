"""Question 1: task images and every Dockerfile FROM come from approved, digest-pinned sources."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.policies.helpers import (
    APPROVALS,
    DIGEST,
    REGISTRY,
    UPSTREAM,
    assert_verdict,
    container,
    resource,
    task_definition,
)

IMAGE = "docker:index/image:Image"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param(task_definition(container()), None, id="compliant: approved repository by digest"),
        pytest.param(
            task_definition(container(), container(name="sidecar", image="nginx:latest")),
            "'nginx:latest': a bare Docker Hub name",
            id="violating: sidecar from Docker Hub",
        ),
        pytest.param(
            task_definition(container(image=f"{REGISTRY}/container-platform/hello-world:latest")),
            "tag 'latest' not pinned by digest",
            id="violating: tag latest",
        ),
        pytest.param(
            task_definition(container(image=f"{REGISTRY}/container-platform/hello-world")),
            "tag 'latest (implied)' not pinned by digest",
            id="violating: no tag at all",
        ),
        pytest.param(
            task_definition(container(image=f"public.ecr.aws/nginx/nginx@{DIGEST}")),
            "registry 'public.ecr.aws' is not approved",
            id="violating: public registry",
        ),
        pytest.param(
            task_definition(container(image=f"{REGISTRY}/someone-else/app@{DIGEST}")),
            "repository 'someone-else/app' is not approved",
            id="violating: unapproved repository",
        ),
        pytest.param(
            task_definition(container(image="Not A Reference")),
            "not a valid image reference",
            id="violating: malformed reference",
        ),
    ],
)
def test_task_images_come_from_approved_repositories_by_digest(pack, task, expected):
    assert_verdict(pack, task, "approved-container-images", expected)


def test_task_images_may_use_tags_where_digests_are_not_required(pack):
    pack.configure(
        {
            "approved-container-images": {
                "approvedRegistries": [REGISTRY],
                "approvedRepositories": ["container-platform/hello-world"],
                "requireDigest": False,
            }
        }
    )
    tagged = task_definition(container(image=f"{REGISTRY}/container-platform/hello-world:1.2.3"))
    assert pack.violations(tagged, "approved-container-images") == []


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        pytest.param(f"nginx@{DIGEST}", None, id="compliant: the bare name is docker.io/library/nginx"),
        pytest.param(f"docker.io/nginx@{DIGEST}", None, id="compliant: docker.io/nginx is the same image"),
        pytest.param(f"someone/nginx@{DIGEST}", "repository 'someone/nginx' is not approved", id="violating"),
    ],
)
def test_task_images_from_an_approved_docker_hub_repository(pack, image, expected):
    """ECS pulls `nginx` from Docker Hub as docker.io/library/nginx (distribution's normalisation)."""
    pack.configure(
        {
            "approved-container-images": {
                "approvedRegistries": ["docker.io"],
                "approvedRepositories": ["library/nginx"],
            }
        }
    )
    assert_verdict(pack, task_definition(container(image=image)), "approved-container-images", expected)


def docker_image(tmp_path, dockerfile: str, *, args=None, context="images/app", name="app", image_name=None):
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile)
    return resource(
        IMAGE,
        name,
        {
            "build": {"context": context, "dockerfile": str(path), "args": args or {}},
            "imageName": image_name or f"{REGISTRY}/container-platform/{name}:abc123",
        },
    )


RUNTIME = f"{REGISTRY}/container-platform/java-runtime@{DIGEST}"
NESTED_ARG_DEFAULT = (
    f"ARG REGISTRY={REGISTRY}\n"
    f"ARG RUNTIME=${{REGISTRY}}/container-platform/java-runtime@{DIGEST}\n"
    "FROM ${RUNTIME}\n"
)


@pytest.mark.parametrize(
    ("dockerfile", "args", "expected"),
    [
        pytest.param(f"FROM {UPSTREAM}\n", {}, None, id="compliant: approved upstream by digest"),
        pytest.param(
            "ARG RUNTIME_IMAGE\nFROM ${RUNTIME_IMAGE} AS build\nRUN true\nFROM build\n",
            {"RUNTIME_IMAGE": RUNTIME},
            None,
            id="compliant: internal image from build arg, later stage FROM an earlier one",
        ),
        pytest.param(
            f"ARG UPSTREAM={UPSTREAM}\nFROM $UPSTREAM\n", {}, None, id="compliant: ARG default applied"
        ),
        pytest.param(
            NESTED_ARG_DEFAULT,
            {},
            None,
            id="compliant: an ARG default built from an earlier ARG",
        ),
        pytest.param(
            NESTED_ARG_DEFAULT,
            {"REGISTRY": "docker.io"},
            "registry 'docker.io' is not approved",
            id="violating: a build arg changes an ARG default built from it",
        ),
        pytest.param(
            "ARG UPSTREAM=centos:latest\nFROM ${UPSTREAM}\n",
            {"UPSTREAM": UPSTREAM},
            None,
            id="compliant: build arg overrides an unapproved default",
        ),
        pytest.param(
            f"ARG UPSTREAM={UPSTREAM}\nFROM ${{UPSTREAM}}\n",
            {"UPSTREAM": "centos:7"},
            "FROM 'centos:7'",
            id="violating: build arg overrides an approved default",
        ),
        pytest.param("FROM centos:7\n", {}, "FROM 'centos:7' is neither", id="violating: upstream by tag"),
        pytest.param(
            f"FROM {UPSTREAM}\nFROM alpine@{DIGEST}\n",
            {},
            "line 2 ('FROM alpine@",
            id="violating: second stage from an unapproved image",
        ),
        pytest.param(
            "FROM quay.io/centos/centos@sha256:" + "00" * 32 + "\n",
            {},
            "is neither an approved upstream",
            id="violating: approved upstream, other digest",
        ),
        pytest.param(
            f"FROM {REGISTRY}/container-platform/java-runtime:latest\n",
            {},
            "is not pinned by digest",
            id="violating: internal image by tag",
        ),
        pytest.param(
            "FROM --platform=linux/amd64 ${MISSING:-ubuntu:22.04}\n",
            {},
            "FROM 'ubuntu:22.04'",
            id="violating: default inside a substitution, platform flag",
        ),
    ],
)
def test_every_dockerfile_from_is_an_approved_base(pack, tmp_path, dockerfile, args, expected):
    assert_verdict(pack, docker_image(tmp_path, dockerfile, args=args), "approved-base-images", expected)


ALPINE_DIGEST = "sha256:" + "ef" * 32
DOCKER_HUB_FORMS = [
    (
        "hadolint DL3026Spec 'allows all forms of docker.io': a bare name",
        f"FROM alpine@{ALPINE_DIGEST}\n",
        None,
    ),
    ("a library/ path", f"FROM library/alpine@{ALPINE_DIGEST}\n", None),
    ("the docker.io host", f"FROM docker.io/library/alpine@{ALPINE_DIGEST}\n", None),
    (
        "index.docker.io, which distribution normalises to docker.io",
        f"FROM index.docker.io/alpine@{ALPINE_DIGEST}\n",
        None,
    ),
    ("another image of Docker Hub", f"FROM zemanlx/alpine@{ALPINE_DIGEST}\n", "a bare Docker Hub name"),
    ("the same path on another registry", f"FROM quay.io/library/alpine@{ALPINE_DIGEST}\n", "neither"),
    ("the approved image by another digest", "FROM alpine@sha256:" + "00" * 32 + "\n", "neither"),
]


@pytest.mark.parametrize(
    ("case", "dockerfile", "expected"), DOCKER_HUB_FORMS, ids=[c[0] for c in DOCKER_HUB_FORMS]
)
def test_an_approved_docker_hub_upstream_in_every_spelling_docker_accepts(
    pack, tmp_path, case, dockerfile, expected
):
    """distribution's ParseNormalizedNamed: `alpine`, `library/alpine`, `docker.io/library/alpine` and
    `index.docker.io/alpine` are one image; the board approves it once, as docker.io/library/alpine."""
    pack.configure(
        {
            "approved-base-images": {
                **APPROVALS,
                "approvedUpstreams": [f"docker.io/library/alpine@{ALPINE_DIGEST}"],
            }
        }
    )
    assert_verdict(pack, docker_image(tmp_path, dockerfile), "approved-base-images", expected)


def test_dockerfile_paths_are_relative_to_the_project_root(pack):
    base = resource(
        IMAGE,
        "base",
        {
            "build": {
                "context": "images/base",
                "dockerfile": "images/base/Dockerfile",
                "args": {"UPSTREAM": UPSTREAM},
            },
            "imageName": f"{REGISTRY}/container-platform/base:abc",
        },
    )
    assert pack.violations(base, "approved-base-images") == []
    pack.configure({"approved-base-images": {"approvedUpstreams": [UPSTREAM], "projectRoot": "/nonexistent"}})
    assert_verdict(pack, base, "approved-base-images", "cannot read its Dockerfile 'images/base/Dockerfile'")


@pytest.mark.parametrize(
    ("context", "image_name", "expected"),
    [
        pytest.param(
            "images/app",
            f"{REGISTRY}/container-platform/hello-world:1",
            None,
            id="compliant: approved repository",
        ),
        pytest.param(
            "images/hello-world-v2",
            f"{REGISTRY}/container-platform/hello-world:1",
            None,
            id="compliant: the build folder is named differently from its repository (issue 12)",
        ),
        pytest.param(
            "images/app",
            f"{REGISTRY}/container-platform/other:1",
            "repository 'container-platform/other' is not approved",
            id="violating: pushed to a repository the board did not approve",
        ),
        pytest.param(
            "images/hello-world",
            "docker.io/someone/hello-world:1",
            "registry 'docker.io' is not approved",
            id="violating: pushed outside the approved registry",
        ),
    ],
)
def test_images_are_pushed_only_to_approved_repositories(pack, tmp_path, context, image_name, expected):
    image = docker_image(tmp_path, f"FROM {UPSTREAM}\n", context=context, image_name=image_name)
    assert_verdict(pack, image, "image-repository-matches-name", expected)


OWN_REPOSITORY = "image-pushed-to-own-repository"
CHAIN = "container-platform:index:ImageChain"


def _stack_resource(type_token, name, properties, parent=None):
    res = resource(type_token, name, properties)
    return replace(res, parent=parent.urn if parent else None)


def _chain_stack(pushed_to: str):
    """An image chain component, its repository component and ECR repository, and one image it pushes."""
    chain = _stack_resource(CHAIN, "images", {})
    other = _stack_resource(CHAIN, "other-team", {})
    own_component = _stack_resource("container-platform:index:EcrRepository", "hello-world", {}, chain)
    other_component = _stack_resource("container-platform:index:EcrRepository", "billing", {}, other)
    own = _stack_resource(
        "aws:ecr/repository:Repository",
        "hello-world",
        {"repositoryUrl": f"{REGISTRY}/container-platform/hello-world"},
        own_component,
    )
    theirs = _stack_resource(
        "aws:ecr/repository:Repository",
        "billing",
        {"repositoryUrl": f"{REGISTRY}/container-platform/billing"},
        other_component,
    )
    image = _stack_resource(IMAGE, "hello-world-image", {"imageName": f"{REGISTRY}/{pushed_to}:1"}, chain)
    return [chain, other, own_component, other_component, own, theirs, image]


@pytest.mark.parametrize(
    ("pushed_to", "expected"),
    [
        pytest.param(
            "container-platform/hello-world", None, id="compliant: the repository its component made"
        ),
        pytest.param(
            "container-platform/billing",
            "which another component created",
            id="violating: another's repository",
        ),
        pytest.param(
            "container-platform/nowhere", "no ECR repository of this stack", id="violating: not this stack's"
        ),
    ],
)
def test_an_image_is_pushed_to_the_repository_its_component_created(pack, pushed_to, expected):
    """The brief: pushes go through the automation so that nobody overwrites an image."""
    found = [
        d for d in pack.process.analyze_stack(_chain_stack(pushed_to)) if d.policy_name == OWN_REPOSITORY
    ]
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0].message and "Fix" in found[0].message
