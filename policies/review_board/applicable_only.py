"""Offer each resource only to the policies that read its type.

pulumi-policy (1.21) hands every resource to every enabled resource policy, and pays per policy for the
resource options, the provider object, a copy of the policy's config and the args, before the policy can
look at the type; with this pack's fifty policies, each reading a few types, that per-policy work was
most of the pack's cost. A policy made by `framework.resource_policy` returns at once for a type it does
not read (no violation, no not-applicable note), so not calling it changes no answer.

`install()` wraps the servicer's Analyze: while a call runs on a thread, the servicer's policy list yields,
in pack order, the policies that read the request's type and every policy that declared no types (in
`TYPES_READ`, filled by the framework; `waivers-used`, which reports the waivers the others applied to a
resource, is offered the types the others read). Every other method (GetAnalyzerInfo, AnalyzeStack, Remediate)
and every other thread sees the whole list. If the SDK no longer has the names this relies on, nothing
changes: the pack still works, only slower.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from typing import Any

import pulumi_policy.policy as sdk_policy

# policy name -> the resource types it reads; a policy not named here is offered every type.
TYPES_READ: dict[str, frozenset[str] | str] = {}
# For a policy that reports on what the others did (waivers-used): the types any other policy reads.
READ_BY_OTHERS = "the types the other policies read"

_POLICIES = "_PolicyAnalyzerServicer__policies"  # the servicer's (name-mangled) list of policies
_analyzing = threading.local()  # .type: the type of the Analyze request this thread is serving


class PoliciesByType(list[Any]):
    """The servicer's policy list; inside an Analyze call, only the policies that read its type."""

    def __init__(self, policies: list[Any]) -> None:
        super().__init__(policies)
        self._by_type: dict[str, tuple[Any, ...]] = {}

    def __iter__(self) -> Iterator[Any]:
        resource_type = getattr(_analyzing, "type", None)
        if resource_type is None:
            return super().__iter__()
        offered = self._by_type.get(resource_type)
        if offered is None:
            offered = tuple(p for p in super().__iter__() if _reads(p, resource_type))
            self._by_type[resource_type] = offered
        return iter(offered)


def _reads(policy: Any, resource_type: str) -> bool:
    if isinstance(policy, sdk_policy.StackValidationPolicy):
        return False  # Analyze skips stack policies itself
    types = TYPES_READ.get(getattr(policy, "name", ""))
    if types is READ_BY_OTHERS:
        return any(resource_type in other for other in TYPES_READ.values() if other is not READ_BY_OTHERS)
    return types is None or resource_type in types


def install() -> bool:
    """Offer each Analyze request only to its type's policies; False if the SDK has changed shape."""
    servicer = getattr(sdk_policy, "_PolicyAnalyzerServicer", None)
    if servicer is None or not hasattr(servicer, "Analyze"):
        return False
    if getattr(servicer.Analyze, "offers_by_type", False):
        return True
    original_init, original_analyze = servicer.__init__, servicer.Analyze

    @functools.wraps(original_init)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        policies = getattr(self, _POLICIES, None)
        if isinstance(policies, list):
            setattr(self, _POLICIES, PoliciesByType(policies))

    @functools.wraps(original_analyze)
    def analyze(self: Any, request: Any, context: Any) -> Any:
        _analyzing.type = request.type
        try:
            return original_analyze(self, request, context)
        finally:
            _analyzing.type = None

    analyze.offers_by_type = True  # type: ignore[attr-defined]
    servicer.__init__ = init
    servicer.Analyze = analyze
    return True
