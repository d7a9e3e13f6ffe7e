"""The source stack's outputs: `imageDigests` (and `imageLineage`, which lineage.py reads) from
`pulumi stack output --json`, or a saved copy.

An explicit `--outputs` file wins (CI saves the outputs of the build job; reviewers can read it); otherwise
the Pulumi CLI is asked when it is on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from container_platform.strict_json import StrictJsonError, decode_json_bytes, loads_strict, short

IMAGE_DIGESTS_OUTPUT = "imageDigests"


class StackOutputsError(Exception):
    """The source stack's outputs cannot be read; the message says where to get them."""


@dataclass(frozen=True)
class SourceOutputs:
    """Image name -> reference as the source stack published it (validated later, all at once), and the
    whole outputs document the other published facts are read from."""

    digests: dict[str, object]
    outputs: dict[str, Any]


def read_source_outputs(from_stack: str, project_dir: Path, outputs_file: Path | None) -> SourceOutputs:
    """The source stack's outputs, refused unless they publish `imageDigests`.

    The file may be UTF-16 (PowerShell's `>`) or carry a BOM; a duplicate key is refused, not last-wins.
    """
    if outputs_file is not None:
        source = str(outputs_file)
        outputs = _load_outputs_file(outputs_file)
    else:
        pulumi = shutil.which("pulumi")
        if pulumi is None:
            raise StackOutputsError(
                f"the Pulumi CLI is not on PATH, so the outputs of stack {from_stack!r} cannot be read: "
                f"pass --outputs FILE holding the JSON of `pulumi stack output --json --stack {from_stack}`"
            )
        source = f"`pulumi stack output --json --stack {from_stack}`"
        outputs = _run_pulumi_stack_output(pulumi, from_stack, project_dir)
    if not isinstance(outputs, dict) or IMAGE_DIGESTS_OUTPUT not in outputs:
        found = sorted(outputs) if isinstance(outputs, dict) else type(outputs).__name__
        raise StackOutputsError(
            f"{source} has no `{IMAGE_DIGESTS_OUTPUT}` output (found: {found}); the source stack must "
            f"export `{IMAGE_DIGESTS_OUTPUT}`, a map of image name -> digest reference"
        )
    digests = outputs[IMAGE_DIGESTS_OUTPUT]
    if not isinstance(digests, dict) or not digests:
        raise StackOutputsError(
            f"{source}: `{IMAGE_DIGESTS_OUTPUT}` is {short(digests)}; "
            "it must be a non-empty map of image name -> digest reference"
        )
    return SourceOutputs({str(name): reference for name, reference in digests.items()}, outputs)


def _load_outputs_file(path: Path) -> object:
    if not path.is_file():
        raise StackOutputsError(
            f"--outputs {path}: no such file; "
            f"write it with `pulumi stack output --json --stack <from> > {path}`"
        )
    try:
        return loads_strict(decode_json_bytes(path.read_bytes()))
    except StrictJsonError as error:
        raise StackOutputsError(
            f"--outputs {path} {error}; write it with `pulumi stack output --json --stack <from> > {path}`"
        ) from None


def _run_pulumi_stack_output(pulumi: str, stack: str, project_dir: Path) -> object:
    result = subprocess.run(
        [pulumi, "stack", "output", "--json", "--stack", stack],
        cwd=project_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StackOutputsError(
            f"`pulumi stack output --json --stack {stack}` failed ({result.returncode}): "
            f"{result.stderr.strip()}"
        )
    try:
        return loads_strict(result.stdout)
    except StrictJsonError as error:
        raise StackOutputsError(
            f"what `pulumi stack output --json --stack {stack}` printed {error}: {short(result.stdout)}"
        ) from None
