"""The verdict on one row of the board's page (an image, a port, a role): the policy pack's, nothing else.

A row names the resources it was read from; its verdict is the worst the pack gave those resources for the
row's board question. The page never judges on its own, so it cannot contradict the gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from container_platform.review.analyzer_client import Diagnostic, NotApplicable
from container_platform.review.run import BLOCKED, INCOMPLETE, PASSED, StackReview

ADVISORY = "ADVISORY"
WAIVED = "WAIVED"
DEFERRED = "DEFERRED"
NOT_JUDGED = "NOT JUDGED"
# What each row verdict means, for the page's legend.
ROW_VERDICTS = {
    PASSED: "the pack checked it and found nothing",
    BLOCKED: "a mandatory policy fails: the stack cannot be deployed",
    ADVISORY: "an advisory policy fails: shown, not enforced",
    WAIVED: "a policy fails but an accepted exception (waiver with reason and expiry) covers it",
    INCOMPLETE: "a mandatory check could not run (a value unknown until deployed); it runs at update",
    DEFERRED: "an advisory check could not run (a value unknown until deployed)",
    NOT_JUDGED: "no resource of this stack carries it, so no policy judged it here",
}
_WAIVED_POLICY = re.compile(r"waiver used: policy '([^']+)'")


def waived_policy(waiver: Diagnostic) -> str:
    """The policy a `waivers-used` report names (its finding starts `waiver used: policy '<name>'`)."""
    match = _WAIVED_POLICY.search(waiver.message)
    return match.group(1) if match else ""


class RowJudge:
    """The pack's findings for one stack, indexed by resource, to give each row of the page its verdict."""

    def __init__(self, review: StackReview) -> None:
        self.review = review

    def _of(self, question: str, urns: Iterable[str], items: Iterable[Diagnostic]) -> list[Diagnostic]:
        judged = set(urns)
        return [d for d in items if d.urn in judged and self.review.questions.get(d.policy_name) == question]

    def violations(self, question: str, urns: Iterable[str]) -> list[Diagnostic]:
        return self._of(question, urns, self.review.violations)

    def waivers(self, question: str, urns: Iterable[str]) -> list[Diagnostic]:
        judged = set(urns)
        return [
            w
            for w in self.review.waivers_used
            if w.urn in judged and self.review.questions.get(waived_policy(w)) == question
        ]

    def deferred(self, question: str, urns: Iterable[str]) -> list[NotApplicable]:
        judged = set(urns)
        return [
            n
            for n in self.review.deferred
            if n.urn in judged and self.review.questions.get(n.policy_name) == question
        ]

    def verdict(self, question: str, urns: Iterable[str]) -> str:
        urns = tuple(urns)
        if not urns:
            return NOT_JUDGED
        violations = self.violations(question, urns)
        deferred = self.deferred(question, urns)
        levels = self.review.levels
        if any(d.enforcement_level == "mandatory" for d in violations):
            return BLOCKED
        if any(levels.get(n.policy_name) == "mandatory" for n in deferred):
            return INCOMPLETE
        if violations:
            return ADVISORY
        if self.waivers(question, urns):
            return WAIVED
        return DEFERRED if deferred else PASSED
