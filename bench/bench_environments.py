"""The founding case at its full size: five environments of eight applications each, reviewed by one
`python -m container_platform review` run, against one such environment reviewed alone.

Each environment is tests/program/fixtures/founding_case.yaml under its own stack name and network block,
reviewed with a copy of policies/config/prod.json (as docs/configuration.md says to copy it in). Figures
are medians of REPEATS runs, one then five in turn so machine load hits both alike; target: five
environments in under 5x one (the process start, imports and pack start are paid once per run).
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import yaml
from bench_review import PYTHON, REPEATS, ROOT, medians, timed

FOUNDING = ROOT / "tests" / "program" / "fixtures" / "founding_case.yaml"
ENVIRONMENTS = ("bank-dev", "bank-sit", "bank-qa", "bank-uat", "bank-prod")


def project_with_environments(root: Path) -> Path:
    """The project by symlink, with the five environments' stack files and policy configs added."""
    project = root / "project"
    project.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".git", ".venv", "build", "policies"} and not entry.name.startswith("Pulumi."):
            (project / entry.name).symlink_to(entry)
    (project / "Pulumi.yaml").symlink_to(ROOT / "Pulumi.yaml")
    policies = project / "policies"
    policies.mkdir()
    for entry in (ROOT / "policies").iterdir():
        if entry.name != "config":
            (policies / entry.name).symlink_to(entry)
    (policies / "config").mkdir()
    for index, environment in enumerate(ENVIRONMENTS):
        stack = yaml.safe_load(FOUNDING.read_text())
        config = stack["config"]
        config["container-platform:environment"] = environment.removeprefix("bank-")
        config["container-platform:network"]["cidrBlock"] = f"10.{50 + index}.0.0/16"
        for service in config["container-platform:services"]:
            blocks = (service.get("subnets") or {}).get("cidrBlocks")
            if blocks:
                service["subnets"]["cidrBlocks"] = [b.replace("10.40.", f"10.{50 + index}.") for b in blocks]
        (project / f"Pulumi.{environment}.yaml").write_text(yaml.safe_dump(stack))
        shutil.copy(ROOT / "policies" / "config" / "prod.json", policies / "config" / f"{environment}.json")
    return project


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(temporary)
        project = project_with_environments(scratch)
        review = [
            PYTHON, "-m", "container_platform", "review", "--project-dir", str(project),
            "--output-dir", str(scratch / "out"),
        ]  # fmt: skip
        five = [argument for environment in ENVIRONMENTS for argument in ("--stack", environment)]
        figures = medians(
            {
                "one": lambda: timed([*review, "--stack", ENVIRONMENTS[0]], ROOT),
                "five": lambda: timed([*review, *five], ROOT),
            }
        )
        summaries = {
            environment: json.loads((scratch / "out" / f"{environment}.json").read_text())["summary"]
            for environment in ENVIRONMENTS
        }
    resources = summaries[ENVIRONMENTS[0]]["resources"]
    violations = sum(summary["violations"] for summary in summaries.values())
    one, five_environments = figures["one"], figures["five"]
    print(f"{platform.machine()}, Python {platform.python_version()}, median of {REPEATS} runs")
    print("| Figure | Result | Target |\n| --- | --- | --- |")
    print(f"| Review of one founding-case environment (8 services, {resources} resources) | {one:.2f} s | |")
    print(
        f"| Review of five such environments in one run ({len(ENVIRONMENTS) * resources} resources) | "
        f"{five_environments:.2f} s = {five_environments / one:.2f}x one | < 5x |"
    )
    print(f"| Violations across the five | {violations} | 0 |")
    if violations:
        sys.exit(f"the environments should review clean; see {sorted(summaries)}")


if __name__ == "__main__":
    main()
