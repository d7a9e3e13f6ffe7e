"""Writes that a crash, a full disk or a second operator cannot leave half-done.

Every file the CLI rewrites goes through `write_atomically`: the new text goes to a temporary file beside the
target (same directory, so the same file system), is flushed and fsynced, then renamed over the target and
the directory fsynced. A reader, and the file system after a power cut, sees the old file or the new one,
never a truncated mix. `exclusive_lock` serialises writers of one target for the whole read-check-write.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

TEMP_MARKER = ".tmp-"
LOCK_TIMEOUT_SECONDS = 60.0
_LOCK_POLL_SECONDS = 0.05


class LockTimeout(Exception):
    """Another process held the lock for longer than we wait; the message names the lock file."""


def temp_path_for(path: Path) -> Path:
    """A fresh name beside `path`, hidden and marked so an interrupted write's leftovers can be found."""
    return path.with_name(f".{path.name}{TEMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}")


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8): all of it or, if anything fails, none of it."""
    data = text.encode("utf-8")
    temp = temp_path_for(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            _write_all(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    fsync_directory(path.parent)


def remove_durably(path: Path) -> None:
    """Delete `path` (if it is there) and make the deletion survive a power cut."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fsync_directory(path.parent)


def remove_leftover_temp_files(path: Path) -> list[Path]:
    """Temporary files an interrupted `write_atomically(path, ...)` left beside `path`; removed, returned."""
    leftovers = sorted(path.parent.glob(f".{path.name}{TEMP_MARKER}*"))
    for leftover in leftovers:
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
    return leftovers


def fsync_directory(directory: Path) -> None:
    """A rename or unlink is durable only once its directory is: fsync it."""
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def exclusive_lock(directory: Path, *, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold an advisory `flock` on `directory` for the block; wait up to `timeout` seconds for it.

    Locking the directory (not a file in it) leaves nothing behind to commit or clean up, and the kernel
    releases the lock when the holder dies, so a killed operator never leaves a stale lock.
    """
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"{directory} is still locked after {timeout:.0f} s: another promotion is running "
                        "there; wait for it to finish, then run again"
                    ) from None
                time.sleep(_LOCK_POLL_SECONDS)
        yield
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes) -> None:
    """os.write may write less than asked (a signal, a nearly full disk); loop until all of it is written."""
    view = memoryview(data)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]
