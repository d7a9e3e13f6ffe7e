"""Approved exceptions: a waiver lets one policy pass for named resources, with a reason, until it expires.

Every policy's config takes a `waivers` list. A violation covered by a live waiver is not reported by its
policy; the `waivers-used` policy (resource policies) or `stack-waivers-used` (stack policies) reports it
instead (advisory), so each waiver in use stays visible. An expired waiver waives nothing and its expiry
is stated in the violation it no longer covers.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

WAIVERS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "default": [],
    "description": "Approved exceptions for this policy: resources (Pulumi names or URNs), reason, expires.",
    "items": {
        "type": "object",
        "required": ["resources", "reason", "expires"],
        "additionalProperties": False,
        "properties": {
            "resources": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
            "reason": {"type": "string", "minLength": 10},
            "expires": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "approvedBy": {"type": "string"},
        },
    },
}


@dataclass(frozen=True)
class Waiver:
    resources: tuple[str, ...]
    reason: str
    expires: date
    approved_by: str

    def covers(self, name: str, urn: str) -> bool:
        return name in self.resources or urn in self.resources

    def expired(self, today: date) -> bool:
        return today > self.expires

    def describe(self) -> str:
        by = f", approved by {self.approved_by}" if self.approved_by else ""
        return f"reason: {self.reason!r}, expires {self.expires.isoformat()}{by}"


def parse_waivers(config: Sequence[Mapping[str, Any]]) -> list[Waiver]:
    """Waivers from a policy's config (already validated against WAIVERS_SCHEMA by the CLI)."""
    return [
        Waiver(
            resources=tuple(entry["resources"]),
            reason=entry["reason"],
            expires=date.fromisoformat(entry["expires"]),
            approved_by=entry.get("approvedBy", ""),
        )
        for entry in config
    ]


def today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class WaiverUse:
    policy: str
    waiver: Waiver
    waived: tuple[str, ...]


def unwaived(
    policy: str, name: str, urn: str, violations: Sequence[str], waiver_config: Sequence[Mapping[str, Any]]
) -> list[str]:
    """The violations of one resource still to report; a live waiver takes them all and is recorded."""
    LEDGER.forget(urn, policy)
    if not violations:
        return []
    covering = [w for w in parse_waivers(waiver_config) if w.covers(name, urn)]
    live = [w for w in covering if not w.expired(today())]
    if live:
        LEDGER.record(urn, WaiverUse(policy, live[0], tuple(violations)))
        return []
    expired_note = "".join(
        f" (a waiver for this resource expired on {w.expires.isoformat()} and no longer applies: {w.reason})"
        for w in covering
    )
    return [message + expired_note for message in violations]


class WaiverLedger:
    """Waivers used per resource URN, from the policies that ran on it, until `waivers-used` reports them.

    The analyzer runs every policy for one resource in a single Analyze call, in pack order, and
    `waivers-used` comes last, so it reports exactly the waivers used for that resource.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uses: dict[str, dict[str, WaiverUse]] = {}

    def record(self, urn: str, use: WaiverUse) -> None:
        with self._lock:
            self._uses.setdefault(urn, {})[use.policy] = use

    def forget(self, urn: str, policy: str) -> None:
        with self._lock:
            self._uses.get(urn, {}).pop(policy, None)

    def take(self, urn: str) -> list[WaiverUse]:
        with self._lock:
            return list(self._uses.pop(urn, {}).values())

    def take_policies(self, policies: set[str]) -> list[tuple[str, WaiverUse]]:
        """Every recorded use by these policies, on any resource (the stack policies' uses), by URN."""
        with self._lock:
            return [
                (urn, uses.pop(policy))
                for urn, uses in sorted(self._uses.items())
                for policy in sorted(policies & uses.keys())
            ]


LEDGER = WaiverLedger()
