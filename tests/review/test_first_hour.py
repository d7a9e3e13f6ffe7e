"""README's "first hour", run as written: its snippets are applied and its printed lines must appear.

Each snippet is a code block whose info string carries `first-hour=<name>`; a `<name>-prints` block holds
lines the review must print (`...` stands for any text). A README example that drifts from the product
fails here.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from container_platform.cli import main
from container_platform.review.offline_runtime import PROJECT_ROOT, evaluate_stack

BLOCK = re.compile(r"^```\w+ first-hour=([\w-]+)\n(.*?)^```", re.DOTALL | re.MULTILINE)
EXAMPLES = dict(BLOCK.findall((PROJECT_ROOT / "README.md").read_text()))
SERVICES = "container-platform:services"


def project(root: Path) -> Path:
    """The real project by symlink, with its own copies of what the examples edit."""
    root.mkdir()
    for entry in PROJECT_ROOT.iterdir():
        if entry.name in {".git", ".venv", "build", "policies", "promotions"} or entry.name.startswith(
            "Pulumi."
        ):
            continue
        (root / entry.name).symlink_to(entry)
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    (root / "policies").mkdir()
    for entry in (PROJECT_ROOT / "policies").iterdir():
        if entry.name != "config":
            (root / "policies" / entry.name).symlink_to(entry)
    shutil.copytree(PROJECT_ROOT / "policies" / "config", root / "policies" / "config")
    return root


def edit_config(project_dir: Path, stack: str, change) -> None:
    path = project_dir / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text())
    change(document["config"])
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def review(capsys, project_dir: Path, stack: str) -> tuple[int, str]:
    code = main(
        [
            "review",
            "--stack",
            stack,
            "--project-dir",
            str(project_dir),
            "--output-dir",
            str(project_dir / "out"),
        ]
    )
    return code, capsys.readouterr().out


def assert_prints(printed: str, example: str) -> None:
    lines = printed.splitlines()
    for expected in EXAMPLES[f"{example}-prints"].splitlines():
        pattern = ".*".join(re.escape(piece) for piece in expected.split("..."))
        assert any(re.fullmatch(pattern, line) for line in lines), f"not printed: {expected!r}\n{printed}"


def test_the_readme_has_every_first_hour_example():
    names = {"add-an-application", "a-violation", "a-waiver"}
    assert names | {f"{name}-prints" for name in names} | {"promote-prints"} <= set(EXAMPLES)


def test_add_an_application(tmp_path, capsys):
    directory = project(tmp_path / "project")
    edit_config(
        directory,
        "dev",
        lambda config: config[SERVICES].extend(yaml.safe_load(EXAMPLES["add-an-application"])),
    )
    code, printed = review(capsys, directory, "dev")
    assert code == 0, printed
    assert_prints(printed, "add-an-application")
    assert "+ container-platform:index:WebService  payments" in printed


def plain_http(config: dict) -> None:
    """The README's snippet, merged into the settings it names (the rest of each object is kept)."""
    for key, settings in yaml.safe_load(EXAMPLES["a-violation"]).items():
        config[key] = {**config.get(key, {}), **settings}


def test_read_and_fix_a_violation(tmp_path, capsys):
    directory = project(tmp_path / "project")
    edit_config(directory, "prod", plain_http)
    code, printed = review(capsys, directory, "prod")
    assert code == 1, printed
    assert_prints(printed, "a-violation")
    edit_config(
        directory, "prod", lambda config: config["container-platform:loadBalancer"].update(protocol="HTTPS")
    )
    code, printed = review(capsys, directory, "prod")
    assert code == 0 and "PASSED prod (update)" in printed, printed


def test_waive_a_rule_with_a_reason_and_an_expiry(tmp_path, capsys):
    directory = project(tmp_path / "project")
    edit_config(directory, "prod", plain_http)
    config_file = directory / "policies" / "config" / "prod.json"
    config = json.loads(config_file.read_text())
    config.update(json.loads("{" + EXAMPLES["a-waiver"] + "}"))
    config_file.write_text(json.dumps(config, indent=2))
    code, printed = review(capsys, directory, "prod")
    assert code == 0, printed
    assert_prints(printed, "a-waiver")
    page = (directory / "out" / "prod.md").read_text()
    assert page.splitlines()[2].startswith("**PASSED WITH WAIVERS**")
    assert "partner integration speaks HTTP until its TLS migration" in page


@pytest.mark.usefixtures("git_identity")
def test_promote_what_dev_built_to_prod(tmp_path, capsys):
    directory = project(tmp_path / "project")
    outputs = tmp_path / "dev-outputs.json"  # what `pulumi stack output --json --stack dev` prints
    outputs.write_text(json.dumps(evaluate_stack("dev", project_dir=directory).outputs))
    promoted = [
        "promote",
        "--from",
        "dev",
        "--to",
        "prod",
        "--project-dir",
        str(directory),
        "--outputs",
        str(outputs),
    ]
    assert main(promoted) == 0
    capsys.readouterr()
    code, printed = review(capsys, directory, "prod")
    assert code == 0, printed
    assert_prints(printed, "promote")
    digests = json.loads(outputs.read_text())["imageDigests"]
    assert digests["hello-world"] in (directory / "Pulumi.prod.yaml").read_text()
    assert (directory / "promotions" / "prod.log").is_file()


@pytest.fixture
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The person the promotion record names, independent of the machine's git config."""
    git_config = tmp_path / "gitconfig"
    git_config.write_text("[user]\n\tname = Rita Release\n\temail = rita@bank.example\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(git_config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
