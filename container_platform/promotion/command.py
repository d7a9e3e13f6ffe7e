"""`python -m container_platform promote --from dev --to prod`: move built digests to the next stack.

What was tested in the source stack is what the target deploys: the command takes the source stack's
`imageDigests` and `imageLineage`, refuses anything that is not an approved repository pinned by digest or
whose lineage is missing, inconsistent or rooted in an upstream the target does not approve (and, with
--verify-ecr, anything ECR does not hold, whose scan is too severe, or whose labels contradict its
lineage), with --tag-ecr tags each image `promoted-<to>-<12 hex>` in its ECR repository so the source
stack's lifecycle never expires it, then rewrites the target's `Pulumi.<to>.yaml` pins and lineage and the
`promotedImages` and `promoted-lineage` of its policy config, shows the diff and records who did it. No
file is written until every check and every tag has succeeded; then the three files change together under a
lock on the target (promotion/transaction.py), so a crash, a full disk or a second operator never leaves them
half-promoted. Exit codes: 0 promoted (or nothing to do), 1 refused (the message says why), 2 could not
promote (the files could not be locked, read or written).
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from components.image_specs import PLATFORM_IMAGES
from container_platform.promotion.approved_images import ApprovalError, approved_references
from container_platform.promotion.ecr_clients import EcrClients
from container_platform.promotion.ecr_tagging import tag_in_ecr
from container_platform.promotion.ecr_verification import DEFAULT_BLOCKING_SEVERITY, SEVERITIES, verify_in_ecr
from container_platform.promotion.lineage import checked_lineage, label_refusals
from container_platform.promotion.policy_config_file import PolicyConfigError, PolicyConfigFile
from container_platform.promotion.record import (
    ImageChange,
    PromotionLogError,
    PromotionRecord,
    current_user,
    log_with,
    read_log,
)
from container_platform.promotion.registry_labels import RegistryAccess, ecr_access
from container_platform.promotion.stack_config_file import StackFile, StackFileError
from container_platform.promotion.stack_outputs import StackOutputsError, read_source_outputs
from container_platform.promotion.transaction import (
    FileChange,
    PromotionTransactionError,
    commit,
    interrupted_promotion,
    promotion_lock,
)
from image_references.digest_reference import DigestReference
from image_references.lineage import LineageError

EXIT_PROMOTED = 0
EXIT_REFUSED = 1
EXIT_FAILED = 2


class PromotionRefused(Exception):
    """One or more reasons not to promote; each line names the image, the value and the fix."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("\n".join(reasons))
        self.reasons = reasons


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "promote",
        help="promote the image digests one stack published into the next stack's config",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--from", dest="from_stack", required=True, metavar="STACK", help="source (dev)")
    parser.add_argument("--to", dest="to_stack", required=True, metavar="STACK", help="target (prod)")
    parser.add_argument(
        "--outputs",
        type=Path,
        metavar="FILE",
        help="JSON of `pulumi stack output --json --stack <from>`; without it the Pulumi CLI is asked",
    )
    parser.add_argument(
        "--verify-ecr",
        action="store_true",
        help="check with the ECR API (AWS credentials needed) that each digest exists and passed its scan",
    )
    parser.add_argument(
        "--tag-ecr",
        action="store_true",
        help="tag each promoted image promoted-<to>-<12 hex> in its ECR repository, so the source stack's "
        "lifecycle never expires it (AWS credentials allowed ecr:BatchGetImage and ecr:PutImage needed)",
    )
    parser.add_argument(
        "--block-severity",
        choices=SEVERITIES,
        default=DEFAULT_BLOCKING_SEVERITY,
        help=f"with --verify-ecr, refuse images with scan findings of this severity or above "
        f"(default {DEFAULT_BLOCKING_SEVERITY})",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show the diff, write nothing (with --tag-ecr: tag nothing)"
    )
    parser.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="the project root holding Pulumi.<stack>.yaml"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        record = promote(
            from_stack=args.from_stack,
            to_stack=args.to_stack,
            project_dir=args.project_dir,
            outputs_file=args.outputs,
            verify_ecr=args.verify_ecr,
            tag_ecr=args.tag_ecr,
            block_severity=args.block_severity,
            dry_run=args.dry_run,
        )
    except (PromotionRefused, ApprovalError, LineageError) as refusal:
        print(f"promote: refused to promote {args.from_stack} -> {args.to_stack}:")
        for reason in refusal.reasons:
            print(f"  - {reason}")
        return EXIT_REFUSED
    except (StackFileError, PolicyConfigError, StackOutputsError) as error:
        print(f"promote: {error}")
        return EXIT_REFUSED
    except (PromotionTransactionError, PromotionLogError) as error:
        print(f"promote: could not promote {args.from_stack} -> {args.to_stack}: {error}")
        return EXIT_FAILED
    if record is None:
        print(f"promote: {args.to_stack} already pins every digest {args.from_stack} published; no change")
    elif args.dry_run:
        print("promote: dry run, nothing written")
    else:
        print(f"promote: {args.from_stack} -> {args.to_stack} recorded; review and commit the files above")
    return EXIT_PROMOTED


def promote(
    *,
    from_stack: str,
    to_stack: str,
    project_dir: Path,
    outputs_file: Path | None = None,
    verify_ecr: bool = False,
    tag_ecr: bool = False,
    block_severity: str = DEFAULT_BLOCKING_SEVERITY,
    dry_run: bool = False,
    registry_access: Callable[[DigestReference], RegistryAccess] | None = None,
) -> PromotionRecord | None:
    """Promote and return the record, or None when the target already pins and lists exactly these digests.

    `registry_access` says where --verify-ecr reads each image's labels (the /v2/ API of the ECR registry
    holding it, by default).

    With `tag_ecr`, every published image is tagged even when the target already pins it, so running
    promote again protects images promoted before tagging existed. Everything from the first read to the
    last write happens under the target's lock; an interrupted earlier promotion is finished first.
    """
    if from_stack == to_stack:
        raise PromotionRefused([f"--from and --to are both {from_stack!r}; promote to the next stack"])
    options = dict(
        from_stack=from_stack,
        to_stack=to_stack,
        project_dir=project_dir,
        outputs_file=outputs_file,
        verify_ecr=verify_ecr,
        tag_ecr=tag_ecr,
        block_severity=block_severity,
        dry_run=dry_run,
        registry_access=registry_access,
    )
    if dry_run:
        journal = interrupted_promotion(project_dir, to_stack)
        if journal is not None:
            raise PromotionTransactionError(
                f"{journal} records an interrupted promotion into {to_stack!r}; run promote without "
                "--dry-run to finish it first"
            )
        return _promote(**options)
    with promotion_lock(project_dir, to_stack) as recovered:
        for line in recovered:
            print(f"promote: {line}")
        return _promote(**options)


def _promote(
    *,
    from_stack: str,
    to_stack: str,
    project_dir: Path,
    outputs_file: Path | None,
    verify_ecr: bool,
    tag_ecr: bool,
    block_severity: str,
    dry_run: bool,
    registry_access: Callable[[DigestReference], RegistryAccess] | None,
) -> PromotionRecord | None:
    stack_file = StackFile.load(project_dir, to_stack)
    policy_config = PolicyConfigFile.load(project_dir, to_stack)
    read_log(project_dir, to_stack)
    _check_stack_reference(stack_file, from_stack)
    source = read_source_outputs(from_stack, project_dir, outputs_file)
    published = _needed_by(stack_file, source.digests, from_stack)
    images = approved_references(published, stack_file=stack_file, policy_config=policy_config)
    lineage = checked_lineage(source.outputs, images, to_stack=to_stack, policy_config=policy_config)
    if verify_ecr:
        refusals = verify_in_ecr(images, block_at=block_severity)
        if not refusals:
            refusals = label_refusals(images, lineage, registry_access or _ecr_registry_access())
        if refusals:
            raise PromotionRefused(refusals)
    if tag_ecr:
        tagging = tag_in_ecr(images, to_stack=to_stack, dry_run=dry_run)
        for line in tagging.lines:
            print(f"promote: {line}")
        if tagging.refusals:
            raise PromotionRefused(tagging.refusals)

    old_pinned = stack_file.pinned()
    previously_promoted = policy_config.promoted_images()
    recorded = {name: entry.to_json() for name, entry in lineage.items()}
    changes = tuple(
        ImageChange(name, old_pinned.get(name), str(reference))
        for name, reference in images.items()
        if old_pinned.get(name) != str(reference)
        or str(reference) not in previously_promoted
        or policy_config.recorded_lineage().get(name) != recorded[name]
    )
    if not changes:
        return None
    record = PromotionRecord(
        promoted_by=current_user(project_dir),
        promoted_at=datetime.now(UTC).replace(microsecond=0),
        from_stack=from_stack,
        to_stack=to_stack,
        changes=changes,
        verified_with_ecr=verify_ecr,
        tagged_in_ecr=tag_ecr,
        lineage=recorded,
    )
    new_pinned = {name: str(reference) for name, reference in images.items()}
    new_stack_text = stack_file.with_pinned(new_pinned, record.comment_block(), recorded)
    promoted = _still_promoted(old_pinned | new_pinned, previously_promoted, new_pinned)
    new_policy_text = policy_config.with_promoted_images(promoted, recorded)

    log, old_log, new_log = log_with(project_dir, record)
    files = (
        FileChange(stack_file.path, stack_file.text, new_stack_text),
        FileChange(policy_config.path, policy_config.text, new_policy_text),
    )
    for change in files:
        _print_diff(change.path, project_dir, change.old_text or "", change.new_text)
    if not dry_run:
        commit(project_dir, to_stack, (*files, FileChange(log, old_log, new_log)))
        print(f"promote: appended the record to {log.relative_to(project_dir)}")
    return record


def _ecr_registry_access() -> Callable[[DigestReference], RegistryAccess]:
    """The /v2/ API of the ECR registry holding each image, with an ECR authorization token."""
    clients = EcrClients()
    return lambda reference: ecr_access(clients.for_reference(reference), str(reference.ecr_account))


_WHY = {True: "part of the image chain every stack records", False: "one of its services runs it"}


def _needed_by(stack_file: StackFile, published: dict[str, object], from_stack: str) -> dict[str, object]:
    """The published images the target deploys or records; refused when one it needs was not published.

    An application only the source stack runs is left where it is: pinning it would promote an image
    no one in the target reviewed or runs.
    """
    needed = stack_file.image_names()
    chain = {spec.name for spec in PLATFORM_IMAGES}
    missing = [name for name in needed if name not in published]
    if missing:
        raise PromotionRefused(
            [
                f"{stack_file.path.name} needs image {name!r} ({_WHY[name in chain]}), but stack "
                f"{from_stack!r} publishes none by that name (its imageDigests: "
                f"{sorted(published) or 'none'}); deploy it in {from_stack!r} first, or fix the image name "
                f"in {stack_file.path.name}"
                for name in missing
            ]
        )
    for name in sorted(set(published) - set(needed)):
        print(f"promote: not promoting {name!r}: no service of stack {stack_file.stack!r} runs it")
    return {name: published[name] for name in needed}


def _check_stack_reference(stack_file: StackFile, from_stack: str) -> None:
    """A target that reads another stack's outputs must read the stack promoted from, or the pins lie."""
    reference = stack_file.stack_reference()
    if stack_file.image_source() != "stackReference" or reference is None:
        return
    referenced_stack = reference.rsplit("/", 1)[-1]
    if referenced_stack != from_stack:
        raise PromotionRefused([
            f"{stack_file.path.name} takes its images from stackReference {reference!r}, not from stack "
            f"{from_stack!r}; promote from {referenced_stack!r} or change "
            "container-platform:images.stackReference"
        ])


def _still_promoted(
    pinned: Mapping[str, str], previously_promoted: list[str], promoted_now: Mapping[str, str]
) -> list[str]:
    """The pinned digests a promotion recorded: this one's, and earlier ones' still pinned.

    A digest someone pinned by hand stays out of the list, so the `prod-images-promoted` policy blocks it.
    The list follows the stack file's image order, so a reviewer reads the two side by side.
    """
    recorded = set(previously_promoted) | set(promoted_now.values())
    return list(dict.fromkeys(reference for reference in pinned.values() if reference in recorded))


def _print_diff(path: Path, project_dir: Path, old_text: str, new_text: str) -> None:
    name = path.relative_to(project_dir).as_posix()
    print("".join(difflib.unified_diff(
        old_text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )), end="")

