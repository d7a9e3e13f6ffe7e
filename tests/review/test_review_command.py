"""`python -m container_platform review`: the real program, the real policy pack, the board's report."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from container_platform.cli import main
from container_platform.promotion.record import (
    ImageChange,
    PromotionRecord,
    log_with,
    strip_comment_block,
)
from container_platform.review.offline_runtime import PROJECT_ROOT, UNKNOWN
from container_platform.review.report import PROGRAM_MADE

UPSTREAM = (
    "quay.io/centos/centos:stream9@sha256:e5fdd83894773a25f22fbdf0b5253c63677d0cbaf8d3a8366b165a3ef5902964"
)
UNPROMOTED = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/container-platform/hello-world@sha256:" + "1" * 64
# What a copy of the project leaves out: its own stack files and promotion log are written by each test.
NOT_COPIED = {".git", ".venv", "build", ".pytest_cache", ".ruff_cache", "promotions"}


def project_copy(root: Path, stack_files: dict[str, dict], *, policies: Path | None = None) -> Path:
    """The real project (by symlink) with the given stack files and, optionally, another policy pack."""
    root.mkdir()
    for entry in PROJECT_ROOT.iterdir():
        if entry.name in NOT_COPIED or (entry.name.startswith("Pulumi.") and entry.name != "Pulumi.yaml"):
            continue
        if entry.name == "policies" and policies is not None:
            (root / "policies").symlink_to(policies)
            continue
        (root / entry.name).symlink_to(entry)
    for stack, document in stack_files.items():
        (root / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))
    return root


def stack_document(stack: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text())


def review(capsys, *args: str) -> tuple[int, str]:
    code = main(["review", *args])
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """dev and prod reviewed once in update mode and dev once in preview mode, through the CLI."""
    out = tmp_path_factory.mktemp("review")
    codes = {
        "update": main(["review", "--all-stacks", "--output-dir", str(out / "update")]),
        "preview": main(
            ["review", "--stack", "dev", "--mode", "preview", "--output-dir", str(out / "preview")]
        ),
    }
    return out, codes


def load(out: Path, mode: str, stack: str) -> tuple[dict, str]:
    return json.loads((out / mode / f"{stack}.json").read_text()), (out / mode / f"{stack}.md").read_text()


def test_dev_and_prod_pass_their_review(reviewed):
    out, codes = reviewed
    assert codes == {"update": 0, "preview": 0}
    for stack in ("dev", "prod"):
        document, report = load(out, "update", stack)
        assert document["passed"] is True
        assert document["summary"]["mandatory"] == 0
        assert report.splitlines()[2] == "**PASSED**: no mandatory policy violation."


def test_the_json_lists_every_resource_diagnostic_waiver_and_timing(reviewed):
    out, _ = reviewed
    document, _ = load(out, "update", "prod")
    assert document["policyPack"] == {
        "name": "container-platform",
        "version": document["policyPack"]["version"],
        "configFile": "policies/config/prod.json",
    }
    types = {resource["type"] for resource in document["resources"]}
    assert {"pulumi:pulumi:Stack", "aws:ecs/taskDefinition:TaskDefinition", "aws:iam/role:Role"} <= types
    listener = next(r for r in document["resources"] if r["name"] == "prod-https")
    assert listener["urn"].endswith(
        "container-platform:index:LoadBalancer$aws:lb/listener:Listener::prod-https"
    )
    assert listener["inputs"]["port"] == 443
    steps = {"evaluate", "pack_start", "analyze_after_evaluate", "analyze_stack", "total"}
    assert steps <= set(document["timings"])
    assert all({"urn", "type", "name", "parent", "inputs"} <= set(r) for r in document["resources"])
    assert len({r["urn"] for r in document["resources"]}) == len(document["resources"])
    assert (document["diagnostics"], document["waiversUsed"]) == ([], [])  # filled: the waiver test below
    assert document["summary"]["resources"] == len(document["resources"])


def test_secrets_never_reach_the_json(reviewed):
    out, _ = reviewed
    text = (out / "update" / "dev.json").read_text()
    assert "1b47061264138c4ac30d75fd1eb44270" not in text
    image = next(r for r in json.loads(text)["resources"] if r["type"] == "docker:index/image:Image")
    assert image["inputs"]["registry"]["password"] == "[secret]"


def test_the_report_answers_the_boards_three_questions_for_prod(reviewed):
    out, _ = reviewed
    _, report = load(out, "update", "prod")
    pinned = stack_document("prod")["config"]["container-platform:images"]["pinned"]
    images = report[report.index("## 1.") : report.index("## 2.")]
    assert all(f"`{digest}`" in images for digest in pinned.values())
    assert f"Upstream at the root: `{UPSTREAM}`" in images
    # The table's upstream is the one recorded for this pin, as the chain beneath it says.
    assert f"| `{pinned['hello-world']}` | `{UPSTREAM}` |" in images
    ports = report[report.index("## 2.") : report.index("## 3.")]
    assert "| listener | Listener prod-https | 443 | HTTPS | on LoadBalancer prod |" in ports
    assert "redirect to HTTPS:443" in ports
    assert "| 8080 | tcp | from SecurityGroup prod-sg |" in ports
    assert "| 8080 | tcp | task security groups: SecurityGroup hello-world-tasks |" in ports
    assert "| Dockerfile EXPOSE | images/hello-world/Dockerfile | 8080 |" in ports
    roles = report[report.index("## 3.") : report.index("## 4.")]
    assert "### Role `hello-world-execution`" in roles
    assert "`Service: ecs-tasks.amazonaws.com`" in roles
    assert "execution role of TaskDefinition hello-world-task" in roles
    # The role's verdict is the pack's: ecr:GetAuthorizationToken on * is what the pack allows.
    assert "| **PASSED** | `hello-world-execution` | `Service: ecs-tasks.amazonaws.com` |" in roles
    assert "### Role `hello-world-execution`: **PASSED**" in roles
    assert "## 6. Waivers used" in report and "## 7. Promotion record" in report
    page = (out / "update" / "prod.html").read_text()
    assert page.startswith("<!doctype html>")
    assert '<p class="banner banner-passed"><strong class="v v-passed">PASSED</strong>' in page
    assert '<h2 id="2-exposed-ports-who-can-reach-them-and-where-tasks-connect">' in page
    assert '<a href="#2-exposed-ports-who-can-reach-them-and-where-tasks-connect">' in page
    assert page.count("<table>") == sum(line.startswith("| --- |") for line in report.splitlines())


def test_every_row_of_the_three_questions_carries_the_packs_verdict(reviewed):
    out, _ = reviewed
    _, report = load(out, "update", "prod")
    chains = "The chain behind each container"
    for start, end, columns in (("## 1.", chains, 4), ("## 2.", "## 3.", 7), ("## 3.", "### Role", 5)):
        section = report[report.index(start) : report.index(end, report.index(start))]
        rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
        assert rows, section
        assert all(row.split(" | ")[0] in ("| **PASSED**", "| **NOT JUDGED**") for row in rows), rows
        assert all(row.count(" | ") == columns - 1 for row in rows)
    ports = report[report.index("## 2.") : report.index("## 3.")]
    # prod's tasks have private egress (network.privateEgress): HTTPS to the endpoints and S3's prefix list.
    assert (
        "| **PASSED** | egress rule | SecurityGroup hello-world-tasks (hello-world-https-out-endpoints) "
        "| 443 |" in ports
    )
    assert "to 0.0.0.0/0" not in "".join(line for line in ports.splitlines() if "hello-world-tasks (" in line)
    assert "| **NOT JUDGED** | Dockerfile EXPOSE |" in ports, "prod builds no image, so no Image is judged"


def test_the_header_says_what_the_page_was_made_from(reviewed):
    out, _ = reviewed
    document, report = load(out, "update", "prod")
    made = document["provenance"]
    assert made["stack_file"] == "Pulumi.prod.yaml" and made["policy_config"] == "policies/config/prod.json"
    assert (
        made["stack_file_sha256"]
        == hashlib.sha256((PROJECT_ROOT / "Pulumi.prod.yaml").read_bytes()).hexdigest()
    )
    config = (PROJECT_ROOT / "policies" / "config" / "prod.json").read_bytes()
    assert made["policy_config_sha256"] == hashlib.sha256(config).hexdigest()
    head = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    assert made["commit"] == head.stdout.strip() and isinstance(made["dirty"], bool)
    header = report[: report.index("## Contents")]
    for value in (
        made["commit"],
        made["stack_file_sha256"],
        made["policy_config_sha256"],
        made["reviewed_at"],
    ):
        assert value in header
    assert (
        "| mode | update |" in header
        and f"| policy pack | `container-platform` {document['policyPack']['version']} |" in header
    )
    assert "| uncommitted changes | " + ("yes" if made["dirty"] else "no") + " |" in header


def test_preview_leaves_digests_and_computed_documents_unknown_where_update_knows_them(reviewed):
    out, _ = reviewed
    preview, preview_report = load(out, "preview", "dev")
    update, update_report = load(out, "update", "dev")
    assert preview["mode"] == "preview" and update["mode"] == "update"

    def image_chain(document):
        return document["board"]["image_chains"][0]["links"]

    assert all(link["reference"] == "(unknown until deployed)" for link in image_chain(preview))
    assert all("@sha256:" in link["reference"] for link in image_chain(update))
    assert set(preview["outputs"]["imageDigests"].values()) == {UNKNOWN}
    assert all("@sha256:" in digest for digest in update["outputs"]["imageDigests"].values())
    task = next(r for r in preview["resources"] if r["type"] == "aws:ecs/taskDefinition:TaskDefinition")
    assert task["inputs"]["containerDefinitions"] == UNKNOWN
    assert "| mode | preview (values AWS computes are unknown) |" in preview_report
    # dev's IAM rules are advisory: a check they cannot make yet is DEFERRED on its row, not a pass.
    roles = preview_report[preview_report.index("## 3.") : preview_report.index("### Role")]
    assert "| **DEFERRED** |" in roles
    assert "**DEFERRED**" not in update_report[: update_report.index("## 8.")]
    assert preview["verdict"] == "PASSED" and preview["summary"]["mandatoryDeferred"] == 0
    # Settings known before deployment read the same in both modes.
    assert (
        f"Upstream at the root: `{UPSTREAM}`" in preview_report
        and f"Upstream at the root: `{UPSTREAM}`" in update_report
    )


def test_a_mandatory_violation_blocks_with_exit_code_1_and_is_in_the_json_and_report(tmp_path, capsys):
    prod = stack_document("prod")
    prod["config"]["container-platform:images"]["pinned"]["hello-world"] = UNPROMOTED
    project = project_copy(tmp_path / "project", {"prod": prod})
    code, printed = review(
        capsys, "--stack", "prod", "--project-dir", str(project), "--output-dir", str(tmp_path / "out")
    )
    assert code == 1
    document = json.loads((tmp_path / "out" / "prod.json").read_text())
    assert document["passed"] is False
    promoted = [d for d in document["diagnostics"] if d["policy"] == "prod-images-promoted"]
    assert promoted and all(d["enforcementLevel"] == "mandatory" for d in promoted)
    assert any(UNPROMOTED in d["message"] for d in promoted)
    report = (tmp_path / "out" / "prod.md").read_text()
    assert "**BLOCKED**" in report.splitlines()[2]
    assert "### `prod-images-promoted`: **MANDATORY**" in report
    images = report[report.index("## 1.") : report.index("The chain behind each container")]
    assert "| **BLOCKED** | hello-world-task / hello-world |" in images
    assert f"`{UNPROMOTED}` | `(not recorded for this digest)` |" in images  # a pin edited by hand
    assert "- **MANDATORY** `prod-images-promoted` on TaskDefinition hello-world-task: " in images
    # The author edits the stack file, not resource inputs: the finding names the setting and what to set.
    setting = "In Pulumi.prod.yaml set `container-platform:images.pinned.hello-world` to a digest promoted"
    assert setting in images and setting in printed
    assert {d["setting"]["key"] for d in promoted} == {"container-platform:images.pinned.hello-world"}
    assert document["verdict"] == "BLOCKED"
    # Two: prod-images-promoted (not promoted) and promoted-lineage (no lineage recorded for it).
    assert printed.splitlines()[-5].startswith("BLOCKED prod (update): 2 mandatory")
    assert "[mandatory]" in printed and "prod-images-promoted" in printed and "blocked" in printed


def pack_with_prod_config(root: Path, change) -> Path:
    """The real policy pack (by symlink) with `change` applied to a copy of its prod config."""
    pack = PROJECT_ROOT / "policies"
    (root / "config").mkdir(parents=True)
    for entry in pack.iterdir():
        if entry.name != "config":
            (root / entry.name).symlink_to(entry)
    config = json.loads((pack / "config" / "prod.json").read_text())
    change(config)
    (root / "config" / "prod.json").write_text(json.dumps(config))
    return root


def unapprove_hello_world(config: dict, waivers: list[dict]) -> None:
    images = config["approved-container-images"]
    images["approvedRepositories"].remove("container-platform/hello-world")
    images["waivers"] = waivers


WAIVER = {
    "resources": ["hello-world-task"],
    "reason": "hello-world moves to an approved repository in ticket ARB-42",
    "expires": "2999-12-31",
    "approvedBy": "architecture review board",
}


@pytest.mark.parametrize(
    ("waivers", "exit_code", "violations", "waivers_used"),
    [([WAIVER], 0, 0, 1), ([], 1, 1, 0)],
    ids=["waived: passes and reports the waiver", "violating: no waiver, blocked"],
)
def test_a_waiver_turns_a_mandatory_violation_into_a_reported_waiver(
    tmp_path, capsys, waivers, exit_code, violations, waivers_used
):
    pack = pack_with_prod_config(tmp_path / "pack", lambda config: unapprove_hello_world(config, waivers))
    project = project_copy(tmp_path / "project", {"prod": stack_document("prod")}, policies=pack)
    code, printed = review(
        capsys, "--stack", "prod", "--project-dir", str(project), "--output-dir", str(tmp_path / "out")
    )
    assert code == exit_code, printed
    document = json.loads((tmp_path / "out" / "prod.json").read_text())
    summary = document["summary"]
    assert (summary["mandatory"], summary["waiversUsed"]) == (violations, waivers_used)
    assert [d["policy"] for d in document["diagnostics"]] == ["approved-container-images"] * violations
    report = (tmp_path / "out" / "prod.md").read_text()
    waivers_section = report.split("## 6. Waivers used", 1)[1]
    images = report[report.index("## 1.") : report.index("The chain behind each container")]
    if waivers_used:
        assert report.splitlines()[2].startswith("**PASSED WITH WAIVERS**: no mandatory policy violation")
        assert "| **WAIVED** | hello-world-task / hello-world |" in images
        (used,) = document["waiversUsed"]
        assert used["urn"].endswith("aws:ecs/taskDefinition:TaskDefinition::hello-world-task")
        assert used["message"].startswith("waiver used: policy 'approved-container-images'")
        assert WAIVER["reason"] in used["message"]
        assert f"- **WAIVED** TaskDefinition hello-world-task: {used['message']}" in waivers_section
        assert "waivers used: 1" in printed
    else:
        assert document["waiversUsed"] == []
        assert "No waiver was used." in waivers_section
        assert "| **BLOCKED** | hello-world-task / hello-world |" in images
        assert "[severity: " in printed and "approved-container-images  1 resource(s)" in printed


def test_a_violation_no_setting_produces_says_the_program_made_it(tmp_path, capsys, pack_process):
    """A board that has not reviewed ECS clusters: no stack setting removes the one the program makes."""
    schema = pack_process.info.policy("approved-resource-types").config_schema["approvedResourceTypes"]
    reviewed = [t for t in schema["default"] if t != "aws:ecs/cluster:Cluster"]

    def unreview_clusters(config: dict) -> None:
        config["approved-resource-types"] = {"approvedResourceTypes": reviewed}

    pack = pack_with_prod_config(tmp_path / "pack", unreview_clusters)
    project = project_copy(tmp_path / "project", {"prod": stack_document("prod")}, policies=pack)
    code, printed = review(
        capsys, "--stack", "prod", "--project-dir", str(project), "--output-dir", str(tmp_path / "out")
    )
    assert code == 1, printed
    document = json.loads((tmp_path / "out" / "prod.json").read_text())
    (violation,) = document["diagnostics"]
    assert (violation["policy"], violation["setting"]) == ("approved-resource-types", None)
    report = (tmp_path / "out" / "prod.md").read_text()
    assert f"{PROGRAM_MADE}" in report and "No stack setting produces this" in printed


def unpromote_hello_world(config: dict) -> None:
    promotion = config["prod-images-promoted"]
    promotion["promotedImages"] = [i for i in promotion["promotedImages"] if "/hello-world@" not in i]
    promotion["waivers"] = [WAIVER]


def test_a_waived_stack_policy_passes_and_its_waiver_is_reported(tmp_path, capsys):
    pack = pack_with_prod_config(tmp_path / "pack", unpromote_hello_world)
    project = project_copy(tmp_path / "project", {"prod": stack_document("prod")}, policies=pack)
    code, printed = review(
        capsys, "--stack", "prod", "--project-dir", str(project), "--output-dir", str(tmp_path / "out")
    )
    assert code == 0, printed
    document = json.loads((tmp_path / "out" / "prod.json").read_text())
    assert (document["summary"]["mandatory"], document["diagnostics"]) == (0, [])
    (used,) = document["waiversUsed"]
    assert used["urn"].endswith("aws:ecs/taskDefinition:TaskDefinition::hello-world-task")
    assert used["message"].startswith("waiver used: policy 'prod-images-promoted'")
    assert "waivers used: 1" in printed


def test_a_stack_reference_is_answered_with_the_source_stacks_offline_outputs(reviewed, tmp_path, capsys):
    out, _ = reviewed
    dev_digests = load(out, "update", "dev")[0]["outputs"]["imageDigests"]
    prod = stack_document("prod")
    prod["config"]["container-platform:images"] = {
        "source": "stackReference",
        "stackReference": "organization/container-platform/dev",
    }
    project = project_copy(tmp_path / "project", {"prod": prod, "dev": stack_document("dev")})
    code, _ = review(capsys, "--stack", "prod", "--project-dir", str(project), "--output-dir", str(tmp_path))
    document = json.loads((tmp_path / "prod.json").read_text())
    links = {link["name"]: link for link in document["board"]["image_chains"][0]["links"]}
    assert {name: link["reference"] for name, link in links.items()} == dev_digests
    assert {link["origin"] for link in links.values()} == {"from stack organization/container-platform/dev"}
    # dev's digests were never promoted to prod, so prod's policy config blocks them.
    assert code == 1
    assert {d["policy"] for d in document["diagnostics"]} == {"prod-images-promoted", "promoted-lineage"}


def test_a_program_error_is_one_clear_message_and_exit_code_2(tmp_path, capsys):
    dev = stack_document("dev")
    project = project_copy(tmp_path / "project", {"dev": dev})
    out = ["--stack", "dev", "--project-dir", str(project), "--output-dir", str(tmp_path / "out")]
    assert review(capsys, *out)[0] == 0
    assert (tmp_path / "out" / "dev.md").read_text().splitlines()[2].startswith("**PASSED**")
    dev["config"]["container-platform:services"][0]["containerPort"] = "eighty"
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(dev))
    code, printed = review(capsys, *out)
    assert code == 2
    assert printed.startswith("error reviewing stack dev: ")
    assert "container-platform:services[0].containerPort" in printed
    assert "Traceback" not in printed
    # The passing page of the last review must not outlive this one: every output now says it failed.
    document = json.loads((tmp_path / "out" / "dev.json").read_text())
    assert (document["verdict"], document["passed"]) == ("NOT REVIEWED", False)
    assert "container-platform:services[0].containerPort" in document["error"]
    page = (tmp_path / "out" / "dev.md").read_text()
    assert page.splitlines()[2].startswith("**NOT REVIEWED**: the review failed")
    assert "PASSED" not in page and "PASSED" not in (tmp_path / "out" / "dev.html").read_text()
    assert document["provenance"]["stack_file_sha256"] in page


def test_a_stack_without_its_policy_config_is_an_error_naming_the_file_to_create(tmp_path, capsys):
    pack = tmp_path / "pack"
    pack.mkdir()
    for entry in (PROJECT_ROOT / "policies").iterdir():
        if entry.name != "config":
            (pack / entry.name).symlink_to(entry)
    (pack / "config").mkdir()
    project = project_copy(tmp_path / "project", {"dev": stack_document("dev")}, policies=pack)
    code, printed = review(
        capsys, "--stack", "dev", "--project-dir", str(project), "--output-dir", str(tmp_path / "out")
    )
    assert code == 2
    assert printed.startswith("error reviewing stack dev: no policy config for this stack: create ")
    assert "policies/config/dev.json" in printed
    assert json.loads((tmp_path / "out" / "dev.json").read_text())["verdict"] == "NOT REVIEWED"


def test_a_preview_with_mandatory_checks_deferred_is_incomplete_exit_0_with_a_warning(tmp_path, capsys):
    code, printed = review(capsys, "--stack", "prod", "--mode", "preview", "--output-dir", str(tmp_path))
    assert code == 0
    document = json.loads((tmp_path / "prod.json").read_text())
    assert document["verdict"] == "INCOMPLETE" and document["passed"] is True
    assert document["summary"]["mandatoryDeferred"] > 0
    assert "warning: mandatory checks could not run in preview" in printed
    assert "INCOMPLETE prod (preview): 0 mandatory" in printed
    assert "Policies container-platform@v" in printed and "passed" not in printed
    assert "    - RolePolicy prod-instance-agent: [mandatory] iam-no-wildcard-actions" in printed
    report = (tmp_path / "prod.md").read_text()
    assert report.splitlines()[2].startswith("**INCOMPLETE**: ")
    deferred = report.split("## 5. Checks that could not run", 1)[1]
    assert "| **MANDATORY** | `iam-no-wildcard-actions` | RolePolicy prod-instance-agent |" in deferred
    roles = report[report.index("## 3.") : report.index("### Role")]
    assert "| **INCOMPLETE** | `prod-instance` |" in roles


def test_a_missing_stack_file_names_it_and_exits_2(capsys, tmp_path):
    code, printed = review(capsys, "--stack", "uat", "--output-dir", str(tmp_path))
    assert code == 2
    assert "stack 'uat' has no stack file Pulumi.uat.yaml" in printed
    assert "known stacks: dev, prod, qa, registry" in printed


def test_a_stack_file_that_is_not_valid_yaml_names_the_file_and_line_and_exits_2(tmp_path, capsys):
    project = project_copy(tmp_path / "project", {})
    (project / "Pulumi.dev.yaml").write_text("config:\n  aws:region: [eu-west-1\n")
    code, printed = review(
        capsys, "--stack", "dev", "--project-dir", str(project), "--output-dir", str(tmp_path / "out")
    )
    assert code == 2
    stack_file = project / "Pulumi.dev.yaml"
    assert printed.startswith(f"error reviewing stack dev: {stack_file} is not valid YAML at line 3")
    assert "fix the file's syntax" in printed
    assert "Traceback" not in printed


def test_a_policy_pack_that_fails_to_start_shows_its_stderr_and_exits_2(tmp_path):
    broken = tmp_path / "broken-pack"
    broken.mkdir()
    (broken / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (broken / "__main__.py").write_text("raise SystemExit('the pack cannot load its rules')\n")
    (broken / "config").mkdir()
    (broken / "config" / "dev.json").symlink_to(PROJECT_ROOT / "policies" / "config" / "dev.json")
    project = project_copy(tmp_path / "project", {"dev": stack_document("dev")}, policies=broken)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "container_platform",
            "review",
            "--stack",
            "dev",
            "--project-dir",
            str(project),
            "--output-dir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "error reviewing stack dev: policy pack" in result.stdout
    assert "the pack cannot load its rules" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_the_report_shows_the_promotion_record_and_log(tmp_path, capsys):
    prod_text = (PROJECT_ROOT / "Pulumi.prod.yaml").read_text()
    pinned = stack_document("prod")["config"]["container-platform:images"]["pinned"]
    record = PromotionRecord(
        promoted_by="Ada Reviewer <ada@example.com>",
        promoted_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        from_stack="dev",
        to_stack="prod",
        changes=tuple(ImageChange(image, None, reference) for image, reference in pinned.items()),
        verified_with_ecr=True,
    )
    project = project_copy(tmp_path / "project", {})
    (project / "Pulumi.prod.yaml").write_text(record.comment_block() + strip_comment_block(prod_text))
    log, _, log_text = log_with(project, record)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(log_text)
    code, _ = review(capsys, "--stack", "prod", "--project-dir", str(project), "--output-dir", str(tmp_path))
    assert code == 0
    section = (tmp_path / "prod.md").read_text().split("## 7. Promotion record", 1)[1]
    assert record.comment_block().strip() in section
    by = "- 2026-11-20T09:30:00Z by Ada Reviewer <ada@example.com>"
    entry = f"{by}, from `dev` (verified in ECR, not tagged)"
    assert entry in section
    assert f"`hello-world` -> `{pinned['hello-world']}`" in section
    document = json.loads((tmp_path / "prod.json").read_text())
    assert document["promotions"] == [record.to_json()]


def test_a_corrupt_promotions_log_line_is_reported_with_its_number_and_exits_2(tmp_path, capsys):
    project = project_copy(tmp_path / "project", {"prod": stack_document("prod")})
    (project / "promotions").mkdir()
    (project / "promotions" / "prod.log").write_text('{"promotedAt": "2026-11-20T09:30:00Z", "promot\n')

    args = ("--stack", "prod", "--project-dir", str(project), "--output-dir", str(tmp_path))
    code, out = review(capsys, *args)

    assert code == 2
    assert "prod.log line 1 is not a promotion record" in out.replace("\n", " ")
    assert "Traceback" not in out


def test_a_crash_of_the_review_exits_2_never_1(tmp_path, capsys, monkeypatch):
    """A crash is "could not review": exit code 1 would read as a verdict on the stack."""
    project = project_copy(tmp_path / "project", {"dev": stack_document("dev")})

    def crash(*_args: object) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr("container_platform.review.command.board_facts", crash)

    args = ["--stack", "dev", "--project-dir", str(project), "--output-dir", str(tmp_path)]
    assert main(["review", *args]) == 2
    assert "could not run, an internal error (RuntimeError: injected fault)" in capsys.readouterr().err


def test_an_output_dir_that_cannot_be_written_is_a_clear_error(capsys, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    code, printed = review(capsys, "--stack", "dev", "--output-dir", str(blocker / "review"))
    assert code == 2
    assert printed.startswith(f"error reviewing stack dev: cannot write the report to {blocker / 'review'}")


def test_plain_text_when_not_a_terminal(reviewed, capsys, tmp_path):
    code, printed = review(capsys, "--stack", "prod", "--output-dir", str(tmp_path))
    assert code == 0
    assert "\x1b[" not in printed
    lines = printed.splitlines()
    assert lines[0] == "Reviewing update (prod), offline under the Pulumi SDK's mock runtime"
    assert lines[1] == "+ pulumi:pulumi:Stack  container-platform-prod"
    listener = next(line for line in lines if line.endswith("+ aws:lb/listener:Listener  prod-https"))
    assert listener.startswith("│   "), "a listener is drawn under its LoadBalancer component"
    assert any(line.startswith("Policies container-platform@v") and line.endswith("passed") for line in lines)
    summary = lines[lines.index("Resources:") :]
    assert (
        summary[1] == f"    + {len(json.loads((tmp_path / 'prod.json').read_text())['resources'])} to create"
    )
    assert "        2 aws:lb/listener:Listener" in summary
    assert any(
        line.startswith("PASSED prod (update): 0 mandatory and 0 advisory violation(s)") for line in lines
    )


def test_colours_when_a_terminal_is_attached(reviewed, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")  # what rich sees as an attached terminal
    monkeypatch.setenv("TERM", "xterm-256color")
    code, printed = review(capsys, "--stack", "prod", "--output-dir", str(tmp_path))
    assert code == 0
    assert "\x1b[32mpassed\x1b[0m" in printed


def test_a_second_run_writes_the_same_page_and_json_but_for_timings(reviewed, capsys, tmp_path):
    out, _ = reviewed
    code, _ = review(capsys, "--stack", "prod", "--output-dir", str(tmp_path))
    assert code == 0
    first, first_page = load(out, "update", "prod")
    again = json.loads((tmp_path / "prod.json").read_text())

    def timeless(page: str) -> list[str]:
        return [line for line in page.splitlines() if not line.startswith("| reviewed at |")]

    assert timeless((tmp_path / "prod.md").read_text()) == timeless(first_page)
    assert first.pop("timings") != {} and again.pop("timings") != {}
    assert first["provenance"].pop("reviewed_at") and again["provenance"].pop("reviewed_at")
    assert again == first


def test_a_plain_http_listener_in_prod_names_the_load_balancer_setting_to_change(tmp_path, capsys):
    prod = stack_document("prod")
    prod["config"]["container-platform:loadBalancer"] = {"protocol": "HTTP"}
    project = project_copy(tmp_path / "project", {"prod": prod})
    code, printed = review(
        capsys, "--stack", "prod", "--project-dir", str(project), "--output-dir", str(tmp_path / "out")
    )
    assert code == 1, printed
    document = json.loads((tmp_path / "out" / "prod.json").read_text())
    https = [d for d in document["diagnostics"] if d["policy"] == "listener-https-only"]
    assert https and https[0]["setting"]["key"] == "container-platform:loadBalancer.protocol"
    assert "set `container-platform:loadBalancer.protocol` to `HTTPS`" in printed
    ports = (tmp_path / "out" / "prod.md").read_text().split("## 2.", 1)[1].split("## 3.", 1)[0]
    assert "| **BLOCKED** | listener | Listener prod-http |" in ports
