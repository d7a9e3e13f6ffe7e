"""Secrets reach containers through `secrets` (SSM, Secrets Manager), never as plaintext in the definition.

A secret is found by its value as well as its name. Values go through detect-secrets (bc-detect-secrets,
the fork Bridgecrew maintains for checkov; Yelp's original has had no release since 2024): its detectors
for AWS keys, private keys, JWTs, vendor tokens, credentials in URLs and high-entropy strings, and its
keyword detector for `password=...` inside a value. Around it, the pack's own name patterns judge
environment names, command-line flags (`--password hunter2`, `-Ddb.password=...`) and URL query
parameters. Values that only point at a secret are not secrets: ARNs, URLs without credentials, `${VAR}`
references, and paths given to a `*_FILE` / `*_PATH` variable.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.scan import scan_file
from detect_secrets.settings import transient_settings

from review_board.containers import TASK_DEFINITION, container_name, containers
from review_board.framework import Finding, Resource, Unchecked, Violation, for_each, resource_policy
from review_board.wire import as_list, is_unknown

ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:", re.IGNORECASE)
REFERENCE = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$")
POINTER_SUFFIXES = ("_FILE", "_PATH")
# Entropy limits are detect-secrets' own defaults for base64; the hex detector is left out because image
# digests and commit hashes are hex by design and are not secrets.
_PLUGINS = [
    {"name": plugin.__name__}
    for plugin in get_mapping_from_secret_type_to_class().values()
    if "HighEntropy" not in plugin.__name__
] + [{"name": "Base64HighEntropyString", "limit": 4.5}]
_SCAN_LOCK = threading.Lock()  # detect-secrets' settings are global; the analyzer serves calls in threads


@lru_cache(maxsize=256)
def detected(lines: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """(line index, secret type) for each line detect-secrets flags; a `.properties` file, as it reads one."""
    with _SCAN_LOCK, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "container.properties"
        path.write_text("\n".join(line.replace("\n", " ") for line in lines) + "\n")
        with transient_settings({"plugins_used": _PLUGINS}):
            return tuple(sorted({(secret.line_number - 1, secret.type) for secret in scan_file(str(path))}))


def points_at_a_secret(name: str, value: str) -> bool:
    """ARNs, credential-free URLs, `${VAR}` and `*_FILE` paths name where a secret is, not what it is."""
    text = value.strip()
    if not text or ARN.match(text) or REFERENCE.match(text):
        return True
    if name.upper().endswith(POINTER_SUFFIXES) and text.startswith("/") and " " not in text:
        return True
    parts = urlsplit(text)
    return bool(parts.scheme and parts.netloc) and parts.password is None and not parts.query


# A setting about a secret, not a secret: a name ending in one of these words whose value is a number, a
# boolean or a duration (PASSWORD_MIN_LENGTH=12, TOKEN_TTL=3600, SESSION_TOKEN_EXPIRY=15m).
SETTING_SUFFIXES = (
    *("LENGTH", "TTL", "EXPIRY", "EXPIRES", "TIMEOUT"),
    *("LIFETIME", "ENABLED", "REQUIRED", "ROUNDS"),
)
SETTING_VALUE = re.compile(r"^(\d+(\.\d+)?[smhd]?|true|false)$", re.IGNORECASE)


def _setting_about_a_secret(name: str, value: str) -> bool:
    """PASSWORD_MIN_LENGTH=12: a number, boolean or duration under a name ending in a settings word."""
    normalized = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    return normalized.endswith(SETTING_SUFFIXES) and bool(SETTING_VALUE.match(value.strip()))


def _named_secret(name: str, patterns: Iterable[str]) -> bool:
    normalized = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    return any(fnmatch(normalized, pattern) for pattern in patterns)


def _argument_problems(arguments: list[str], patterns: list[str]) -> Iterator[str]:
    """Flags that carry a secret: `--password=x`, `-Dspring.datasource.password=x`, `--token x`."""
    for index, argument in enumerate(arguments):
        flag, equals, value = argument.partition("=")
        name = flag.lstrip("-").removeprefix("D") if flag.startswith("-D") else flag.lstrip("-")
        if not flag.startswith("-") or not _named_secret(name, patterns):
            continue
        value = value if equals else (arguments[index + 1] if index + 1 < len(arguments) else "")
        if value and not value.startswith("-") and not points_at_a_secret(name, value):
            yield f"command-line flag {flag!r}"


def _url_problems(value: str, patterns: list[str]) -> Iterator[str]:
    parts = urlsplit(value.strip())
    if not (parts.scheme and parts.netloc):
        return
    for key, item in parse_qsl(parts.query):
        if item and _named_secret(key, patterns):
            yield f"URL query parameter {key!r}"


# Option maps ECS hands to the log driver or FireLens in plaintext; a sensitive option belongs in
# logConfiguration.secretOptions (the ECS guide: "Pass sensitive data to a log configuration").
OPTION_MAPS = ("logConfiguration.options", "firelensConfiguration.options")


def _option_map(container: Mapping[str, Any], key: str) -> Any:
    """The options map at `key` (parent.options), UNKNOWN-preserving; {} when absent or not a map."""
    parent = container.get(key.split(".")[0])
    if is_unknown(parent):
        return parent
    options = (parent or {}).get("options") if isinstance(parent, Mapping) else None
    if is_unknown(options):
        return options
    return {str(k): v for k, v in options.items()} if isinstance(options, Mapping) else {}


def _strings(value: Any) -> list[str]:
    return [str(item) for item in as_list(value) if isinstance(item, str | int | float)]


@for_each(containers)
def _no_plaintext_secrets(
    resource: Resource, container: dict[str, Any], config: Mapping[str, Any]
) -> Iterator[Finding]:
    patterns = [pattern.upper() for pattern in config["secretNamePatterns"]]
    subject = f"{resource.label} container {container_name(container)!r}"
    places: list[tuple[str, str]] = []  # (where, text) handed to the detector
    problems: list[str] = []
    environment = container.get("environment")
    if is_unknown(environment):
        yield Unchecked(f"environment of container {container_name(container)!r}")
        environment = []
    for variable in as_list(environment):
        name, value = (variable or {}).get("name"), (variable or {}).get("value")
        if is_unknown(name) or is_unknown(value):
            yield Unchecked(f"an environment variable of container {container_name(container)!r}")
            continue
        name, value = str(name or ""), "" if value is None else str(value)
        if points_at_a_secret(name, value) or _setting_about_a_secret(name, value):
            continue
        if _named_secret(name, patterns):
            problems.append(f"environment variable {name!r} (its name)")
        problems.extend(f"environment variable {name!r}: {p}" for p in _url_problems(value, patterns))
        places.append((f"environment variable {name!r}", f"{name}={value}"))
    for key in OPTION_MAPS:
        options = _option_map(container, key)
        if is_unknown(options):
            yield Unchecked(f"{key} of container {container_name(container)!r}")
            continue
        for name, value in options.items():
            if is_unknown(value):
                yield Unchecked(f"{key} {name!r} of container {container_name(container)!r}")
                continue
            value = "" if value is None else str(value)
            if points_at_a_secret(name, value) or _setting_about_a_secret(name, value):
                continue
            if _named_secret(name, patterns):
                problems.append(f"{key} {name!r} (its name)")
            places.append((f"{key} {name!r}", f"{name}={value}"))
    health = container.get("healthCheck")
    commands = {
        "command": container.get("command"),
        "entryPoint": container.get("entryPoint"),
        "healthCheck.command": health if is_unknown(health) else (health or {}).get("command"),
    }
    for key, arguments in commands.items():
        if is_unknown(arguments) or any(is_unknown(a) for a in as_list(arguments)):
            yield Unchecked(f"{key} of container {container_name(container)!r}")
            continue
        texts = _strings(arguments)
        problems.extend(f"{key}: {p}" for p in _argument_problems(texts, patterns))
        places.extend((key, text) for text in texts)
    labels = container.get("dockerLabels")
    if isinstance(labels, Mapping):
        places.extend((f"dockerLabels {k!r}", f"{k}={v}") for k, v in labels.items() if isinstance(v, str))
    for index, kind in detected(tuple(text for _, text in places)):
        problems.append(f"{places[index][0]} (detect-secrets: {kind})")
    for problem in dict.fromkeys(problems):
        yield Violation(
            f"{subject} carries a secret in plaintext: {problem}. Anyone who can read the task definition "
            "can read it. Fix: store it in Secrets Manager or SSM and pass it through 'secrets' "
            "(valueFrom: the ARN); rotate it if it was ever deployed."
        )


POLICIES = [
    resource_policy(
        name="container-no-plaintext-secrets",
        question="extras",
        description="Secrets reach containers through 'secrets' (SSM / Secrets Manager), never in plaintext",
        types=[TASK_DEFINITION],
        check=_no_plaintext_secrets,
        config={
            "secretNamePatterns": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Names (environment variables, flags, query parameters) that hold secrets.",
                "default": [
                    "*PASSWORD*",
                    "*PASSWD*",
                    "*SECRET*",
                    "*TOKEN*",
                    "*API_KEY*",
                    "*APIKEY*",
                    "*PRIVATE_KEY*",
                    "*CREDENTIAL*",
                    "*ACCESS_KEY*",
                    "*PASSPHRASE*",
                    "*SIGNING_KEY*",
                    "*ENCRYPTION_KEY*",
                    "*AUTHORIZATION*",
                ],
            }
        },
    ),
]
