"""The review's two files: `<stack>.json` for machines and `<stack>.md`, the page the review board approves.

The Markdown answers the board's questions in its order (base images, exposed ports, IAM roles), then
lists the policy results, the waivers used and where prod's digests came from (promotion record). Both
files are deterministic for a given program and config: timings live only in the JSON.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from html import escape
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from container_platform.promotion.record import COMMENT_FOOTER, COMMENT_HEADER, PromotionRecord, read_log
from container_platform.review.analyzer_client import Diagnostic
from container_platform.review.facts import BoardFacts, short_type
from container_platform.review.lineage_facts import chain_lineage, lineage_markdown
from container_platform.review.offline_runtime import SECRET_SIGNATURE, SECRET_SIGNATURE_KEY
from container_platform.review.run import StackReview
from container_platform.review.urns import resource_type as urn_type
from container_platform.review.urns import urn_name
from container_platform.stack_config import stack_file

SCHEMA_VERSION = 1
REDACTED = "[secret]"


def redact(value: Any) -> Any:
    """Secrets stay out of build/: a wrapped secret becomes REDACTED, everything else is kept."""
    if isinstance(value, dict):
        if value.get(SECRET_SIGNATURE_KEY) == SECRET_SIGNATURE:
            return REDACTED
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def promotion_history(project_dir: Path, stack: str) -> tuple[list[PromotionRecord], str]:
    """The promotions log for `stack` and the record block at the top of its stack file, if any."""
    records = read_log(project_dir, stack)
    text = stack_file(project_dir, stack).read_text() if stack_file(project_dir, stack).is_file() else ""
    block = ""
    if text.startswith(COMMENT_HEADER) and COMMENT_FOOTER in text:
        block = text[: text.index(COMMENT_FOOTER) + len(COMMENT_FOOTER)]
    return records, block


def review_document(review: StackReview, facts: BoardFacts, project_dir: Path) -> dict[str, Any]:
    """The `<stack>.json` document; its shape is described in docs/review.md."""
    recording = review.recording
    records, _ = promotion_history(project_dir, review.stack)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": recording.project,
        "stack": review.stack,
        "mode": review.mode,
        "passed": review.passed,
        "policyPack": {
            "name": review.pack_name,
            "version": review.pack_version,
            "configFile": str(review.policy_config_file.relative_to(project_dir))
            if review.policy_config_file
            else None,
        },
        "summary": {
            "resources": len(recording.resources),
            "violations": len(review.violations),
            "mandatory": len(review.mandatory_violations),
            "advisory": sum(d.enforcement_level == "advisory" for d in review.violations),
            "waiversUsed": len(review.waivers_used),
            "notApplicable": len(review.not_applicable),
        },
        "resources": [
            {
                "urn": r.urn,
                "type": r.type,
                "name": r.name,
                "parent": r.parent,
                "custom": r.custom,
                "external": r.external,
                "provider": r.provider,
                "inputs": redact(r.inputs),
                "dependencies": list(r.dependencies),
                "propertyDependencies": {k: list(v) for k, v in r.property_dependencies.items()},
            }
            for r in recording.resources
        ],
        "outputs": redact(recording.outputs),
        "diagnostics": [
            {
                "policy": d.policy_name,
                "policyPack": d.policy_pack,
                "enforcementLevel": d.enforcement_level,
                "severity": d.severity,
                "urn": d.urn,
                "message": d.message,
                "description": d.description,
            }
            for d in review.violations
        ],
        "waiversUsed": [{"urn": d.urn, "message": finding(d)} for d in review.waivers_used],
        "notApplicable": [
            {"policy": n.policy_name, "urn": n.urn, "reason": n.reason} for n in review.not_applicable
        ],
        "board": asdict(facts),
        "lineage": [
            asdict(chain)
            for chain in chain_lineage(recording, project_dir, review.stack, review.policy_config_file)
        ],
        "promotions": [record.to_json() for record in records],
        "timings": {step: round(seconds, 4) for step, seconds in review.timings.items()},
    }


HTML_STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .6em;"
    "vertical-align:top;text-align:left}th{background:#f3f3f3}code{font-size:90%;word-break:break-all}"
    "pre{background:#f6f8fa;padding:1em;overflow:auto}"
)


def render_html(markdown: str, title: str) -> str:
    """The Markdown page as one self-contained HTML file; raw HTML in names and messages stays escaped."""
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{HTML_STYLE}</style></head>\n<body>\n{body}</body></html>\n"
    )


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ") or " "


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def finding(diagnostic: Diagnostic) -> str:
    """The violation's own words: the pack repeats the policy description as the message's first line."""
    message = diagnostic.message
    if diagnostic.description and message.startswith(diagnostic.description):
        message = message[len(diagnostic.description) :]
    return " ".join(message.split())


def resource_label(urn: str) -> str:
    """`Type name` for a URN, `(stack)` for stack-level findings, as `pulumi preview` names resources."""
    if not urn:
        return "(stack)"
    return f"{short_type(urn_type(urn))} {urn_name(urn)}"


def render_markdown(review: StackReview, facts: BoardFacts, project_dir: Path) -> str:
    recording = review.recording
    mandatory = len(review.mandatory_violations)
    verdict = (
        "**PASSED**: no mandatory policy violation."
        if review.passed
        else f"**BLOCKED**: {mandatory} mandatory policy violation{'s' * (mandatory != 1)}."
    )
    config = (
        review.policy_config_file.relative_to(project_dir) if review.policy_config_file else "pack defaults"
    )
    lines = [
        f"# Architecture review: stack `{review.stack}` of `{recording.project}`",
        "",
        verdict,
        "",
        f"Evaluated offline in **{review.mode}** mode ({len(recording.resources)} resources); policy pack "
        f"`{review.pack_name}` {review.pack_version} with `{config}`."
        + (" Values computed by AWS at deploy time show as unknown." if review.mode == "preview" else ""),
        "",
        "## 1. Base images: what every container runs, down to the upstream",
        "",
    ]
    lines += lineage_markdown(chain_lineage(recording, project_dir, review.stack, review.policy_config_file))

    lines += ["## 2. Exposed ports and who can reach them", ""]
    lines += _table(
        ["kind", "resource", "ports", "protocol", "reachable from", "note"],
        [[p.kind, p.resource, p.ports, p.protocol, p.source, p.note] for p in facts.ports],
    )

    lines += ["## 3. IAM roles: who may assume them, what they may do", ""]
    for role in facts.roles:
        urns = {role.urn, *(p.urn for p in role.policies)}
        pack_findings = [d for d in review.violations if d.urn in urns]
        lines += [
            f"### Role `{role.name}`: {role.verdict}",
            "",
            f"- Trusted principals: {', '.join(f'`{t}`' for t in role.trusted) or 'none'}",
            f"- Used by: {', '.join(role.used_by) or 'nothing in this stack'}",
            f"- Policy pack: {len(pack_findings)} violation(s)"
            + "".join(f"; `{d.policy_name}` ({d.enforcement_level}): {finding(d)}" for d in pack_findings),
            f"- Permissions: {len(role.policies)} polic{'y' if len(role.policies) == 1 else 'ies'}",
            "",
        ]
        for policy in role.policies:
            found = "; ".join(f"{risk}: {', '.join(items)}" for risk, items in policy.findings.items())
            lines += [f"**{policy.kind} `{policy.name}`**: cloudsplaining: {found or 'no findings'}", ""]
            if isinstance(policy.document, dict | list):
                lines += ["```json", json.dumps(policy.document, indent=2), "```", ""]
            else:
                lines += [f"Document: `{policy.document}`", ""]
        lines += ["Trust policy:", "", "```json", json.dumps(role.trust_document, indent=2), "```", ""]
    if not facts.roles:
        lines += ["No IAM roles in this stack.", ""]

    lines += ["## 4. Policy results", ""]
    by_policy: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in review.violations:
        by_policy[diagnostic.policy_name].append(diagnostic)
    if not by_policy:
        lines += ["Every policy passed.", ""]
    for policy, diagnostics in sorted(by_policy.items()):
        first = diagnostics[0]
        lines += [
            f"### `{policy}` ({first.enforcement_level}, {first.severity or 'no severity'})",
            "",
            first.description,
            "",
        ]
        lines += [f"- {resource_label(d.urn)}: {finding(d)}" for d in diagnostics]
        lines.append("")
    unchecked: dict[str, int] = defaultdict(int)
    for skipped in review.not_applicable:
        unchecked[skipped.policy_name] += 1
    if unchecked:
        lines += ["Checks a policy could not make (values unknown or not applicable):", ""]
        lines += [f"- `{policy}`: {count} resource(s)" for policy, count in sorted(unchecked.items())]
        lines.append("")

    lines += ["## 5. Waivers used", ""]
    lines += [f"- {resource_label(d.urn)}: {finding(d)}" for d in review.waivers_used] or [
        "No waiver was used."
    ]
    lines.append("")

    records, block = promotion_history(project_dir, review.stack)
    lines += ["## 6. Promotion record", ""]
    if block:
        lines += [
            f"From the top of `{stack_file(project_dir, review.stack).name}`:",
            "",
            "```",
            block,
            "```",
            "",
        ]
    for record in records:
        data = record.to_json()
        lines.append(
            f"- {data['promotedAt']} by {data['promotedBy']}, from `{data['fromStack']}` "
            f"({record.ecr_checks}): "
            + ", ".join(f"`{image}` -> `{pair['new']}`" for image, pair in data["images"].items())
        )
    if not records and not block:
        lines.append("No promotion into this stack is recorded.")
    lines.append("")
    return "\n".join(lines)
