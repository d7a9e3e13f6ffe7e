"""Any image reference, parsed by the distribution project's grammar (docker-image-py): one entry point.

The program, the CLI and the policy pack all read references; each goes through `parse_image_reference`, so
a malformed name or digest is one error type everywhere and no caller can forget the digest's own error.
"""

from __future__ import annotations

from docker_image.digest import InvalidDigest
from docker_image.reference import InvalidReference, Reference

__all__ = ["ImageReferenceError", "Reference", "parse_image_reference"]


class ImageReferenceError(ValueError):
    """Text that is not an image reference at all; the message is the grammar's reason."""


def parse_image_reference(text: str) -> Reference:
    """The parsed reference (name, tag, digest, registry), or ImageReferenceError saying why not."""
    try:
        return Reference.parse(text)
    except (InvalidReference, InvalidDigest) as error:
        raise ImageReferenceError(str(error) or type(error).__name__) from error
