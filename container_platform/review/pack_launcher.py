"""Runs `python -m pulumi.policy <address> <pack>` and ends it when the review that started it is gone.

A review killed with SIGKILL (or crashed, or its terminal closed) runs no cleanup, and the pack would listen
on its port forever. Run as a script, this module watches the parent's pid from a daemon thread and exits
the moment the process is re-parented; then it runs the pack's server exactly as `-m pulumi.policy` would,
from the pack's directory.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
import time
from pathlib import Path

POLL_SECONDS = 0.5


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os._exit(1)


def main() -> None:
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    sys.path[0] = str(Path.cwd())  # what `python -m` puts first: the pack's directory
    sys.argv = ["pulumi.policy", *sys.argv[1:]]
    runpy.run_module("pulumi.policy", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
