"""Which listener host patterns a certificate's names cover: a table of cases with their sources."""

from __future__ import annotations

import pytest

from container_platform.environments.host_coverage import covers

# RFC 6125 section 6.4.3: a wildcard is the whole left-most label and matches exactly one label.
# ACM user guide, "Domain names": *.example.com protects www.example.com, not example.com or a.b.example.com.
# ELB user guide, "Host conditions": host patterns are case-insensitive and may use * (0 or more characters)
# and ? (exactly one character).
CASES = [
    pytest.param(["api.bank.example"], "api.bank.example", True, id="exact-name"),
    pytest.param(["API.Bank.Example"], "api.bank.example", True, id="case-insensitive"),
    pytest.param(["*.bank.example"], "api.bank.example", True, id="wildcard-one-label"),
    pytest.param(["*.bank.example"], "bank.example", False, id="wildcard-not-the-apex"),
    pytest.param(["*.bank.example"], "a.api.bank.example", False, id="wildcard-not-two-labels"),
    pytest.param(["*.bank.example"], "*.bank.example", True, id="route-wildcard-by-cert-wildcard"),
    pytest.param(["*.bank.example"], "api-?.bank.example", True, id="route-question-mark-first-label"),
    pytest.param(["api.bank.example"], "*.bank.example", False, id="route-wildcard-not-by-one-name"),
    pytest.param(["*.bank.example"], "api.*.example", False, id="route-wildcard-beyond-first-label"),
    pytest.param(["bank.example", "*.bank.example"], "bank.example", True, id="apex-as-its-own-name"),
    pytest.param(["*.other.example"], "api.bank.example", False, id="other-domain"),
    pytest.param(["*.example"], "*", False, id="route-matching-every-host"),
]


@pytest.mark.parametrize(("names", "host", "covered"), CASES)
def test_a_certificate_covers_exactly_the_hosts_clients_accept(
    names: list[str], host: str, covered: bool
) -> None:
    assert covers(names, host) is covered
