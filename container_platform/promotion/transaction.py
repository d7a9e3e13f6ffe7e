"""A promotion's files change together or not at all, even across a SIGKILL, a full disk or a second operator.

The protocol, under an exclusive lock on the project directory (one promotion at a time) held from the
first read to the last write:

1. the journal `promotions/.<stack>.journal` is written atomically: every file's path, the SHA-256 of the
   text it had when read, and its new text. Its rename is the commit point;
2. each file is replaced atomically (temporary file beside it, fsync, rename);
3. the journal is removed.

A crash before 1 leaves every file old (the leftover temporary files are removed by the next run); a crash
after it is rolled forward by the next run (`recover`), which rewrites each file the journal names that
does not hold its new text yet. So once recovered, the stack file, the policy config and the log are all old
or all new. A file that changed since the journal was written (someone edited it by hand) is not
overwritten: the recovery stops and says which file, so nobody's edit is lost silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from container_platform.atomic_files import (
    LockTimeout,
    exclusive_lock,
    remove_durably,
    remove_leftover_temp_files,
    write_atomically,
)
from container_platform.promotion.record import PROMOTIONS_DIR
from container_platform.strict_json import StrictJsonError, loads_strict

JOURNAL_VERSION = 1


class PromotionTransactionError(Exception):
    """The promotion's files cannot be locked, committed or recovered; the message says what to do."""


@dataclass(frozen=True)
class FileChange:
    """One file of the promotion: its path, its text when read (None: it did not exist) and its new text."""

    path: Path
    old_text: str | None
    new_text: str


def journal_path(project_dir: Path, stack: str) -> Path:
    return project_dir / PROMOTIONS_DIR / f".{stack}.journal"


@contextmanager
def promotion_lock(project_dir: Path, stack: str) -> Iterator[list[str]]:
    """Hold the promotion lock; recover an interrupted promotion into `stack` first. Yields what it did."""
    try:
        with exclusive_lock(project_dir):
            yield recover(project_dir, stack)
    except LockTimeout as error:
        raise PromotionTransactionError(str(error)) from None


def commit(project_dir: Path, stack: str, changes: Sequence[FileChange]) -> None:
    """Write every change so that a crash at any point leaves all old or (after `recover`) all new.

    Call it holding `promotion_lock`.
    """
    journal = journal_path(project_dir, stack)
    entries = [
        {
            "path": change.path.relative_to(project_dir).as_posix(),
            "oldSha256": None if change.old_text is None else _sha256(change.old_text),
            "newText": change.new_text,
        }
        for change in changes
    ]
    try:
        journal.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(journal, json.dumps({"version": JOURNAL_VERSION, "files": entries}) + "\n")
    except OSError as error:
        with suppress(OSError):
            remove_durably(journal)
        if not journal.exists():
            raise PromotionTransactionError(
                f"could not write the promotion journal {journal} ({error}); no file was changed: "
                "free space or fix the permissions, then promote again"
            ) from None
        _raise_unfinished(journal, error)
    _roll_forward(project_dir, journal, entries)


def recover(project_dir: Path, stack: str) -> list[str]:
    """Finish a promotion into `stack` interrupted after its commit point; lines saying what it did."""
    journal = journal_path(project_dir, stack)
    lines = [f"removed {leftover.name}, left by an interrupted write" for leftover in _leftovers(journal)]
    if not journal.exists():
        return lines
    entries = _read_journal(journal)
    lines += [
        f"removed {leftover.name}, left by an interrupted write"
        for entry in entries
        for leftover in _leftovers(project_dir / str(entry["path"]))
    ]
    for entry in entries:
        current = _read_if_exists(project_dir / entry["path"])
        new_sha = _sha256(entry["newText"])
        if current is not None and _sha256(current) not in (entry["oldSha256"], new_sha):
            raise PromotionTransactionError(
                f"{journal} records an interrupted promotion, but {entry['path']} changed since; nothing was "
                "overwritten. Compare the file with the journal's newText, keep what is right, delete the "
                "journal, then promote again"
            )
    _roll_forward(project_dir, journal, entries)
    return [*lines, f"finished an interrupted promotion: {', '.join(entry['path'] for entry in entries)}"]


def interrupted_promotion(project_dir: Path, stack: str) -> Path | None:
    """The journal of a promotion into `stack` that a crash interrupted, if there is one (for the review)."""
    journal = journal_path(project_dir, stack)
    return journal if journal.exists() else None


def _roll_forward(project_dir: Path, journal: Path, entries: list[dict[str, str | None]]) -> None:
    try:
        for entry in entries:
            path = project_dir / str(entry["path"])
            new_text = str(entry["newText"])
            if _read_if_exists(path) != new_text:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, new_text)
        remove_durably(journal)
    except OSError as error:
        if journal.exists():
            _raise_unfinished(journal, error)
        # Only syncing the journal's removal failed: every file is new. Should a power cut bring the journal
        # back, the next run's recovery finds its files already written and just removes it.


def _raise_unfinished(journal: Path, error: OSError) -> NoReturn:
    raise PromotionTransactionError(
        f"the promotion was committed to {journal} but writing its files failed ({error}); free space or "
        "fix the permissions, then run the same promote again: it finishes this one first"
    ) from None


def _leftovers(path: Path) -> list[Path]:
    return remove_leftover_temp_files(path) if path.parent.is_dir() else []


def _read_journal(journal: Path) -> list[dict[str, str | None]]:
    try:
        document = loads_strict(journal.read_text(encoding="utf-8"))
        entries = document["files"]
        for entry in entries:
            if not isinstance(entry["path"], str) or not isinstance(entry["newText"], str):
                raise TypeError("path and newText must be strings")
            if Path(entry["path"]).is_absolute() or ".." in Path(entry["path"]).parts:
                raise ValueError(f"path {entry['path']!r} is outside the project")
        return entries
    except (OSError, UnicodeDecodeError, StrictJsonError, KeyError, TypeError, ValueError) as error:
        raise PromotionTransactionError(
            f"{journal} records an interrupted promotion but cannot be read ({error}); restore the "
            "promotion's files from git, delete the journal, then promote again"
        ) from None


def _read_if_exists(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
