"""The tag that marks an image another stack deploys, so the repository's lifecycle never expires it.

Only the building stack (dev) owns repositories, and their lifecycle expires old releases; a stack promoted
to (prod) runs those exact digests from those repositories for as long as it pins them. The lifecycle
policy (ecr_repository.py) keeps every image with a tag starting with PROMOTED_TAG_PREFIX, and
`promote --tag-ecr` names its tags only through promoted_tag, so the rule and the tags cannot drift apart.
"""

from __future__ import annotations

import re

PROMOTED_TAG_PREFIX = "promoted-"
DIGEST_HEX_IN_TAG = 12
# Docker's tag grammar (distribution/reference): a word character, then up to 127 of [\w.-].
_DOCKER_TAG = re.compile(r"^[\w][\w.-]{0,127}$", re.ASCII)
_SHA256 = re.compile(r"^sha256:(?P<hex>[0-9a-f]{64})$")


def promoted_tag(to_stack: str, digest: str) -> str:
    """`promoted-<stack>-<first 12 hex of the digest>`.

    Tags are IMMUTABLE in these repositories: a tag can be added to an image but never moved to another
    one, so the tag carries the digest and is new for every image; the stack names who still runs it.
    """
    match = _SHA256.match(digest)
    if match is None:
        raise ValueError(f"{digest!r} is not a sha256 digest (sha256:<64 lowercase hex>)")
    tag = f"{PROMOTED_TAG_PREFIX}{to_stack}-{match['hex'][:DIGEST_HEX_IN_TAG]}"
    if not _DOCKER_TAG.match(tag):
        raise ValueError(
            f"stack name {to_stack!r} makes {tag!r}, which is not a valid image tag "
            "(letters, digits, '_', '.', '-'; at most 128 characters)"
        )
    return tag
