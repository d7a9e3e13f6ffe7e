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

The decoding itself is protobuf's `MessageToDict`, a general printer that looks up each field's descriptor
for every value; a resource's inputs are always a `google.protobuf.Struct`, whose JSON form is fixed, so
`struct_to_dict` walks it directly (four times faster) and hands anything else, and the NaN and infinity
numbers it refuses, to `MessageToDict` itself.
"""

from __future__ import annotations

import math
from typing import Any

import pulumi_policy.policy as sdk_policy

from review_board.remember import RememberLast

REMEMBERED = 4096  # every resource of an AnalyzeStack call, which each stack policy decodes again


STRUCT = "google.protobuf.Struct"


class _NotJson(ValueError):
    """A number JSON cannot carry (NaN, infinity): MessageToDict's own error is raised instead."""


def _value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        return {key: _value(fields[key]) for key in fields}
    if kind == "number_value":
        number = value.number_value
        if math.isinf(number) or math.isnan(number):
            raise _NotJson
        return number
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [_value(item) for item in value.list_value.values]
    return None  # null_value, or no kind set: MessageToDict's null too


def struct_to_dict(message: Any, message_to_dict: Any, *options: Any, **named: Any) -> Any:
    """`message_to_dict(message)` (protobuf's MessageToDict), the same dict, faster for a Struct."""
    if options or named or message.DESCRIPTOR.full_name != STRUCT:
        return message_to_dict(message, *options, **named)
    try:
        fields = message.fields
        return {key: _value(fields[key]) for key in fields}
    except _NotJson:
        return message_to_dict(message)


class _JsonFormat:
    """The SDK's `json_format` module with a remembering, faster `MessageToDict`; nothing else changed."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.MessageToDict = RememberLast(
            lambda message, *options, **named: struct_to_dict(
                message, module.MessageToDict, *options, **named
            ),
            REMEMBERED,
        )

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
