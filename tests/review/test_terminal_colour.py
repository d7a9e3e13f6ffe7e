"""The review is coloured, with a spinner, on a terminal, and plain text in CI logs and pipes.

Both run the real command as a user does: once with its output on a pseudo-terminal, once into a pipe.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from container_platform.review.offline_runtime import PROJECT_ROOT

ESCAPE = "\x1b["
BRAILLE_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # rich's default `dots` spinner


def review_command(output_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "container_platform",
        "review",
        "--stack",
        "dev",
        "--output-dir",
        str(output_dir),
    ]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI", "TERM")}
    return {**env, "TERM": "xterm-256color", "COLUMNS": "140"}


def on_a_terminal(command: list[str]) -> tuple[int, str]:
    """Run `command` with stdout and stderr on a pseudo-terminal; what it wrote, decoded."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command,
        stdout=follower,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        cwd=PROJECT_ROOT,
        env=environment(),
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=120), b"".join(chunks).decode(errors="replace")


def test_on_a_terminal_the_verdict_is_coloured_and_a_spinner_shows_progress(tmp_path):
    code, output = on_a_terminal(review_command(tmp_path))
    assert code == 0, output
    assert ESCAPE in output
    assert any(frame in output for frame in BRAILLE_SPINNER)
    verdict = next(line for line in output.splitlines() if "dev (update):" in line)
    assert verdict.lstrip().startswith(ESCAPE), verdict  # PASSED in its colour


def test_in_a_pipe_the_same_review_is_plain_text(tmp_path):
    result = subprocess.run(
        review_command(tmp_path),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=environment(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert ESCAPE not in result.stdout + result.stderr
    assert not set(BRAILLE_SPINNER) & set(result.stdout + result.stderr)
    assert "PASSED dev (update): 0 mandatory" in result.stdout
    assert "Resources:" in result.stdout
