"""The pack shares one decoding of a resource's inputs among its policies, and each still sees its own.

These run the SDK's servicer in this process (the other policy tests drive the real pack process, with
the sharing installed, and assert every rule's exact diagnostics), so they can count decodings.
"""

from __future__ import annotations

import concurrent.futures
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi_policy.policy as sdk_policy
import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy

from container_platform.review.analyzer_client import _struct

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "policies"))
from review_board import decode_once

POLICIES = 5


def counting_json_format(calls: list[Any]) -> Any:
    """json_format whose MessageToDict records each message it really decodes."""

    def message_to_dict(message: Any, *rest: Any, **options: Any) -> Any:
        calls.append(message)
        return json_format.MessageToDict(message, *rest, **options)

    return type("CountingJsonFormat", (), {"MessageToDict": staticmethod(message_to_dict)})


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """decode_once installed for one test, with a count of the real decodings (the SDK's
    deserialize_properties, which every decoded message goes through next)."""
    calls: list[Any] = []
    deserialize = sdk_policy.deserialize_properties

    def counting_deserialize(props: Any, *rest: Any) -> Any:
        calls.append(props)
        return deserialize(props, *rest)

    monkeypatch.setattr(sdk_policy, "deserialize_properties", counting_deserialize)
    monkeypatch.setattr(sdk_policy, "unknown_checking_proxy", sdk_policy.unknown_checking_proxy)
    monkeypatch.setattr(sdk_policy, "json_format", sdk_policy.json_format)
    assert decode_once.install()
    yield calls


def servicer(seen: list[tuple[str, str, dict[str, Any]]]) -> Any:
    def recorder(policy: str) -> ResourceValidationPolicy:
        def validate(args: ResourceValidationArgs, _report: Any) -> None:
            provider = args.provider.props["region"] if args.provider else None
            seen.append((policy, args.name, {**args.props, "provider region": provider}))

        return ResourceValidationPolicy(name=policy, description=policy, validate=validate)

    policies = [recorder(f"policy-{index}") for index in range(POLICIES)]
    return sdk_policy._PolicyAnalyzerServicer(
        "decode-once", "0.0.1", policies, EnforcementLevel.ADVISORY, None, None, None, None, None, None
    )


def request(name: str, properties: dict[str, Any], region: str) -> analyzer_pb2.AnalyzeRequest:
    return analyzer_pb2.AnalyzeRequest(
        type="aws:s3/bucket:Bucket",
        urn=f"urn:pulumi:dev::p::aws:s3/bucket:Bucket::{name}",
        name=name,
        properties=_struct(properties),
        provider=analyzer_pb2.AnalyzerProviderResource(
            type="pulumi:providers:aws",
            urn="urn:pulumi:dev::p::pulumi:providers:aws::default",
            name="default",
            properties=_struct({"region": region}),
        ),
    )


def test_the_pinned_sdk_still_decodes_once_per_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Why decode_once exists; when an SDK upgrade makes this fail, check whether it is still needed."""
    calls: list[Any] = []
    monkeypatch.setattr(sdk_policy, "json_format", counting_json_format(calls))
    servicer([]).Analyze(request("a", {"bucket": "first"}, "eu-west-1"), None)
    assert len(calls) == 2 * POLICIES  # inputs and provider, for every policy


def test_one_decoding_per_analyze_call_and_each_resource_sees_its_own(installed: list[Any]) -> None:
    seen: list[tuple[str, str, dict[str, Any]]] = []
    analyzer = servicer(seen)
    analyzer.Analyze(request("a", {"bucket": "first", "tags": {"n": 1.0}}, "eu-west-1"), None)
    analyzer.Analyze(request("b", {"bucket": "second"}, "eu-central-1"), None)

    assert len(installed) == 4  # each resource's inputs and its provider's, once, not once per policy
    first = {"bucket": "first", "tags": {"n": 1.0}, "provider region": "eu-west-1"}
    second = {"bucket": "second", "provider region": "eu-central-1"}
    expected = [("a", first)] * POLICIES + [("b", second)] * POLICIES
    assert [(name, props) for _, name, props in seen] == expected


def test_an_equal_but_new_request_is_decoded_again(installed: list[Any]) -> None:
    """The memo keys on identity, and holds its keys, so a later request never gets an earlier answer."""
    seen: list[tuple[str, str, dict[str, Any]]] = []
    analyzer = servicer(seen)
    for _ in range(3):
        analyzer.Analyze(request("a", {"bucket": "same"}, "eu-west-1"), None)
    assert len(installed) == 6


def test_install_twice_wraps_once(installed: list[Any]) -> None:
    wrapped = sdk_policy.deserialize_properties
    assert decode_once.install()
    assert sdk_policy.deserialize_properties is wrapped


def test_concurrent_analyze_calls_each_see_their_own_inputs(installed: list[Any]) -> None:
    """The SDK serves up to four Analyze calls at once; the shared memo must never cross them."""
    seen: list[tuple[str, str, dict[str, Any]]] = []
    analyzer = servicer(seen)
    requests = [request(f"r{index}", {"bucket": f"b{index}"}, "eu-west-1") for index in range(200)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda r: analyzer.Analyze(r, None), requests))
    assert len(seen) == 200 * POLICIES
    assert all(props["bucket"] == f"b{name[1:]}" for _, name, props in seen)


JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, derandomize=True, database=None)  # the same cases every run
@given(st.dictionaries(st.text(), JSON, max_size=6))
def test_struct_to_dict_is_message_to_dict(inputs: dict[str, Any]) -> None:
    """The fast path gives protobuf's own answer for any inputs the engine can send."""
    message = _struct(inputs)
    assert decode_once.struct_to_dict(message, json_format.MessageToDict) == json_format.MessageToDict(
        message
    )


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_struct_to_dict_refuses_what_message_to_dict_refuses(number: float) -> None:
    message = struct_pb2.Struct()
    message.update({"nested": {"list": [1.0, number]}})
    with pytest.raises(ValueError) as expected:
        json_format.MessageToDict(message)
    with pytest.raises(ValueError) as fast:
        decode_once.struct_to_dict(message, json_format.MessageToDict)
    assert str(fast.value) == str(expected.value)


def test_struct_to_dict_leaves_other_messages_and_options_to_message_to_dict() -> None:
    resource = analyzer_pb2.AnalyzerResource(type="aws:s3/bucket:Bucket", urn="urn:x", name="b")
    assert decode_once.struct_to_dict(resource, json_format.MessageToDict) == json_format.MessageToDict(
        resource
    )
    options = {"preserving_proto_field_name": True}
    named = decode_once.struct_to_dict(resource, json_format.MessageToDict, **options)
    assert named == json_format.MessageToDict(resource, **options)
