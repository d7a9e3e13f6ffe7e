"""A newcomer's first `make review` from a fresh clone: the virtualenv included, warm and cold package caches.

Figures (each from a new `git clone` of this repository's HEAD into a temporary folder):
- warm: uv's package cache already holds every wheel (a second project, a CI runner with a cache); target:
  under 25 s, virtualenv included;
- cold: an empty uv cache, so every wheel is downloaded from the package index first;
- again: the second `make review` in the same clone, for the difference byte-compiling at install makes;
- pip: the fallback with no uv on PATH, warm pip cache, for comparison.
Run it from a committed tree: the clone takes HEAD, not the working tree's changes.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_make_review(clone: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(["make", "review"], cwd=clone, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def fresh_clone(parent: Path, name: str) -> Path:
    clone = parent / name
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="first-review-") as scratch:
        parent = Path(scratch)
        base = {**os.environ, "CI": "true"}
        warm_clone = fresh_clone(parent, "warm")
        timed_make_review(warm_clone, base)  # fills uv's cache, were it empty
        warm_clone = fresh_clone(parent, "warm-again")
        warm = timed_make_review(warm_clone, base)
        again = timed_make_review(warm_clone, base)
        empty_cache = {**base, "UV_CACHE_DIR": str(parent / "uv-cache")}
        cold = timed_make_review(fresh_clone(parent, "cold"), empty_cache)
        pip = timed_make_review(fresh_clone(parent, "pip"), {**base, "UV": ""})
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"first make review, warm uv cache:  {warm:6.1f} s (target < 25 s)")
    print(f"first make review, cold uv cache:  {cold:6.1f} s")
    print(f"second make review, same clone:    {again:6.1f} s")
    print(f"first make review, pip fallback:   {pip:6.1f} s")


if __name__ == "__main__":
    main()
