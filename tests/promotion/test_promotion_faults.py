"""Promotion under faults: a full disk or a kill at every write, two operators at once, corrupt or odd inputs.

The invariant: once the next run has recovered, `Pulumi.prod.yaml`, `policies/config/prod.json` and
`promotions/prod.log` are all as before the promotion or all as after it, never a mix, never truncated.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fault_injection import (
    KILLED,
    FaultAtNth,
    disk_full,
    fresh_project,
    mutations_of_a_clean_promotion,
    promote_killed_at,
    promotion_state,
    recovered_state,
)
from promotion_helpers import DEV_DIGESTS, IMAGES, chain_lineage, reference, run_promote, write_outputs

from container_platform.promotion.record import read_log
from container_platform.promotion.transaction import journal_path

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def before_and_after(tmp_path: Path) -> tuple[Path, dict, dict, int]:
    """dev's outputs, the files before and after one clean promotion, and how many mutations it makes."""
    outputs = write_outputs(tmp_path, DEV_DIGESTS)
    before = promotion_state(fresh_project(tmp_path / "before"))
    mutations = mutations_of_a_clean_promotion(tmp_path / "after", outputs)
    return outputs, before, promotion_state(tmp_path / "after"), mutations


def test_a_full_disk_at_any_write_leaves_all_old_or_all_new(tmp_path, before_and_after, capsys):
    outputs, before, after, mutations = before_and_after
    assert before != after and mutations >= 12  # a journal and three files, each written, synced and renamed
    for n in range(1, mutations + 1):
        project = fresh_project(tmp_path / f"full-{n}")
        fault = FaultAtNth(n, disk_full)
        fault.install()
        try:
            code = run_promote(project, "--outputs", str(outputs))
        finally:
            fault.uninstall()
        out = capsys.readouterr().out
        if code == 0:  # only syncing the journal's removal failed: the promotion is complete
            assert promotion_state(project) == after and not journal_path(project, "prod").exists()
            continue
        assert code == 2, f"fault at mutation {n}: exit {code}\n{out}"
        assert "No space left on device" in out and "Traceback" not in out
        committed = journal_path(project, "prod").exists()
        assert ("run the same promote again" in out) == committed, out
        assert recovered_state(project) == (after if committed else before), f"fault at mutation {n}"


def test_a_kill_at_any_write_leaves_all_old_or_all_new(tmp_path, before_and_after):
    outputs, before, after, mutations = before_and_after
    outcomes = set()
    for n in range(1, mutations + 1):
        project = fresh_project(tmp_path / f"killed-{n}")
        assert promote_killed_at(project, outputs, n) == KILLED, f"not killed at mutation {n}"
        state = recovered_state(project)
        assert state in (before, after), f"killed at mutation {n}: {state}"
        outcomes.add("new" if state == after else "old")
    assert outcomes == {"old", "new"}  # the kills landed on both sides of the commit point


def test_an_interrupted_promotion_is_reported_by_the_review_and_finished_by_the_next_promote(
    tmp_path, before_and_after, capsys
):
    outputs, _, after, mutations = before_and_after
    project = fresh_project(tmp_path / "project")
    # The last mutations remove the journal; a kill just before the end leaves it committed, half-written.
    assert promote_killed_at(project, outputs, mutations - 3) == KILLED
    assert journal_path(project, "prod").exists()

    assert run_promote(project, "--outputs", str(outputs)) == 0

    out = capsys.readouterr().out
    assert "finished an interrupted promotion" in out and "no change" in out
    assert promotion_state(project) == after
    assert not journal_path(project, "prod").exists()


def test_a_journal_whose_files_were_edited_since_is_not_rolled_forward(tmp_path, before_and_after, capsys):
    outputs, _, _, mutations = before_and_after
    project = fresh_project(tmp_path / "project")
    assert promote_killed_at(project, outputs, mutations - 3) == KILLED
    hand_edit = "# edited by hand after the crash\n" + (project / "Pulumi.prod.yaml").read_text()
    (project / "Pulumi.prod.yaml").write_text(hand_edit)

    assert run_promote(project, "--outputs", str(outputs)) == 2

    assert "changed since; nothing was overwritten" in capsys.readouterr().out
    assert (project / "Pulumi.prod.yaml").read_text() == hand_edit


def test_two_promotions_at_once_both_land_one_after_the_other(project):
    first = write_outputs(project, DEV_DIGESTS, "first.json")
    second = write_outputs(project, {image: reference(image, "d") for image in IMAGES}, "second.json")
    command = [sys.executable, "-m", "container_platform", "promote", "--from", "dev", "--to", "prod"]
    processes = [
        subprocess.Popen(
            [*command, "--project-dir", str(project), "--outputs", str(outputs)],
            cwd=REPOSITORY_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for outputs in (first, second)
    ]
    results = [(process.wait(timeout=120), process.stdout.read()) for process in processes]

    assert [code for code, _ in results] == [0, 0], results
    records = read_log(project, "prod")
    assert len(records) == 2
    earlier, later = records
    # The second read the first's files, not the files both started from: no update is lost.
    assert {change.old for change in later.changes} == {change.new for change in earlier.changes}
    pinned = {change.image: change.new for change in later.changes}
    stack_text = (project / "Pulumi.prod.yaml").read_text()
    assert all(reference_text in stack_text for reference_text in pinned.values())
    policy = json.loads((project / "policies" / "config" / "prod.json").read_text())
    assert policy["prod-images-promoted"]["promotedImages"] == list(pinned.values())


def test_a_cut_log_line_is_reported_with_its_number_and_never_extended(project, capsys):
    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0
    log = project / "promotions" / "prod.log"
    whole = log.read_text()
    log.write_text(whole + whole[: len(whole) // 2])  # a second record cut mid-line, as a crash left it
    other = {image: reference(image, "e") for image in IMAGES}

    assert run_promote(project, "--outputs", str(write_outputs(project, other))) == 2

    out = capsys.readouterr().out
    assert "prod.log line 2 is not a promotion record" in out and "Traceback" not in out
    assert log.read_text() == whole + whole[: len(whole) // 2]


def test_a_last_record_without_its_newline_is_not_glued_to_the_next(project):
    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 0
    log = project / "promotions" / "prod.log"
    log.write_text(log.read_text().rstrip("\n"))
    other = {image: reference(image, "e") for image in IMAGES}

    assert run_promote(project, "--outputs", str(write_outputs(project, other))) == 0

    assert len(read_log(project, "prod")) == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-16-be", "utf-32"])
def test_outputs_saved_by_powershell_or_with_a_bom_are_read(project, encoding):
    """PowerShell 5's `>` writes UTF-16 LE with a BOM; RFC 8259 8.1 lets a reader accept a BOM."""
    outputs = project / "dev-outputs.json"
    published = {"imageDigests": DEV_DIGESTS, "imageLineage": chain_lineage(DEV_DIGESTS)}
    outputs.write_bytes(json.dumps(published).encode(encoding))

    assert run_promote(project, "--outputs", str(outputs)) == 0

    assert [record.from_stack for record in read_log(project, "prod")] == ["dev"]


def test_duplicate_keys_in_the_outputs_are_refused(project, capsys):
    digests = json.dumps(DEV_DIGESTS)
    outputs = project / "dev-outputs.json"
    outputs.write_text(f'{{"imageDigests": {digests}, "imageDigests": {{}}}}')

    assert run_promote(project, "--outputs", str(outputs)) == 1

    assert "has the key 'imageDigests' twice in one object" in capsys.readouterr().out


def test_duplicate_keys_in_the_policy_config_are_refused(project, capsys):
    config = project / "policies" / "config" / "prod.json"
    text = config.read_text()
    config.write_text(text.replace("{", '{"prod-images-promoted": {"promotedImages": []},', 1))

    assert run_promote(project, "--outputs", str(write_outputs(project, DEV_DIGESTS))) == 1

    assert "has the key 'prod-images-promoted' twice" in capsys.readouterr().out


def _mount_tmpfs(directory: Path, size: int) -> bool:
    directory.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)]
    mounted = subprocess.run(command, capture_output=True, check=False)
    return mounted.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root (CI runs as root)")
def test_a_really_full_disk_leaves_all_old_or_all_new(tmp_path, before_and_after):
    """A tmpfs with a few pages free: the kernel's own ENOSPC, wherever it lands."""
    outputs, before, after, _ = before_and_after
    seen = set()
    for free_pages in range(0, 10):
        disk = tmp_path / f"disk-{free_pages}"
        assert _mount_tmpfs(disk, 64 * 4096), "mount -t tmpfs failed as root"
        try:
            project = fresh_project(disk / "project")
            filler = disk / "filler"
            with filler.open("wb", buffering=0) as fill, contextlib.suppress(OSError):
                while True:
                    fill.write(b"\0" * 4096)
            os.truncate(filler, max(0, filler.stat().st_size - free_pages * 4096))
            code = run_promote(project, "--outputs", str(outputs))
            assert code in (0, 2)
            filler.unlink()
            state = recovered_state(project)
            assert state in (before, after), f"{free_pages} pages free"
            seen.add(code)
        finally:
            subprocess.run(["umount", str(disk)], check=True)
    assert seen == {0, 2}


# strace's fault injection at the real syscalls of a real `promote` process: the journal's and files'
# fsyncs failing (EIO, ENOSPC; from the second on) and a rename that kills the process (SIGKILL: nothing
# runs after it).
STRACE_FAULTS = [
    "fsync:error=EIO:when=1",
    "fsync:error=ENOSPC:when=4",
    "rename:signal=KILL:when=1",
    "rename:signal=KILL:when=3",
    "fsync:error=ENOSPC:when=2+",
]


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (.ci/run installs it)")
@pytest.mark.parametrize("fault", STRACE_FAULTS)
def test_faults_injected_at_the_syscall_leave_all_old_or_all_new(tmp_path, before_and_after, fault):
    outputs, before, after, _ = before_and_after
    project = fresh_project(tmp_path / "project")
    command = [sys.executable, "-m", "container_platform", "promote", "--from", "dev", "--to", "prod"]
    result = subprocess.run(
        ["strace", "-f", "-qq", "-o", "/dev/null", "-e", f"inject={fault}",
         *command, "--project-dir", str(project), "--outputs", str(outputs)],
        cwd=REPOSITORY_ROOT,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode in (2, -9), result  # the fault landed: could not promote, or killed
    assert "Traceback" not in result.stdout + result.stderr
    assert recovered_state(project) in (before, after), fault
