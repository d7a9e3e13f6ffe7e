"""Every image a build pulls content from is approved, for every build resource type.

Docker reads instructions in any case ("The instruction is not case-sensitive", Dockerfile reference), takes
content from other images by `COPY --from`, `RUN --mount=from=` and the `# syntax=` frontend (BuildKit's
Dockerfile frontend docs), and downloads `ADD <url>` (hadolint DL3020 prefers COPY; the board forbids the
URL outright). Each case cites its source.
"""

from __future__ import annotations

import pytest

from tests.policies.helpers import DIGEST, REGISTRY, UNKNOWN, UPSTREAM, assert_verdict, resource

IMAGE = "docker:index/image:Image"
DOCKER_BUILD = "docker-build:index:Image"
REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage"
TAG = "docker:index/tag:Tag"
RUNTIME = f"{REGISTRY}/container-platform/java-runtime@{DIGEST}"
APP = f"{REGISTRY}/container-platform/hello-world:1"
DOCKER_REFERENCE = "Dockerfile reference (docs.docker.com/reference/dockerfile)"


def docker_image(tmp_path, dockerfile: str, name: str = "app", **build) -> object:
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile)
    return resource(
        IMAGE, name, {"build": {"context": "images/app", "dockerfile": str(path), **build}, "imageName": APP}
    )


def docker_build_image(tmp_path, dockerfile: str, name: str = "buildx", **props) -> object:
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile)
    return resource(
        DOCKER_BUILD,
        name,
        {
            "context": {"location": str(tmp_path)},
            "dockerfile": {"location": str(path)},
            "tags": [APP],
            **props,
        },
    )


BASE_CASES = [
    (
        DOCKER_REFERENCE + ": FROM in lower case",
        f"from {RUNTIME}\nFROM nginx:latest\n",
        "FROM 'nginx:latest'",
    ),
    (DOCKER_REFERENCE + ": instructions in any case", f"FROM {RUNTIME}\nfrom nginx\n", "FROM 'nginx'"),
    (
        "hadolint DL3022: COPY --from names an image when no stage has that name",
        f"FROM {RUNTIME}\nCOPY --from=busybox:1.36 /bin/sh /sh\n",
        "COPY from 'busybox:1.36'",
    ),
    (
        DOCKER_REFERENCE + ": COPY --from an earlier stage by name, any case",
        f"FROM {RUNTIME} AS Build\nFROM {RUNTIME}\nCOPY --from=build /app /app\n",
        None,
    ),
    (
        DOCKER_REFERENCE + ": COPY --from an earlier stage by index",
        f"FROM {RUNTIME}\nFROM {RUNTIME}\nCOPY --from=0 /app /app\n",
        None,
    ),
    (
        DOCKER_REFERENCE + ": flags spelled in capitals",
        f"FROM {RUNTIME}\nCOPY --FROM=alpine /x /x\n",
        "COPY from 'alpine'",
    ),
    (
        "BuildKit RUN --mount: from= names the image a bind mount reads",
        f"FROM {RUNTIME}\nRUN --mount=type=bind,from=evil/tools:1,target=/t /t/install\n",
        "RUN from 'evil/tools:1'",
    ),
    (
        "BuildKit RUN --mount: option keys in any case",
        f"FROM {RUNTIME}\nRUN --mount=type=cache,FROM=evil/cache,target=/c true\n",
        "RUN from 'evil/cache'",
    ),
    (
        "BuildKit RUN --mount: a cache mount without from",
        f"FROM {RUNTIME}\nRUN --mount=type=cache,target=/root/.m2 true\n",
        None,
    ),
    (
        "BuildKit Dockerfile frontend: # syntax= picks the image that parses the file",
        f"# syntax=docker/dockerfile:1.7\nFROM {RUNTIME}\n",
        "# syntax 'docker/dockerfile:1.7'",
    ),
    (
        "BuildKit parser directives: key case-insensitive, spaces allowed",
        f"#  SYNTAX = docker/dockerfile:1\nFROM {RUNTIME}\n",
        "'docker/dockerfile:1'",
    ),
    (
        "BuildKit parser directives: an approved frontend by digest",
        f"# syntax={UPSTREAM}\nFROM {RUNTIME}\n",
        None,
    ),
    (
        DOCKER_REFERENCE + ": ONBUILD runs its instruction in every child build",
        f"FROM {RUNTIME}\nONBUILD COPY --from=evil/payload:1 / /\n",
        "COPY from 'evil/payload:1'",
    ),
    (
        "hadolint test/Hadolint/Rule/DL3006Spec.hs 'no untagged'",
        "FROM debian\n",
        "FROM 'debian'",
    ),
    ("hadolint DL3006Spec 'no untagged with name'", "FROM debian AS builder\n", "FROM 'debian'"),
    ("hadolint DL3006Spec 'scratch'", "FROM scratch\n", None),
    (
        "hadolint DL3006Spec 'using args' (an ARG nobody declared expands to nothing, which Docker refuses)",
        "FROM ${VALUE}\n",
        "FROM ''",
    ),
    (
        "hadolint DL3006Spec 'local aliases are OK to be untagged'",
        f"FROM {RUNTIME} AS build\nRUN foo\nFROM build as unit-test\nRUN bar\nFROM {UPSTREAM}\nRUN baz\n",
        None,
    ),
    (
        "hadolint DL3006Spec 'other untagged cases are not ok'",
        f"FROM {RUNTIME} AS build\nRUN foo\nFROM node as unit-test\nRUN bar\nFROM {UPSTREAM}\n",
        "FROM 'node'",
    ),
    (
        "hadolint DL3007Spec 'explicit tagged and SHA': an unapproved registry, digest or not",
        "FROM hub.docker.io/debian:latest@sha256:" + "79" * 32 + "\n",
        "'hub.docker.io/debian:latest@sha256:",
    ),
    (
        "hadolint DL3007Spec 'explicit tagged and SHA': the digest decides, the tag beside it does not",
        "FROM quay.io/centos/centos:latest@" + UPSTREAM.rsplit("@", 1)[1] + "\n",
        None,
    ),
    (
        "hadolint DL3022Spec 'warn on alias defined after': BuildKit (dockerfile2llb toCommand) looks "
        "--from up among all stages, so the later stage is what is copied, and it is judged as a FROM",
        f"FROM scratch\nCOPY --from=build foo .\nFROM {RUNTIME} as build\nRUN baz\n",
        None,
    ),
    (
        "hadolint DL3022Spec 'warn on alias defined after', the later stage from an unapproved image",
        "FROM scratch\nCOPY --from=build foo .\nFROM node as build\nRUN baz\n",
        "FROM 'node'",
    ),
    (
        "hadolint DL3022Spec 'don't warn on valid stage count as --from=<count>'",
        f"FROM scratch\nRUN foo\nFROM {RUNTIME}\nCOPY --from=0 foo .\n",
        None,
    ),
    (
        "hadolint DL3022Spec 'don't warn on external images' (here: an unapproved one)",
        f"FROM {RUNTIME}\nCOPY --from=haskell:latest bar .\n",
        "COPY from 'haskell:latest'",
    ),
    (
        "hadolint test/Hadolint/Rule/DL3023Spec.hs 'warn on copying from your the same FROM': BuildKit "
        "(dockerfile2llb validateCircularDependency) refuses the build",
        f"FROM {RUNTIME} as foo\nCOPY --from=foo bar .\n",
        "circular dependency",
    ),
    (
        "hadolint DL3023Spec 'don't warn on copying from other sources'",
        f"FROM scratch as build\nRUN foo\nFROM {RUNTIME} as run\nCOPY --from=build foo .\nRUN baz\n",
        None,
    ),
    (
        "BuildKit validateCircularDependency: two stages copying from each other",
        f"FROM {RUNTIME} AS a\nCOPY --from=b /x /x\nFROM {RUNTIME} AS b\nCOPY --from=a /y /y\n",
        "circular dependency",
    ),
    (
        "BuildKit validateCircularDependency: a mount of the stage's own name",
        f"FROM {RUNTIME} AS a\nRUN --mount=from=a,target=/t true\n",
        "circular dependency",
    ),
    (
        "hadolint DL3024Spec 'warn on duplicate aliases': BuildKit keeps the last stage of a name",
        f"FROM {RUNTIME} as foo\nRUN something\nFROM scratch as foo\nFROM foo\n",
        None,
    ),
    (
        "hadolint DL3024Spec 'warn on duplicate aliases', the first from an unapproved image",
        "FROM node as foo\nRUN something\nFROM scratch as foo\nRUN something\n",
        "FROM 'node'",
    ),
    (
        "hadolint DL3026Spec 'does warn on copy from untrusted registry'",
        f"FROM {RUNTIME}\nCOPY --from=untrusted.com/repo/image:tag /foo /bar\n",
        "COPY from 'untrusted.com/repo/image:tag'",
    ),
    (
        "hadolint DL3026Spec 'does not warn on copy from' a trusted registry",
        f"FROM {RUNTIME}\nCOPY --from={RUNTIME} /foo /bar\n",
        None,
    ),
    (
        "hadolint DL3026Spec 'warn on run with cache mount from untrusted registry'",
        f"FROM {RUNTIME}\nRUN --mount=type=cache,from=untrusted.com/repo/image:tag,target=/foo foobar\n",
        "RUN from 'untrusted.com/repo/image:tag'",
    ),
    (
        "BuildKit dockerfile2llb detectRunMount: a mount's from= is looked up by stage name only, so from=0 "
        "is the image docker.io/library/0",
        f"FROM {RUNTIME}\nFROM {RUNTIME}\nRUN --mount=type=bind,from=0,target=/t true\n",
        "RUN from '0'",
    ),
    (
        "hadolint DL3026Spec 'don't warn on run with bind mount from trusted registry'",
        f"FROM {RUNTIME}\nRUN --mount=type=bind,from={RUNTIME},target=/foo foobar\n",
        None,
    ),
    (
        "hadolint DL3026Spec 'distrust all forms of docker.io if trusted registries are given'",
        "FROM ubuntu:18.04 AS b1\nFROM zemanlx/ubuntu:18.04 AS b2\n"
        "FROM docker.io/zemanlx/ubuntu:18.04 AS b3\n",
        "FROM 'docker.io/zemanlx/ubuntu:18.04'",
    ),
    (
        "hadolint DL3029Spec 'explicit platform flag': the platform does not change the image judged",
        f"FROM --platform=linux {UPSTREAM}\n",
        None,
    ),
    (
        "hadolint DL3029Spec 'allows platform ${BUILDPLATFORM:-} flag'",
        "FROM --platform=${BUILDPLATFORM:-} debian:jessie\n",
        "FROM 'debian:jessie'",
    ),
    (
        "checkov tests/dockerfile/checks/example_ReferenceLatestTag/success_arg_default_tag: a tag from "
        "an ARG default is still a tag",
        f"ARG TAG=latest\nFROM {REGISTRY}/container-platform/base:${{TAG}}\n",
        "is not pinned by digest",
    ),
    (
        "BuildKit shell lexer (frontend/dockerfile/shell/lex.go): quotes are removed before use",
        f'FROM "{RUNTIME}"\n',
        None,
    ),
    (
        "BuildKit shell lexer: a quoted ARG default is the unquoted word",
        f'ARG BASE="{RUNTIME}"\nFROM $BASE\n',
        None,
    ),
    ("BuildKit shell lexer: single quotes keep $ literal", f"ARG X={RUNTIME}\nFROM '$X'\n", "FROM '$X'"),
    (
        "BuildKit shell lexer: a quoted --from",
        f'FROM {RUNTIME}\nCOPY --from="evil/x:1" / /\n',
        "COPY from 'evil/x:1'",
    ),
    (
        DOCKER_REFERENCE + ": a line continuation inside FROM",
        "FROM \\\n  nginx:latest\n",
        "FROM 'nginx:latest'",
    ),
    (
        DOCKER_REFERENCE + ": the escape directive's backtick continues a line",
        "# escape=`\nFROM `\n  nginx:latest\n",
        "FROM 'nginx:latest'",
    ),
    (
        DOCKER_REFERENCE + ": a heredoc's body is data, not instructions",
        f"FROM {RUNTIME}\nRUN <<EOF\nFROM nginx\nEOF\nCOPY <<EOF /x\nFROM nginx\nEOF\n",
        None,
    ),
    (
        "BuildKit parser directives (parser/directives.go): a comment first ends them, so this "
        "# syntax is a comment",
        f"# a comment\n# syntax=evil/frontend:1\nFROM {RUNTIME}\n",
        None,
    ),
    (
        "BuildKit parser directives: a blank line first ends them",
        f"\n# syntax=evil/frontend:1\nFROM {RUNTIME}\n",
        None,
    ),
    (
        "BuildKit parser directives: after another directive (escape, check), syntax still counts",
        f"# check=skip=all\n# syntax=evil/frontend:1\nFROM {RUNTIME}\n",
        "# syntax 'evil/frontend:1'",
    ),
    (
        "BuildKit DetectSyntax: a first #! line is skipped",
        f"#!/usr/bin/env buildctl\n# syntax=evil/frontend:1\nFROM {RUNTIME}\n",
        "# syntax 'evil/frontend:1'",
    ),
]


@pytest.mark.parametrize(("source", "dockerfile", "expected"), BASE_CASES, ids=[c[0] for c in BASE_CASES])
def test_every_image_a_build_pulls_is_approved(pack, tmp_path, source, dockerfile, expected):
    assert_verdict(pack, docker_image(tmp_path, dockerfile), "approved-base-images", expected)


def test_the_buildkit_syntax_build_arg_is_a_frontend_too(pack, tmp_path):
    """BuildKit: the BUILDKIT_SYNTAX build arg overrides the # syntax directive."""
    image = docker_image(tmp_path, f"FROM {RUNTIME}\n", args={"BUILDKIT_SYNTAX": "evil/frontend:1"})
    assert_verdict(pack, image, "approved-base-images", "'evil/frontend:1'")


ADD_CASES = [
    (
        "hadolint DL3020",
        f"FROM {RUNTIME}\nADD https://example.com/app.jar /app.jar\n",
        "ADDs 'https://example.com/app.jar'",
    ),
    (
        DOCKER_REFERENCE + ": add in lower case, with --checksum",
        f"FROM {RUNTIME}\nadd --checksum=sha256:{'a' * 64} http://example.com/x /x\n",
        "http://example.com/x",
    ),
    (
        DOCKER_REFERENCE + ": ADD of a Git repository",
        f"FROM {RUNTIME}\nADD git@github.com:someone/tools.git /tools\n",
        "git@github.com",
    ),
    (
        "hadolint DL3020: ADD of a local archive is allowed here",
        f"FROM {RUNTIME}\nADD app.tar.gz /opt/\n",
        None,
    ),
    ("hadolint DL3020 good case: COPY", f"FROM {RUNTIME}\nCOPY app.jar /app.jar\n", None),
    (
        "hadolint test/Hadolint/Rule/DL3020Spec.hs 'add for url with quotes': BuildKit unquotes the word",
        f'FROM {RUNTIME}\nADD "http://file.com" /usr/src/app/\n',
        "ADDs 'http://file.com'",
    ),
    ("hadolint DL3020Spec 'add for tar'", f"FROM {RUNTIME}\nADD file.tar /usr/src/app/\n", None),
    (
        DOCKER_REFERENCE + ": ADD in the JSON form",
        f'FROM {RUNTIME}\nADD ["https://example.com/x", "/x"]\n',
        "ADDs 'https://example.com/x'",
    ),
    (
        DOCKER_REFERENCE + ": a URL from an ARG",
        f"FROM {RUNTIME}\nARG URL=https://example.com/x\nADD $URL /x\n",
        "ADDs 'https://example.com/x'",
    ),
    (
        DOCKER_REFERENCE + ": the escape directive's backtick continues an ADD",
        f"# escape=`\nFROM {RUNTIME}\nADD `\n  https://example.com/x /x\n",
        "ADDs 'https://example.com/x'",
    ),
    (
        DOCKER_REFERENCE + ": a heredoc's body is a file, not an ADD",
        f"FROM {RUNTIME}\nCOPY <<EOF /x\nADD https://example.com/x /y\nEOF\n",
        None,
    ),
]


@pytest.mark.parametrize(("source", "dockerfile", "expected"), ADD_CASES, ids=[c[0] for c in ADD_CASES])
def test_no_add_from_the_network(pack, tmp_path, source, dockerfile, expected):
    assert_verdict(pack, docker_image(tmp_path, dockerfile), "dockerfile-no-remote-add", expected)


HADOLINT_DL3002 = "hadolint test/Hadolint/Rule/DL3002Spec.hs"
USER_CASES = [
    (HADOLINT_DL3002 + " 'last user should not be root'", f"FROM {RUNTIME}\nUSER root\n", "USER 'root'"),
    (HADOLINT_DL3002 + " 'no root'", f"FROM {RUNTIME}\nUSER foo\n", None),
    (HADOLINT_DL3002 + " 'no root UID'", f"FROM {RUNTIME}\nUSER 0\n", "USER '0'"),
    (HADOLINT_DL3002 + " 'no root:root'", f"FROM {RUNTIME}\nUSER root:root\n", "USER 'root:root'"),
    (HADOLINT_DL3002 + " 'no UID:GID'", f"FROM {RUNTIME}\nUSER 0:0\n", "USER '0:0'"),
    (
        HADOLINT_DL3002 + " 'can switch back to non root'",
        f"FROM {RUNTIME}\nUSER root\nRUN something\nUSER foo\n",
        None,
    ),
    (
        HADOLINT_DL3002 + " 'warns on transitive root user': FROM base inherits base's USER",
        f"FROM {RUNTIME} as base\nUSER root\nRUN something\nFROM base\nRUN something else\n",
        "USER 'root'",
    ),
    (
        HADOLINT_DL3002 + " 'warns on multiple stages': hadolint warns, but the image Docker builds is the "
        "last stage, which runs as foo",
        f"FROM {RUNTIME} as base\nUSER root\nRUN something\nFROM {RUNTIME}\nUSER foo\n",
        None,
    ),
    (
        HADOLINT_DL3002 + " 'does not warn when switching in multiple stages': the image is FROM scratch "
        "with no USER, which runs as uid 0",
        f"FROM {RUNTIME} as base\nUSER root\nRUN something\nUSER foo\nFROM scratch\nRUN something else\n",
        "sets no USER",
    ),
    (
        "checkov tests/dockerfile/checks/example_RootUser/failure: the last USER is root",
        f"FROM {RUNTIME}\nUSER 10001\nRUN x\nUSER root\n",
        "USER 'root'",
    ),
    (
        "checkov tests/dockerfile/checks/example_UserExists/failure_no_user: no USER, so the image runs as "
        "its base's user",
        f"FROM {RUNTIME}\nRUN x\n",
        "sets no USER",
    ),
    (
        "checkov tests/dockerfile/checks/example_RootUser/success",
        f"FROM {RUNTIME}\n\nUSER root\nCOPY test.sh /test.sh\n\nUSER checkov\n",
        None,
    ),
    (
        "checkov example_UserExists/success_gosu passes an ENTRYPOINT that drops to a user with gosu; the "
        "image still starts as its base's user (root), so the board wants USER",
        f'FROM {RUNTIME}\nENTRYPOINT ["gosu", "me", "tini", "--", "/bin/sh"]\n',
        "sets no USER",
    ),
    (
        DOCKER_REFERENCE + ": a USER in another stage is not the image's",
        f"FROM {RUNTIME} AS build\nUSER 10001\nFROM {RUNTIME}\nCOPY --from=build /a /a\n",
        "sets no USER",
    ),
    (
        DOCKER_REFERENCE + ": USER takes ARG substitution",
        f"FROM {RUNTIME}\nARG UID=0\nUSER ${{UID}}\n",
        "USER '0'",
    ),
    ("BuildKit shell lexer: a quoted root", f'FROM {RUNTIME}\nUSER "root"\n', "USER 'root'"),
    (
        DOCKER_REFERENCE + ": ONBUILD USER runs in child builds, not this image",
        f"FROM {RUNTIME}\nUSER 10001\nONBUILD USER root\n",
        None,
    ),
]


@pytest.mark.parametrize(("source", "dockerfile", "expected"), USER_CASES, ids=[c[0] for c in USER_CASES])
def test_the_image_runs_as_a_named_non_root_user(pack, tmp_path, source, dockerfile, expected):
    assert_verdict(pack, docker_image(tmp_path, dockerfile), "dockerfile-user-not-root", expected)


def test_the_build_target_is_the_image_judged(pack, tmp_path):
    """docker Image build.target: the named stage (any case) is the image, not the last one."""
    text = f"FROM {RUNTIME} AS app\nUSER root\nFROM {RUNTIME} AS test\nUSER 10001\n"
    assert_verdict(
        pack, docker_image(tmp_path, text, target="APP"), "dockerfile-user-not-root", "USER 'root'"
    )
    assert_verdict(pack, docker_image(tmp_path, text), "dockerfile-user-not-root", None)


def test_docker_build_target_and_an_unknown_target(pack, tmp_path):
    """docker-build Image `target`: the stage built; while preview does not know it, the rule waits."""
    text = f"FROM {RUNTIME} AS app\nUSER 0\nFROM {RUNTIME} AS test\nUSER 10001\n"
    built = docker_build_image(tmp_path, text, target="app")
    assert_verdict(pack, built, "dockerfile-user-not-root", "USER '0'")
    unknown = docker_build_image(tmp_path, text, name="unknown-target", target=UNKNOWN)
    assert pack.violations(unknown, "dockerfile-user-not-root") == []
    assert pack.unchecked(unknown, "dockerfile-user-not-root")


def test_an_unknown_user_arg_is_unchecked(pack, tmp_path):
    image = docker_image(tmp_path, f"FROM {RUNTIME}\nARG UID\nUSER $UID\n", args={"UID": UNKNOWN})
    assert pack.violations(image, "dockerfile-user-not-root") == []
    assert any("UID" in reason for reason in pack.unchecked(image, "dockerfile-user-not-root"))


def test_docker_build_image_is_read_like_docker_image(pack, tmp_path):
    """pulumi docker-build Image: context.location, dockerfile.location, tags (registry docs)."""
    good = docker_build_image(tmp_path, f"FROM {RUNTIME}\nEXPOSE 8080\n")
    for policy in (
        "approved-base-images",
        "dockerfile-no-remote-add",
        "dockerfile-expose-allowed",
        "image-repository-matches-name",
    ):
        assert_verdict(pack, good, policy, None)
    bad = docker_build_image(
        tmp_path, "FROM nginx\nEXPOSE 22\nADD https://x.example/a /a\n", name="bad", tags=["docker.io/x/y:1"]
    )
    assert_verdict(pack, bad, "approved-base-images", "FROM 'nginx'")
    assert_verdict(pack, bad, "dockerfile-expose-allowed", "exposes '22'")
    assert_verdict(pack, bad, "dockerfile-no-remote-add", "https://x.example/a")
    assert_verdict(pack, bad, "image-repository-matches-name", "registry 'docker.io'")


def test_docker_build_inline_dockerfile_and_named_contexts(pack, tmp_path):
    """docker-build: dockerfile.inline; a named 'docker-image://' context replaces a FROM (BuildKit)."""
    inline = resource(
        DOCKER_BUILD,
        "inline",
        {"context": {"location": "."}, "dockerfile": {"inline": "FROM alpine\n"}, "tags": [APP]},
    )
    assert_verdict(pack, inline, "approved-base-images", "FROM 'alpine'")
    named = docker_build_image(
        tmp_path,
        f"FROM {RUNTIME}\n",
        name="named",
        context={
            "location": str(tmp_path),
            "named": {RUNTIME: {"location": "docker-image://evil/runtime:1"}},
        },
    )
    assert_verdict(pack, named, "approved-base-images", "'evil/runtime:1'")
    remote = docker_build_image(
        tmp_path,
        f"FROM {RUNTIME}\n",
        name="remote",
        context={"location": "https://github.com/someone/repo.git"},
    )
    assert_verdict(pack, remote, "approved-base-images", "remote context")


NAMED_CONTEXT_CASES = [
    ("alpine", "FROM alpine\n", None),
    ("alpine", "FROM docker.io/library/alpine:latest\n", None),
    ("alpine", "FROM alpine:3.19\n", "FROM 'alpine:3.19'"),
    ("alpine", f"FROM {RUNTIME}\nCOPY --from=alpine /bin/sh /sh\n", None),
    ("base", "FROM nginx AS base\nFROM base\n", None),
]


@pytest.mark.parametrize(("context_name", "dockerfile", "expected"), NAMED_CONTEXT_CASES)
def test_a_named_context_stands_in_for_the_image_or_stage_of_its_name(
    pack, tmp_path, context_name, dockerfile, expected
):
    """BuildKit dockerui NamedContext: a FROM, COPY --from image or stage whose Docker Hub familiar name
    (':latest' dropped) is a named context's is built from that context, which is judged instead."""
    image = docker_build_image(
        tmp_path,
        dockerfile,
        context={
            "location": str(tmp_path),
            "named": {context_name: {"location": f"docker-image://{UPSTREAM}"}},
        },
    )
    assert_verdict(pack, image, "approved-base-images", expected)


def test_the_automatic_platform_args_follow_the_builds_platform(pack, tmp_path):
    """BuildKit defines TARGETPLATFORM, TARGETOS, TARGETARCH and TARGETVARIANT in the global scope (Dockerfile
    reference, automatic platform ARGs): a FROM may use them undeclared; with one platform they are known."""
    per_arch = f"{REGISTRY}/container-platform/java-runtime-${{TARGETARCH}}@{DIGEST}"
    text = f"FROM {per_arch}\n"
    for_amd64 = docker_image(tmp_path, text, platform="linux/amd64")
    assert_verdict(
        pack, for_amd64, "approved-base-images", "repository 'container-platform/java-runtime-amd64'"
    )
    built = docker_build_image(
        tmp_path, "FROM --platform=$TARGETPLATFORM ${TARGETOS}\n", platforms=["linux/arm64"]
    )
    assert_verdict(pack, built, "approved-base-images", "FROM 'linux'")
    unknown = docker_image(tmp_path, text, name="unknown-platform", platform=UNKNOWN)
    assert pack.violations(unknown, "approved-base-images") == []
    assert any("TARGETARCH" in reason for reason in pack.unchecked(unknown, "approved-base-images"))


def test_remote_image_pull_and_build(pack, tmp_path):
    """pulumi-docker RemoteImage: `name` is pulled; `build` builds from context/dockerfile (registry docs)."""
    pulled = resource(REMOTE_IMAGE, "pulled", {"name": "nginx:latest"})
    assert_verdict(pack, pulled, "approved-base-images", "pulls 'nginx:latest'")
    assert_verdict(pack, resource(REMOTE_IMAGE, "approved", {"name": UPSTREAM}), "approved-base-images", None)
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    built = resource(
        REMOTE_IMAGE, "built", {"name": APP, "build": {"context": str(tmp_path), "dockerfile": "Dockerfile"}}
    )
    assert_verdict(pack, built, "approved-base-images", "FROM 'alpine'")


def test_tag_copies_only_approved_images_to_approved_repositories(pack):
    """pulumi-docker Tag: sourceImage is tagged as targetImage (registry docs)."""
    good = resource(TAG, "promote", {"sourceImage": RUNTIME, "targetImage": APP})
    assert_verdict(pack, good, "approved-base-images", None)
    assert_verdict(pack, good, "image-repository-matches-name", None)
    bad = resource(
        TAG, "retag", {"sourceImage": "nginx:latest", "targetImage": f"{REGISTRY}/elsewhere/app:1"}
    )
    assert_verdict(pack, bad, "approved-base-images", "sourceImage: pulls 'nginx:latest'")
    assert_verdict(pack, bad, "image-repository-matches-name", "repository 'elsewhere/app' is not approved")


def test_unknown_build_inputs_are_unchecked(pack):
    preview = resource(
        DOCKER_BUILD,
        "later",
        {"context": {"location": "."}, "dockerfile": {"location": UNKNOWN}, "tags": [UNKNOWN]},
    )
    assert pack.violations(preview, "approved-base-images") == []
    assert pack.unchecked(preview, "approved-base-images")
    assert pack.violations(preview, "image-repository-matches-name") == []
    assert pack.unchecked(preview, "image-repository-matches-name")


def test_a_dockerfile_docker_rejects_is_a_violation_not_a_crash(pack, tmp_path):
    """An unterminated heredoc in an ONBUILD trigger: Docker's parser rejects the file, so nothing passes."""
    broken = docker_image(tmp_path, f"FROM {RUNTIME}\nONBUILD RUN <<EOF\n", name="broken")
    assert_verdict(pack, broken, "approved-base-images", "does not parse")
