"""Faults at the Nth file-system mutation of a promotion, and the all-old-or-all-new check the tests share.

`FaultAtNth` wraps the calls every write of the CLI ends in (os.write, os.fsync, os.replace, os.unlink):
at the Nth one it raises ENOSPC (a full disk) or ends the process at once with os._exit (a SIGKILL: no
finally block, no flush). Run in a forked child, the kill leaves the files exactly as the kernel has them.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from promotion_helpers import FIXTURE_PROJECT, run_promote

from container_platform.promotion.transaction import journal_path, promotion_lock

MUTATIONS = ("write", "fsync", "replace", "unlink")
PROMOTION_FILES = ("Pulumi.prod.yaml", "policies/config/prod.json", "promotions/prod.log")
KILLED = 137
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


class FaultAtNth:
    """Counts the mutations; the Nth one (1-based) runs `fault` instead."""

    def __init__(self, n: int, fault: Callable[[str], Any]) -> None:
        self.n = n
        self.fault = fault
        self.count = 0
        self._real: dict[str, Callable[..., Any]] = {}

    def install(self) -> None:
        for name in MUTATIONS:
            self._real[name] = getattr(os, name)
            setattr(os, name, self._wrapped(name))

    def uninstall(self) -> None:
        for name, real in self._real.items():
            setattr(os, name, real)

    def _wrapped(self, name: str) -> Callable[..., Any]:
        real = self._real[name]

        def call(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            if self.count == self.n:
                self.fault(name)
            return real(*args, **kwargs)

        return call


def disk_full(name: str) -> None:
    raise OSError(errno.ENOSPC, f"No space left on device (injected at {name})")


def killed(_name: str) -> None:
    os._exit(KILLED)


def fresh_project(root: Path) -> Path:
    shutil.copytree(FIXTURE_PROJECT, root)
    return root


def promotion_state(project: Path) -> dict[str, str | None]:
    """The three files' texts (None: missing), timestamps masked so two runs' records compare equal."""
    state: dict[str, str | None] = {}
    for name in PROMOTION_FILES:
        path = project / name
        state[name] = _TIMESTAMP.sub("<time>", path.read_text()) if path.exists() else None
    return state


def recovered_state(project: Path) -> dict[str, str | None]:
    """The state once the next run has recovered (it takes the lock, which recovers first)."""
    with promotion_lock(project, "prod"):
        pass
    assert not journal_path(project, "prod").exists()
    return promotion_state(project)


def mutations_of_a_clean_promotion(root: Path, outputs: Path) -> int:
    """How many mutations one promotion makes, counted on a throwaway copy."""
    counter = FaultAtNth(0, disk_full)
    counter.install()
    try:
        assert run_promote(fresh_project(root), "--outputs", str(outputs)) == 0
    finally:
        counter.uninstall()
    return counter.count


def promote_killed_at(project: Path, outputs: Path, n: int) -> int:
    """Promote in a forked child killed at its Nth mutation; the child's exit status."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            with Path(os.devnull).open("w") as quiet:
                os.dup2(quiet.fileno(), 1)
                FaultAtNth(n, killed).install()
                code = run_promote(project, "--outputs", str(outputs))
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
