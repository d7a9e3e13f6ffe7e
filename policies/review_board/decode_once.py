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

from typing import Any

import pulumi_policy.policy as sdk_policy

from review_board.remember import RememberLast

REMEMBERED = 4096  # every resource of an AnalyzeStack call, which each stack policy decodes again


class _JsonFormat:
    """The SDK's `json_format` module with a remembering `MessageToDict`; everything else unchanged."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.MessageToDict = RememberLast(module.MessageToDict, REMEMBERED)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)


def install() -> bool:
    """Share one decoding among the policies of each Analyze call; False if the SDK has changed shape."""
    names = ("json_format", "deserialize_properties", "unknown_checking_proxy")
    if not all(hasattr(sdk_policy, name) for name in names):
        return False
    if isinstance(sdk_policy.deserialize_properties, RememberLast):
        return True
    json_format = sdk_policy.json_format
    sdk_policy.json_format = _JsonFormat(json_format)
    sdk_policy.deserialize_properties = RememberLast(sdk_policy.deserialize_properties, REMEMBERED)
    sdk_policy.unknown_checking_proxy = RememberLast(sdk_policy.unknown_checking_proxy, REMEMBERED)
    return True
