"""What `make review` costs, measured as users run it: whole `python -m container_platform review` processes.

Figures (median of REPEATS runs, each kind measured in turn so machine load hits them alike):
- floor: a process that only imports the program's modules, i.e. `components/*` and every SDK module
  (pulumi, pulumi_aws, pulumi_docker, pydantic...) a dev evaluation loads, and exits the way the review
  command does (without the final cycle collection); target: one-stack review within 2x of it (issue 15);
- every stack of the project reviewed by one command; target: under 10 s;
- a 40-service stack (tests/program/fixtures/forty_services.yaml, the users' target of 5 environments x 8
  applications) against the same config cut to its first service; target: under 3x.
The review commands run in a copy of the project (symlinks) that adds the `one` and `scale` stack files.
"""

from __future__ import annotations

import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5  # this shared 2-core machine varies by 20% run to run; five runs steady the medians
PYTHON = sys.executable
FORTY = ROOT / "tests" / "program" / "fixtures" / "forty_services.yaml"
SERVICES_KEY = "container-platform:services"
# Lazily imported SDK modules that the program never touched stay `_LazyModule`s: they cost nothing and
# are left out; importing them for real would inflate the floor.
LOADED_MODULES = """
import json, sys, types
from container_platform.review.offline_runtime import evaluate_stack
before = set(sys.modules)
evaluate_stack("dev")
loaded = [n for n, m in sys.modules.items() if n not in before and type(m) is types.ModuleType]
print(json.dumps(sorted(name for name in loaded if not name.startswith("container_platform"))))
"""


def program_modules() -> list[str]:
    """Every module a dev evaluation imports (SDKs included), plus the program's own components."""
    output = subprocess.run(
        [PYTHON, "-c", LOADED_MODULES], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    components = [f"components.{p.stem}" for p in sorted((ROOT / "components").glob("*.py"))]
    return ["pulumi", "pulumi_aws", "pulumi_docker", *components, *json.loads(output.splitlines()[-1])]


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        failed = f"{' '.join(command)} failed ({result.returncode})"
        raise SystemExit(f"{failed}:\n{result.stdout}\n{result.stderr}")
    return elapsed


def project_with_scale_stacks(root: Path) -> Path:
    """The project by symlink, plus Pulumi.scale.yaml (40 services) and Pulumi.one.yaml (its first),
    each with a policy config."""
    project = root / "project"
    project.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".git", ".venv", "build", "policies"}:
            (project / entry.name).symlink_to(entry)
    # Every reviewed stack needs its own policy config; these two are judged as dev is (advisory).
    (project / "policies" / "config").mkdir(parents=True)
    for entry in (ROOT / "policies").iterdir():
        if entry.name != "config":
            (project / "policies" / entry.name).symlink_to(entry)
    advisory = ROOT / "policies" / "config" / "dev.json"
    for stack in ("one", "scale"):
        (project / "policies" / "config" / f"{stack}.json").symlink_to(advisory)
    forty = yaml.safe_load(FORTY.read_text())
    one = yaml.safe_load(FORTY.read_text())
    one["config"][SERVICES_KEY] = one["config"][SERVICES_KEY][:1]
    (project / "Pulumi.scale.yaml").write_text(yaml.safe_dump(forty))
    (project / "Pulumi.one.yaml").write_text(yaml.safe_dump(one))
    return project


def medians(runs: dict[str, Callable[[], float]]) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(REPEATS):
        for name, run in runs.items():
            samples[name].append(run())
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    modules = program_modules()
    # Ends as `python -m container_platform` does (gc.freeze, no final cycle collection), so the floor is
    # the imports alone.
    floor_script = (
        f"import gc, importlib\nfor name in {modules!r}:\n    importlib.import_module(name)\ngc.freeze()"
    )
    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(temporary)
        project = project_with_scale_stacks(scratch)
        review = [PYTHON, "-m", "container_platform", "review", "--output-dir", str(scratch / "out")]
        scaled = [*review, "--project-dir", str(project)]
        figures = medians(
            {
                "floor": lambda: timed([PYTHON, "-c", floor_script], ROOT),
                "one stack (dev)": lambda: timed([*review, "--stack", "dev"], ROOT),
                "all stacks": lambda: timed([*review, "--all-stacks"], ROOT),
                "1 service": lambda: timed([*scaled, "--stack", "one"], ROOT),
                "40 services": lambda: timed([*scaled, "--stack", "scale"], ROOT),
            }
        )
        resources = {
            stack: json.loads((scratch / "out" / f"{stack}.json").read_text())["summary"]["resources"]
            for stack in ("one", "scale")
        }
    stacks = ", ".join(p.name[len("Pulumi.") : -len(".yaml")] for p in sorted(ROOT.glob("Pulumi.*.yaml")))
    one_stack, forty, single = figures["one stack (dev)"], figures["40 services"], figures["1 service"]
    rows = [
        ("Import the program's modules (floor)", f"{figures['floor']:.2f} s ({len(modules)} modules)", ""),
        (
            "Review of one stack (dev)",
            f"{one_stack:.2f} s = {one_stack / figures['floor']:.2f}x floor",
            "<= 2x floor",
        ),
        (f"Review of all stacks ({stacks})", f"{figures['all stacks']:.2f} s", "< 10 s"),
        (f"Review of a 1-service stack ({resources['one']} resources)", f"{single:.2f} s", ""),
        (
            f"Review of a 40-service stack ({resources['scale']} resources)",
            f"{forty:.2f} s = {forty / single:.2f}x 1 service",
            "< 3x",
        ),
    ]
    print(f"{platform.machine()}, Python {platform.python_version()}, median of {REPEATS} runs")
    print("| Figure | Result | Target |\n| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
