"""URNs exactly as the Pulumi engine forms them, so offline recordings match what a real preview reports.

The SDK's MockMonitor keeps only the parent's last type segment and counts the root Stack in the chain;
the engine keeps the parent's whole qualified type and leaves the root Stack out.
"""

from __future__ import annotations

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


def qualified_type(urn: str) -> str:
    """The `parent$child` type chain of a URN (its third `::` segment)."""
    return urn.split("::")[2]


def urn_name(urn: str) -> str:
    """The resource's logical name: everything after the type chain (names may themselves contain `::`)."""
    return urn.split("::", 3)[3]


def resource_type(urn: str) -> str:
    """The resource's own type token, the last link of its qualified type chain."""
    return qualified_type(urn).split("$")[-1]


def make_urn(stack: str, project: str, parent: str | None, type_token: str, name: str) -> str:
    """`urn:pulumi:<stack>::<project>::<parent type chain>$<type>::<name>`, root Stack not in the chain."""
    chain = type_token
    if parent and qualified_type(parent) != ROOT_STACK_TYPE:
        chain = f"{qualified_type(parent)}${type_token}"
    return f"urn:pulumi:{stack}::{project}::{chain}::{name}"


def is_provider_type(type_token: str) -> bool:
    return type_token.startswith(PROVIDER_TYPE_PREFIX)


def package_of(type_token: str) -> str:
    """`aws` for `aws:ecr/repository:Repository`; the package whose provider manages the resource."""
    return type_token.split(":", 1)[0]


def default_provider_name(version: str) -> str:
    """The engine names a package's default provider `default_<version with dots as underscores>`."""
    return "default_" + version.replace(".", "_").replace("-", "_") if version else "default"
