"""Resource inputs as the engine sends them, turned into plain Python values a rule can inspect safely.

The analyzer hands rules a proxy that raises on every unknown value; rules here instead see `UNKNOWN`
where a value is not known yet (preview), so they can check everything else and say what they skipped.
Numbers arrive as floats and JSON documents as strings or objects; the helpers below normalise both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    _DictProxy,
    _ListProxy,
)

_SENTINELS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


class UnknownValueUsed(TypeError):
    """A rule tested or read into a value preview does not know yet, without asking is_unknown() first."""


class _Unknown:
    """A value the engine does not know yet; it compares equal only to itself.

    Testing its truth or reading a field of it raises UnknownValueUsed, so a rule that forgot to ask
    is_unknown() leaves the value unchecked (framework.py) instead of misreading it.
    """

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown until apply>"

    def __bool__(self) -> bool:
        raise UnknownValueUsed("an unknown value has no truth value; test it with is_unknown() first")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise UnknownValueUsed(f"an unknown value has no {name!r}; test it with is_unknown() first")


UNKNOWN: Final = _Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def plain(value: Any) -> Any:
    """Unwrap the analyzer's unknown-checking proxies into dicts, lists and scalars, unknowns as UNKNOWN."""
    kind = type(value)
    if kind is _DictProxy or kind is _ListProxy:
        value = value["__target"]  # the proxy's own container, read without its unknown check
        kind = type(value)
    # Exact types first: the decoded inputs are dicts, lists and scalars, and ABC checks cost 10x more.
    if kind is dict:
        return {key: plain(item) for key, item in value.items()}
    if kind is list:
        return [plain(item) for item in value]
    if kind is str:
        return UNKNOWN if value in _SENTINELS else value
    if kind is float or kind is int or kind is bool or value is None:
        return value
    if isinstance(value, _DictProxy | _ListProxy):
        return plain(value["__target"])
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(item) for item in value]
    if isinstance(value, str) and value in _SENTINELS:
        return UNKNOWN
    return value


def document(value: Any, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """A JSON document given as a string or already as an object; UNKNOWN stays UNKNOWN.

    `object_pairs_hook` builds each object of a string, as json.loads's does (a reader that refuses repeated
    keys raises from it). Raises ValueError with the parser's message when a string is not JSON.
    """
    if isinstance(value, str):
        try:
            parsed = json.loads(value, object_pairs_hook=object_pairs_hook)
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON ({error})") from error
        # Decoded JSON is plain already; only a sentinel string inside needs turning into UNKNOWN.
        return plain(parsed) if any(sentinel in value for sentinel in _SENTINELS) else parsed
    return value


def as_int(value: Any) -> int | None:
    """An integer from the engine's float, int or numeric string; None when absent or not a number."""
    if isinstance(value, bool) or value is None or is_unknown(value):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def shown(value: Any) -> Any:
    """A value for a message: the engine's 22.0 reads as 22."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def as_list(value: Any) -> list[Any]:
    """AWS documents allow a single value where a list is meant; make it a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]
