"""JSON as people's tools write it, read strictly: any Unicode encoding, BOM or not, and no duplicate keys.

PowerShell's `>` writes UTF-16 with a BOM and Notepad may add a UTF-8 BOM; both are the same JSON. A
duplicate key is not: `json.loads` keeps the last one silently, so a second `imageDigests` or
`promotedImages` could hide in a file a reviewer reads top to bottom.
"""

from __future__ import annotations

import json
from typing import Any

# An error message quotes at most this much of a bad value.
PREFIX_CHARS = 60


class StrictJsonError(ValueError):
    """Not JSON, or JSON with a duplicate key; the message says where."""


def short(value: object, limit: int = PREFIX_CHARS) -> str:
    """`repr(value)` cut to `limit` characters, so an error never echoes a 10 MB value whole."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def decode_json_bytes(data: bytes) -> str:
    """The text of a JSON file in UTF-8, UTF-16 or UTF-32, with or without a BOM (RFC 8259 section 8.1)."""
    try:
        return data.decode(json.detect_encoding(data))
    except UnicodeDecodeError as error:
        raise StrictJsonError(
            f"is not text in UTF-8, UTF-16 or UTF-32 ({error.reason} at byte {error.start})"
        ) from None


def loads_strict(text: str) -> Any:
    """`json.loads` refusing duplicate keys and the non-JSON constants NaN and Infinity."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise StrictJsonError(f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}")\
            from None
    except RecursionError:
        raise StrictJsonError("is nested too deeply to be a configuration") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise StrictJsonError(f"has the key {short(key)} twice in one object; keep one")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise StrictJsonError(f"holds {name}, which is not JSON")
