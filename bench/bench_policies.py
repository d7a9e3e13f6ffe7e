"""Policy pack cost, measured the way the engine pays it: Analyze calls over gRPC to the real pack process.

Figures: the average cost per resource over the prod stack scaled to 40 services (the users' target of
five environments x eight applications), the AnalyzeStack call for that stack, a `*`-on-`*` IAM
document and a 1,000-statement one (each distinct, so no cache helps). Targets: the pack within 1.5x of
the SDK's own cost with every policy disabled, each document < 20 ms.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from container_platform.review.analyzer_client import AnalyzedResource, PolicyPackProcess  # noqa: E402
from container_platform.review.offline_runtime import evaluate_stack  # noqa: E402
from container_platform.review.run import analyzed  # noqa: E402

SERVICES = 40
REPEATS = 3
ROUNDS = 5  # disabled and enabled runs, alternated: a busy machine slows both alike
STAR_DOCUMENTS = 50
LARGE_DOCUMENTS = 20
LARGE_STATEMENTS = 1000


def forty_service_config() -> dict:
    config = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]
    template = config["container-platform:services"][0]
    config["container-platform:services"] = [template] + [
        {**template, "name": f"app-{i:02d}", "route": {"path": f"/app-{i:02d}/*"}} for i in range(1, SERVICES)
    ]
    pinned = config["container-platform:images"]["pinned"]
    for i in range(1, SERVICES):
        pinned[f"app-{i:02d}"] = pinned["hello-world"].replace("/hello-world@", f"/app-{i:02d}@")
    return config


def main() -> None:
    recording = evaluate_stack("prod", config=forty_service_config())
    registered = recording.by_urn()
    resources = [analyzed(r, registered, final_state=False) for r in recording.resources if not r.external]
    final = [analyzed(r, registered, final_state=True) for r in recording.resources]
    with PolicyPackProcess(
        ROOT / "policies",
        project=recording.project,
        stack="prod",
        dry_run=False,
        config_file=ROOT / "policies" / "config" / "prod.json",
    ) as pack:
        prod_config = json.loads((ROOT / "policies" / "config" / "prod.json").read_text())
        pairs = []  # (disabled, enabled) per round, interleaved so both see the same machine
        for _ in range(ROUNDS):
            pack.configure({"all": "disabled"}, source="every policy disabled")
            disabled = timed(pack, lambda: [pack.analyze(r) for r in resources])
            pack.configure(prod_config, source="prod.json")
            pairs.append((disabled, timed(pack, lambda: [pack.analyze(r) for r in resources])))
        transport, transport_cpu = (statistics.median(p[0][i] for p in pairs) for i in (0, 1))
        full, full_cpu = (statistics.median(p[1][i] for p in pairs) for i in (0, 1))
        ratio = statistics.median(p[1][1] / p[0][1] for p in pairs)
        ratios = ", ".join(f"{p[1][1] / p[0][1]:.2f}x" for p in pairs)
        stack = median_seconds(lambda: pack.analyze_stack(final))
        star_times = [star_document_seconds(pack, i) for i in range(STAR_DOCUMENTS)]
        assert pack.pid is not None
        before = cpu_seconds(pack.pid)
        large_times = [large_document_seconds(pack, i) for i in range(LARGE_DOCUMENTS)]
        large_cpu = (cpu_seconds(pack.pid) - before) / LARGE_DOCUMENTS
    count = len(resources)
    per = 1000 / count
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(
        f"stack: prod with {SERVICES} services, {count} resources analyzed, {ROUNDS} rounds of {REPEATS} runs"
    )
    print(f"Analyze round trip per resource: {full * per:.2f} ms (all {count}: {full * 1000:.0f} ms)")
    print(f"  of which gRPC transport and Python client (all policies disabled): {transport * per:.2f} ms")
    print(f"  of which the policies: {(full - transport) * per:.2f} ms")
    print(f"Pack process CPU per resource (target < 2 ms): {full_cpu * per:.2f} ms")
    print(f"  of which gRPC server and SDK with all policies disabled: {transport_cpu * per:.2f} ms")
    print(f"  of which the policies: {(full_cpu - transport_cpu) * per:.2f} ms")
    print(f"AnalyzeStack, {len(final)} resources: {stack * 1000:.1f} ms")
    star = f"{statistics.median(star_times) * 1000:.2f} ms median, {max(star_times) * 1000:.2f} ms max"
    star_line = f"'*'-on-'*' IAM document, Analyze round trip (target < 20 ms): {star}"
    print(f"{star_line}, {STAR_DOCUMENTS} distinct documents")
    large = f"{statistics.median(large_times) * 1000:.2f} ms median, {max(large_times) * 1000:.2f} ms max"
    print(f"{LARGE_STATEMENTS}-statement IAM document, Analyze round trip (target < 20 ms): {large}")
    print(f"  {LARGE_DOCUMENTS} distinct documents, every IAM rule enabled")
    print(f"  pack process CPU per document: {large_cpu * 1000:.1f} ms")
    print(f"Pack CPU over the SDK's own (target <= 1.5x): {ratio:.2f}x, median of {ROUNDS} rounds ({ratios})")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc: unaffected by what else the machine runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(pack: PolicyPackProcess, run: Callable[[], object]) -> tuple[float, float]:
    """Median wall seconds of `run`, and the pack process's CPU seconds per run."""
    assert pack.pid is not None
    before = cpu_seconds(pack.pid)
    wall = median_seconds(run)
    return wall, (cpu_seconds(pack.pid) - before) / (REPEATS + 1)


def median_seconds(run: Callable[[], object]) -> float:
    run()  # warm up: imports inside the pack, the gRPC channel
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def star_document_seconds(pack: PolicyPackProcess, index: int) -> float:
    """One distinct `*`-on-`*` document (a new Sid each time, so no cache in the pack helps)."""
    document = {"Statement": [{"Sid": f"All{index}", "Effect": "Allow", "Action": "*", "Resource": "*"}]}
    star = AnalyzedResource(
        f"urn:pulumi:prod::container-platform::aws:iam/rolePolicy:RolePolicy::admin-{index}",
        "aws:iam/rolePolicy:RolePolicy",
        f"admin-{index}",
        {"role": "admin", "policy": json.dumps(document)},
    )
    started = time.perf_counter()
    diagnostics = pack.analyze(star)
    elapsed = time.perf_counter() - started
    assert diagnostics, "a '*'-on-'*' document must be flagged"
    return elapsed


def large_document_seconds(pack: PolicyPackProcess, index: int) -> float:
    """A distinct 1,000-statement document of the kinds the rules judge: named ARNs, prefixes, globs,
    Denies and conditions, one statement an escalation, so every rule reads all of it."""
    account = "123456789012"
    kinds = [
        ("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{account}:queue-{index}-{{n}}"),
        ("s3:GetObject", f"arn:aws:s3:::bucket-{index}-{{n}}/reports/*"),
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:eu-west-1:{account}:secret:app/{{n}}-*"),
        ("logs:Put*", f"arn:aws:logs:eu-west-1:{account}:log-group:/ecs/app-{{n}}:log-stream:*"),
        ("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{account}:table/t-{{n}}"),
    ]
    statements = []
    for n in range(LARGE_STATEMENTS - 1):
        action, arn = kinds[n % len(kinds)]
        statement = {"Sid": f"S{index}x{n}", "Effect": "Allow", "Action": action, "Resource": arn.format(n=n)}
        if n % 7 == 0:
            statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
        if n % 50 == 0:
            statement["Effect"] = "Deny"
        statements.append(statement)
    statements.append(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{account}:role/*"}
    )
    large = AnalyzedResource(
        f"urn:pulumi:prod::container-platform::aws:iam/rolePolicy:RolePolicy::large-{index}",
        "aws:iam/rolePolicy:RolePolicy",
        f"large-{index}",
        {"role": "app", "policy": json.dumps({"Version": "2012-10-17", "Statement": statements})},
    )
    started = time.perf_counter()
    diagnostics = pack.analyze(large)
    elapsed = time.perf_counter() - started
    assert any("iam:PassRole" in d.message for d in diagnostics), "the escalation must be flagged"
    return elapsed


if __name__ == "__main__":
    main()
