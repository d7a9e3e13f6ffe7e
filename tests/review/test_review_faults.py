"""The review never hangs and never leaves a pack server behind: a pack that never starts, a policy that
never returns, outputs that never resolve, a review killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from container_platform.review import analyzer_client, output_waiting
from container_platform.review.analyzer_client import (
    PolicyPackConfigError,
    PolicyPackError,
    PolicyPackProcess,
    PolicyPackStartError,
)
from container_platform.review.offline_runtime import ProgramError, evaluate_stack
from container_platform.review.run import ReviewSettings, review_stack

FIXTURES = Path(__file__).parent / "fixtures"
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def test_a_pack_that_never_starts_fails_in_seconds_and_is_stopped():
    started = time.monotonic()
    pack = PolicyPackProcess(
        FIXTURES / "packs" / "never_starts", project="p", stack="s", dry_run=False, start_timeout=3
    )
    with pytest.raises(PolicyPackStartError, match="printed no port within 3 s and was stopped"), pack:
        pass
    assert time.monotonic() - started < 10


def test_a_hung_policy_stops_the_review_with_the_rest_of_the_queue_cancelled(monkeypatch):
    monkeypatch.setattr(analyzer_client, "RPC_TIMEOUT_SECONDS", 2.0)
    settings = ReviewSettings(mode="update", pack_dir=FIXTURES / "packs" / "hangs")
    started = time.monotonic()
    with pytest.raises(PolicyPackError, match="did not answer Analyze within 2 s"):
        review_stack("dev", settings)
    # Hundreds of resources queued; one timeout per worker, not one per resource.
    assert time.monotonic() - started < 30


def test_outputs_that_never_resolve_time_out_with_a_message(monkeypatch):
    monkeypatch.setattr(output_waiting, "OUTPUTS_TIMEOUT_SECONDS", 2.0)
    started = time.monotonic()
    with pytest.raises(ProgramError, match=r"never resolved within 2 s"):
        evaluate_stack(
            "dev",
            project_dir=FIXTURES / "tiny_program",
            config={"service": {"name": "x", "port": 80}, "neverResolves": True},
        )
    assert time.monotonic() - started < 20


def test_the_pack_exits_when_the_review_that_started_it_is_killed():
    starter = (
        "import sys, time\n"
        "from container_platform.review.analyzer_client import PolicyPackProcess\n"
        "pack = PolicyPackProcess("
        "__import__('pathlib').Path('policies'), project='p', stack='s', dry_run=False)\n"
        "pack.start()\n"
        "print(pack.pid, flush=True)\n"
        "time.sleep(3600)\n"
    )
    review = subprocess.Popen(
        [sys.executable, "-c", starter], cwd=REPOSITORY_ROOT, stdout=subprocess.PIPE, text=True
    )
    pack_pid = int(review.stdout.readline())
    os.kill(review.pid, signal.SIGKILL)  # no cleanup runs: only the pack's own watch can end it
    review.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _running(pack_pid):
        time.sleep(0.1)
    assert not _running(pack_pid)


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie waiting for a reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_policy_config_with_a_duplicate_key_is_refused_not_read_last_wins(tmp_path):
    """json.loads keeps the last of two keys: an `all: advisory` further down would quietly win."""
    config = tmp_path / "prod.json"
    config.write_text('{"all": "mandatory", "all": "advisory"}')
    pack = PolicyPackProcess(
        REPOSITORY_ROOT / "policies", project="p", stack="s", dry_run=False, config_file=config
    )
    with pytest.raises(PolicyPackConfigError, match="has the key 'all' twice in one object"), pack:
        pass
