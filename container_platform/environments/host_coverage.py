"""Whether a TLS certificate's names cover a listener rule's host header pattern, as clients will judge it.

A certificate name is a host or `*.<domain>`, whose `*` stands for exactly one DNS label (RFC 6125 6.4.3, as
browsers and ACM apply it). An ALB host pattern may use `*` and `?` in its labels; a pattern is covered when
every host it is meant to serve is: an exact name by the same name or the wildcard over its parent domain;
a pattern with wildcards only in its first label by a wildcard name over the same parent domain.
"""

from __future__ import annotations

from collections.abc import Iterable

WILDCARDS = ("*", "?")


def covers(certificate_names: Iterable[str], host_pattern: str) -> bool:
    host = host_pattern.lower().rstrip(".")
    first, _, parent = host.partition(".")
    if any(wildcard in parent for wildcard in WILDCARDS) or not parent:
        return False  # a wildcard beyond the first label matches hosts no certificate name can cover
    names = {name.lower().rstrip(".") for name in certificate_names}
    if f"*.{parent}" in names:
        return True
    return not any(wildcard in first for wildcard in WILDCARDS) and host in names
