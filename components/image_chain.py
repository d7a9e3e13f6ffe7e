"""The image chain: base -> java-runtime -> applications, each FROM its parent's digest, one per repository.

Source `build` (dev) creates the ECR repositories and builds and pushes each image with pulumi-docker, passing
the parent's repo digest (never a tag) as the spec's build arg; with `images.registryAccount` it pushes into
the central registry's repositories instead (the `registry` stack owns them) and creates none. Sources
`pinned` and `stackReference` (prod) build nothing: they deploy digests that were built, tested and promoted
elsewhere. Either way the output is one digest reference per image, which is all the services need, and each
image's lineage (its parent's digest, the upstream at the root of the chain, the source revision), which
promotion carries to the next stack. A build records the lineage it builds from, in the image's labels and in
the lineage output alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

from components.ecr_repository import EcrRepository, EcrRepositoryArgs
from components.image_specs import (
    BASE,
    JAVA_RUNTIME,
    LINEAGE_BUILD_ARGS,
    REVISION_LABEL,
    UPSTREAM_LABEL,
    ImageSpec,
    application_image,
    lineage_build_args,
    release_tag,
)
from components.settings import ImagesSettings, RepositoriesSettings, check_image_reference
from components.source_revision import source_revision
from image_references.digest_reference import DigestReferenceError, ecr_registry
from image_references.lineage import (
    LINEAGE_OUTPUT,
    PARENT,
    REFERENCE,
    SOURCE_REVISION,
    UPSTREAM,
    LineageError,
    parse_lineage,
)

DIGESTS_OUTPUT = "imageDigests"


@dataclass(frozen=True)
class ImageChainArgs:
    images: ImagesSettings
    application_images: tuple[str, ...]
    repositories: RepositoriesSettings
    kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str] = field(default_factory=dict)
    platform: str = "linux/amd64"
    region: str = ""  # the stack's: where the central registry (images.registryAccount) serves it


def digest_from_outputs(
    outputs: Mapping[str, str] | None, name: str, stack: str, repository_prefix: str
) -> str:
    """One image's digest reference from the source stack's `imageDigests`, refused unless deployable."""
    setting = f"{stack} output {DIGESTS_OUTPUT}.{name}"
    if not outputs or name not in outputs:
        raise pulumi.RunError(
            f"{setting} is missing: the source stack publishes no digest for {name!r}; build it there first"
        )
    try:
        return check_image_reference(name, outputs[name], repository_prefix, setting=setting)
    except DigestReferenceError as error:
        raise pulumi.RunError(str(error)) from None


def lineage_from_outputs(outputs: Mapping[str, object] | None, stack: str) -> dict[str, dict[str, str]]:
    """The source stack's `imageLineage`, refused when malformed (an older source publishes none: empty)."""
    if outputs is None:
        return {}
    try:
        parsed = parse_lineage(outputs, where=f"{stack} output {LINEAGE_OUTPUT}")
    except LineageError as error:
        raise pulumi.RunError("; ".join(error.reasons)) from None
    return {name: entry.to_json() for name, entry in parsed.items()}


class ImageChain(pulumi.ComponentResource):
    """`digests` maps image name -> `<registry>/<repository>@sha256:<hex>`, for every image of the stack;
    `lineage` maps image name -> {reference, parent, upstream, sourceRevision} for every image whose lineage
    is known (image_references/lineage.py)."""

    def __init__(self, name: str, args: ImageChainArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:index:ImageChain", name, None, opts)
        self._args = args
        specs = (BASE, JAVA_RUNTIME, *(application_image(image) for image in args.application_images))
        self.lineage: pulumi.Output[dict[str, dict[str, str]]]
        if args.images.source == "build":
            self.digests = self._build(specs)
        elif args.images.source == "pinned":
            self.digests = {
                spec.name: pulumi.Output.from_input(args.images.pinned[spec.name]) for spec in specs
            }
            recorded = args.images.lineage_of_pins()
            self.lineage = pulumi.Output.from_input(
                {spec.name: recorded[spec.name] for spec in specs if spec.name in recorded}
            )
        else:
            self.digests = self._from_stack(specs)
        self.register_outputs({"digests": self.digests, "lineage": self.lineage})

    def _build(self, specs: tuple[ImageSpec, ...]) -> dict[str, pulumi.Output[str]]:
        args = self._args
        upstream = str(args.images.upstream)  # settings require it for this source
        lineage: dict[str, pulumi.Output[dict[str, str]]] = {}
        child = pulumi.ResourceOptions(parent=self)
        central = args.images.registry_account
        token = aws.ecr.get_authorization_token_output(
            registry_id=central, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        digests: dict[str, pulumi.Output[str]] = {}
        for spec in specs:
            repository_name = f"{args.images.repository_prefix}/{spec.name}"
            if central is not None:
                url = pulumi.Output.from_input(f"{ecr_registry(central, args.region)}/{repository_name}")
                pushed_after: list[pulumi.Resource] = []
            else:
                repository = EcrRepository(
                    spec.name,
                    EcrRepositoryArgs(
                        repository_name=repository_name,
                        kms_key_arn=args.kms_key_arn,
                        untagged_expiry_days=args.repositories.untagged_expiry_days,
                        keep_releases=args.repositories.keep_releases,
                        tags=dict(args.tags),
                    ),
                    opts=child,
                )
                url, pushed_after = repository.url, [repository.lifecycle_policy]
            parent = pulumi.Output.from_input(upstream if spec.parent is None else digests[spec.parent])
            revision = source_revision(spec.context_path())
            image_name = pulumi.Output.concat(
                url,
                ":",
                parent.apply(lambda reference, spec=spec, r=revision: release_tag(spec, reference, r)),
            )
            # The upstream and the revision are known at preview; only the parent's name and digest wait.
            known = {
                LINEAGE_BUILD_ARGS[UPSTREAM_LABEL]: upstream,
                LINEAGE_BUILD_ARGS[REVISION_LABEL]: revision,
            }
            build_args: dict[str, pulumi.Input[str]] = {
                arg: known.get(arg)
                or parent.apply(
                    lambda reference, spec=spec, arg=arg, r=revision: lineage_build_args(
                        spec, reference, upstream, r
                    )[arg]
                )
                for arg in LINEAGE_BUILD_ARGS.values()
            }
            image = docker.Image(
                spec.name,
                image_name=image_name,
                build=docker.DockerBuildArgs(
                    context=spec.context,
                    dockerfile=spec.dockerfile,
                    args={spec.parent_arg: parent, **build_args},
                    platform=args.platform,
                ),
                registry=docker.RegistryArgs(
                    server=url.apply(lambda value: value.split("/", 1)[0]),
                    username=token.user_name,
                    password=pulumi.Output.secret(token.password),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=pushed_after),
            )
            digests[spec.name] = image.repo_digest
            lineage[spec.name] = pulumi.Output.all(image.repo_digest, parent).apply(
                lambda pair, r=revision: {
                    REFERENCE: pair[0],
                    PARENT: pair[1],
                    UPSTREAM: upstream,
                    SOURCE_REVISION: r,
                }
            )
        self.lineage = pulumi.Output.all(**lineage)
        return digests

    def _from_stack(self, specs: tuple[ImageSpec, ...]) -> dict[str, pulumi.Output[str]]:
        stack = str(self._args.images.stack_reference)  # settings require it for this source
        prefix = self._args.images.repository_prefix
        reference = pulumi.StackReference(stack, opts=pulumi.ResourceOptions(parent=self))
        published = reference.get_output(DIGESTS_OUTPUT)
        self.lineage = reference.get_output(LINEAGE_OUTPUT).apply(
            lambda outputs: lineage_from_outputs(outputs, stack)
        )
        return {
            spec.name: published.apply(
                lambda outputs, name=spec.name: digest_from_outputs(outputs, name, stack, prefix)
            )
            for spec in specs
        }
