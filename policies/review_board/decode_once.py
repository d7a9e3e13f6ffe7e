"""Decode a resource's inputs once per call, not once per policy.

pulumi-policy (1.21) turns the request's protobuf inputs into a Python dict, resolves secrets and
unknowns, and wraps them in a read-only proxy again for every enabled policy: with this pack's 28
resource policies that decoding is most of the pack's CPU. The three steps are pure functions of their
input, and the proxies are read-only mappings, so each policy can be handed the same result.

`install()` wraps the three names the SDK's servicer calls with a memo keyed on the identity of the
argument (protobuf keeps one wrapper per submessage, so every policy of one call passes the same
object; AnalyzeStack decodes every resource again for each stack policy, with the same objects). The memo
holds its keys, so an identity cannot be reused while cached, and remembers the last REMEMBERED
arguments. If the SDK no longer has those names (fixed upstream or reorganised), nothing changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pulumi_policy.policy as sdk_policy

REMEMBERED = 4096  # every resource of an AnalyzeStack call, which each stack policy decodes again


class _RememberLast:
    """`function(argument)` for the last few arguments seen, by identity; other call shapes pass through."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.entries: OrderedDict[int, tuple[Any, Any]] = OrderedDict()
        self.hits = 0

    def __call__(self, argument: Any, *rest: Any, **options: Any) -> Any:
        if rest or options:
            return self.function(argument, *rest, **options)
        entry = self.entries.get(id(argument))
        if entry is not None and entry[0] is argument:
            self.hits += 1
            return entry[1]
        result = self.function(argument)
        self.entries[id(argument)] = (argument, result)
        if len(self.entries) > REMEMBERED:
            self.entries.popitem(last=False)
        return result


class _JsonFormat:
    """The SDK's `json_format` module with a remembering `MessageToDict`; everything else unchanged."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.MessageToDict = _RememberLast(module.MessageToDict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


def install() -> bool:
    """Share one decoding among the policies of each Analyze call; False if the SDK has changed shape."""
    names = ("json_format", "deserialize_properties", "unknown_checking_proxy")
    if not all(hasattr(sdk_policy, name) for name in names):
        return False
    if isinstance(sdk_policy.deserialize_properties, _RememberLast):
        return True
    json_format = sdk_policy.json_format
    sdk_policy.json_format = _JsonFormat(json_format)
    sdk_policy.deserialize_properties = _RememberLast(sdk_policy.deserialize_properties)
    sdk_policy.unknown_checking_proxy = _RememberLast(sdk_policy.unknown_checking_proxy)
    return True
