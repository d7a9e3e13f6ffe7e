"""The review's files: `<stack>.json` for machines; `<stack>.md` and `.html`, the page the board approves.

The page leads with the verdict, then says what it was made from (commit, file hashes, pack, time), then
answers the board's questions in its order (base images, exposed ports and egress, IAM roles), each a
table with the policy pack's verdict per row and the pack's findings beneath; then every policy result,
the checks that could not run, the waivers used and the promotion record. Each section is one function in
SECTIONS, so a new section (or a column in one) is a small, local addition.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from container_platform.promotion.record import COMMENT_FOOTER, COMMENT_HEADER, PromotionRecord, read_log
from container_platform.review.analyzer_client import Diagnostic
from container_platform.review.facts import BoardFacts, RoleFact, short_type
from container_platform.review.lineage_facts import chain_lineage, lineage_markdown
from container_platform.review.offline_runtime import SECRET_SIGNATURE, SECRET_SIGNATURE_KEY
from container_platform.review.provenance import Provenance
from container_platform.review.run import BLOCKED, INCOMPLETE, PASSED, PASSED_WITH_WAIVERS, StackReview
from container_platform.review.stack_settings import program_made, setting_fix
from container_platform.review.urns import resource_type as urn_type
from container_platform.review.urns import urn_name
from container_platform.review.verdicts import ROW_VERDICTS, RowJudge
from container_platform.stack_config import stack_file

SCHEMA_VERSION = 2
REDACTED = "[secret]"
NOT_REVIEWED = "NOT REVIEWED"  # the banner of a page whose review failed
# Said of a violation no stack setting can produce (docs/review.md, "Which setting to change").
PROGRAM_MADE = (
    "No stack setting produces this: the program's own code does (or this stack's policy config is "
    "stricter than the pack's defaults); report it to the platform team."
)
STACK_VERDICTS = {
    PASSED: "no mandatory policy violation, no check deferred, no waiver used",
    PASSED_WITH_WAIVERS: "no mandatory policy violation left; accepted exceptions (waivers) are in use",
    BLOCKED: "a mandatory policy violation remains; the stack cannot be deployed",
    INCOMPLETE: "no violation found, but a mandatory check could not run (values unknown until deployed)",
}


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


def review_document(
    review: StackReview, facts: BoardFacts, project_dir: Path, made_from: Provenance
) -> dict[str, Any]:
    """The `<stack>.json` document; its shape is described in docs/review.md."""
    recording = review.recording
    records, _ = promotion_history(project_dir, review.stack)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": recording.project,
        "stack": review.stack,
        "mode": review.mode,
        "verdict": review.verdict,
        "passed": review.passed,
        "provenance": asdict(made_from),
        "policyPack": {
            "name": review.pack_name,
            "version": review.pack_version,
            "configFile": made_from.policy_config,
        },
        "summary": {
            "resources": len(recording.resources),
            "violations": len(review.violations),
            "mandatory": len(review.mandatory_violations),
            "advisory": sum(d.enforcement_level == "advisory" for d in review.violations),
            "waiversUsed": len(review.waivers_used),
            "notApplicable": len(review.not_applicable),
            "deferred": len(review.deferred),
            "mandatoryDeferred": len(review.mandatory_deferred),
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
                "setting": asdict(fix) if (fix := setting_fix(d, recording, review.policy_config)) else None,
            }
            for d in review.violations
        ],
        "waiversUsed": [{"urn": d.urn, "message": finding(d)} for d in review.waivers_used],
        "notApplicable": [
            {
                "policy": n.policy_name,
                "urn": n.urn,
                "reason": n.reason,
                "enforcementLevel": review.levels.get(n.policy_name),
            }
            for n in review.not_applicable
        ],
        "board": asdict(facts),
        "lineage": [
            asdict(chain)
            for chain in chain_lineage(recording, project_dir, review.stack, review.policy_config_file)
        ],
        "promotions": [record.to_json() for record in records],
        "timings": {step: round(seconds, 4) for step, seconds in review.timings.items()},
    }


def failure_document(stack: str, message: str, made_from: Provenance | None) -> dict[str, Any]:
    """The `<stack>.json` of a review that failed: replaces the last good one, so nothing stale passes."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "stack": stack,
        "verdict": NOT_REVIEWED,
        "passed": False,
        "error": message,
        "provenance": asdict(made_from) if made_from else None,
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(document, indent=2, sort_keys=True, default=str) + "\n")


def write_atomically(path: Path, text: str) -> None:
    """Readers (and a reviewer's browser) see the old page or the new one, never half of one."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    partial.replace(path)


# --- the page -----------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ") or " "


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def _verdict(word: str) -> str:
    """A verdict as the page writes it; the HTML colours exactly these bold words."""
    return f"**{word}**"


def finding(diagnostic: Diagnostic) -> str:
    """The violation's own words: the pack repeats the policy description as the message's first line."""
    message = diagnostic.message
    if diagnostic.description and message.startswith(diagnostic.description):
        message = message[len(diagnostic.description) :]
    return " ".join(message.split())


def in_authors_words(diagnostic: Diagnostic, review: StackReview) -> str:
    """The finding, then the stack setting to change when the program made the resource from one."""
    fix = setting_fix(diagnostic, review.recording, review.policy_config)
    if fix is not None:
        return f"{finding(diagnostic)} {fix.sentence(review.stack)}"
    if program_made(diagnostic, review.recording):
        return f"{finding(diagnostic)} {PROGRAM_MADE}"
    return finding(diagnostic)


def resource_label(urn: str) -> str:
    """`Type name` for a URN, `(stack)` for stack-level findings, as `pulumi preview` names resources."""
    if not urn:
        return "(stack)"
    return f"{short_type(urn_type(urn))} {urn_name(urn)}"


@dataclass(frozen=True)
class Page:
    """What every section reads."""

    review: StackReview
    facts: BoardFacts
    project_dir: Path
    made_from: Provenance
    judge: RowJudge


def _findings_beneath(page: Page, question: str, urns: list[str]) -> list[str]:
    """The pack's own words for a question's rows: violations, waivers, deferred checks."""
    judge = page.judge
    lines = [
        f"- {_verdict(d.enforcement_level.upper())} `{d.policy_name}` on {resource_label(d.urn)}: "
        f"{in_authors_words(d, page.review)}"
        for d in judge.violations(question, urns)
    ]
    lines += [
        f"- {_verdict('WAIVED')} {resource_label(w.urn)}: {finding(w)}" for w in judge.waivers(question, urns)
    ]
    lines += [
        f"- {_verdict('DEFERRED')} `{n.policy_name}` ({page.review.levels.get(n.policy_name, '?')}) on "
        f"{resource_label(n.urn)}: {n.reason}"
        for n in judge.deferred(question, urns)
    ]
    if not lines:
        return ["The policy pack found nothing on these rows.", ""]
    return ["Policy pack findings:", "", *lines, ""]


def _header(page: Page) -> list[str]:
    review, made = page.review, page.made_from
    dirty = {True: "yes", False: "no", None: "unknown (not a git checkout)"}[made.dirty]
    return _table(
        ["this review", "value"],
        [
            ["stack", f"`{review.stack}` of `{review.recording.project}`"],
            ["mode", review.mode + (" (values AWS computes are unknown)" if review.preview else "")],
            ["commit", f"`{made.commit}`"],
            ["uncommitted changes", dirty],
            ["stack file", f"`{made.stack_file}` sha256 `{made.stack_file_sha256}`"],
            ["policy config", f"`{made.policy_config}` sha256 `{made.policy_config_sha256}`"],
            ["policy pack", f"`{review.pack_name}` {review.pack_version}"],
            ["resources", str(len(review.recording.resources))],
            ["reviewed at", made.reviewed_at],
        ],
    )


def _images(page: Page) -> list[str]:
    chains = page.facts.image_chains
    if not chains:
        return ["No container images in this stack.", ""]
    lines = _table(
        ["verdict", "container", "image", "recorded upstream base"],
        [
            [
                _verdict(page.judge.verdict("1", chain.urns)),
                chain.workload,
                f"`{chain.image}`",
                f"`{chain.upstream}`",
            ]
            for chain in chains
        ],
    )
    lines += _findings_beneath(page, "1", [urn for chain in chains for urn in chain.urns])
    review = page.review
    lines += ["The chain behind each container, as recorded (never inferred from today's Dockerfile):", ""]
    lines += lineage_markdown(
        chain_lineage(review.recording, page.project_dir, review.stack, review.policy_config_file)
    )
    return lines


def _ports(page: Page) -> list[str]:
    ports = page.facts.ports
    lines = _table(
        ["verdict", "kind", "resource", "ports", "protocol", "reachable from / connects to", "note"],
        [
            [
                _verdict(page.judge.verdict("2", p.urns)),
                p.kind,
                p.resource,
                p.ports,
                p.protocol,
                p.source,
                p.note,
            ]
            for p in ports
        ],
    )
    return lines + _findings_beneath(page, "2", [urn for p in ports for urn in p.urns])


def _policies_of(role: RoleFact) -> str:
    return f"{len(role.policies)} polic{'y' if len(role.policies) == 1 else 'ies'}"


def _roles(page: Page) -> list[str]:
    roles = page.facts.roles
    if not roles:
        return ["No IAM roles in this stack.", ""]
    lines = _table(
        ["verdict", "role", "trusted principals", "used by", "permissions"],
        [
            [
                _verdict(page.judge.verdict("3", role.urns)),
                f"`{role.name}`",
                ", ".join(f"`{t}`" for t in role.trusted) or "none",
                ", ".join(role.used_by) or "nothing in this stack",
                _policies_of(role),
            ]
            for role in roles
        ],
    )
    lines += _findings_beneath(page, "3", [urn for role in roles for urn in role.urns])
    for role in roles:
        lines += [f"### Role `{role.name}`: {_verdict(page.judge.verdict('3', role.urns))}", ""]
        for policy in role.policies:
            lines += [f"**{policy.kind} `{policy.name}`**", ""]
            if policy.reach:
                lines += ["What each statement reaches, as the policy pack reads it:", ""]
                lines += [f"- {line}" for line in policy.reach]
                lines.append("")
            if isinstance(policy.document, dict | list):
                lines += ["```json", json.dumps(policy.document, indent=2), "```", ""]
            else:
                lines += [f"Document: `{policy.document}`", ""]
        lines += ["Trust policy:", "", "```json", json.dumps(role.trust_document, indent=2), "```", ""]
    return lines


def _policy_results(page: Page) -> list[str]:
    by_policy: dict[str, list[Diagnostic]] = defaultdict(list)
    for diagnostic in page.review.violations:
        by_policy[diagnostic.policy_name].append(diagnostic)
    if not by_policy:
        return ["Every policy passed.", ""]
    lines: list[str] = []
    for policy, diagnostics in sorted(by_policy.items(), key=lambda i: (i[1][0].enforcement_level, i[0])):
        first = diagnostics[0]
        lines += [
            f"### `{policy}`: {_verdict(first.enforcement_level.upper())} "
            f"({first.severity or 'no severity'})",
            "",
            first.description,
            "",
        ]
        lines += [f"- {resource_label(d.urn)}: {in_authors_words(d, page.review)}" for d in diagnostics]
        lines.append("")
    return lines


def _deferred(page: Page) -> list[str]:
    review = page.review
    if not review.deferred:
        return [
            "Every check ran."
            + (" (Preview mode found no unknown value a policy reads.)" if review.preview else ""),
            "",
        ]
    lines = [
        "These checks could not run because a value they read is unknown until deployed; they run at "
        "`pulumi up`. "
        + (
            f"{len(review.mandatory_deferred)} of them are mandatory, so the verdict is "
            f"{_verdict(INCOMPLETE)}."
            if review.mandatory_deferred
            else "None of them is mandatory."
        ),
        "",
    ]
    lines += _table(
        ["level", "policy", "resource", "why"],
        [
            [
                _verdict(review.levels.get(n.policy_name, "?").upper()),
                f"`{n.policy_name}`",
                resource_label(n.urn),
                n.reason,
            ]
            for n in sorted(review.deferred, key=lambda n: (n.urn, n.policy_name))
        ],
    )
    return lines


def _waivers(page: Page) -> list[str]:
    waivers = page.review.waivers_used
    lines = [f"- {_verdict('WAIVED')} {resource_label(d.urn)}: {finding(d)}" for d in waivers]
    return [*(lines or ["No waiver was used."]), ""]


def _promotion(page: Page) -> list[str]:
    project_dir, stack = page.project_dir, page.review.stack
    records, block = promotion_history(project_dir, stack)
    lines: list[str] = []
    if block:
        lines += [f"From the top of `{stack_file(project_dir, stack).name}`:", "", "```", block, "```", ""]
    for record in records:
        data = record.to_json()
        lines.append(
            f"- {data['promotedAt']} by {data['promotedBy']}, from `{data['fromStack']}` "
            f"({record.ecr_checks}): "
            + ", ".join(f"`{image}` -> `{pair['new']}`" for image, pair in data["images"].items())
        )
    if not records and not block:
        lines.append("No promotion into this stack is recorded.")
    return [*lines, ""]


def _legend(page: Page) -> list[str]:
    return _table(
        ["verdict", "meaning"], [[_verdict(word), meaning] for word, meaning in ROW_VERDICTS.items()]
    )


# The page's sections in order: (title, writer). The number is the position; the anchor is derived.
SECTIONS: tuple[tuple[str, Callable[[Page], list[str]]], ...] = (
    ("Base images: what every container runs, down to the upstream", _images),
    ("Exposed ports, who can reach them, and where tasks connect", _ports),
    ("IAM roles: who may assume them, what they may do", _roles),
    ("Policy results", _policy_results),
    ("Checks that could not run", _deferred),
    ("Waivers used", _waivers),
    ("Promotion record", _promotion),
    ("What the verdicts mean", _legend),
)


def anchor(title: str) -> str:
    """The id the HTML gives a heading: lower case, letters, digits and hyphens (as GitHub does)."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return "-".join(kept.split())


def banner(review: StackReview) -> str:
    mandatory = len(review.mandatory_violations)
    detail = {
        BLOCKED: f"{mandatory} mandatory policy violation{'s' * (mandatory != 1)}.",
        INCOMPLETE: f"{len(review.mandatory_deferred)} mandatory check(s) could not run in preview; "
        "see 'Checks that could not run'.",
        PASSED_WITH_WAIVERS: f"no mandatory policy violation; {len(review.waivers_used)} waiver(s) in use.",
        PASSED: "no mandatory policy violation.",
    }[review.verdict]
    return f"{_verdict(review.verdict)}: {detail}"


def render_markdown(review: StackReview, facts: BoardFacts, project_dir: Path, made_from: Provenance) -> str:
    page = Page(review, facts, project_dir, made_from, RowJudge(review))
    titles = [f"{number}. {title}" for number, (title, _) in enumerate(SECTIONS, 1)]
    lines = [
        f"# Architecture review: stack `{review.stack}` of `{review.recording.project}`",
        "",
        banner(review),
        "",
        *_header(page),
        "## Contents",
        "",
        *(f"- [{title}](#{anchor(title)})" for title in titles),
        "",
    ]
    for title, (_, write) in zip(titles, SECTIONS, strict=True):
        lines += [f"## {title}", "", *write(page)]
    return "\n".join(lines)


def render_failure_markdown(stack: str, message: str, made_from: Provenance | None) -> str:
    """The page of a review that could not run: it replaces the last page, which may have said PASSED."""
    lines = [
        f"# Architecture review: stack `{stack}`",
        "",
        f"{_verdict(NOT_REVIEWED)}: the review failed, so nothing on this page is approved. Any earlier "
        "page for this stack is replaced by this one.",
        "",
        "Error:",
        "",
        "```",
        message,
        "```",
        "",
    ]
    if made_from is not None:
        lines += _table(
            ["", ""],
            [
                ["commit", f"`{made_from.commit}`"],
                ["stack file", f"`{made_from.stack_file}` sha256 `{made_from.stack_file_sha256}`"],
                ["policy config", f"`{made_from.policy_config}` sha256 `{made_from.policy_config_sha256}`"],
                ["attempted at", made_from.reviewed_at],
            ],
        )
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------------------------

VERDICT_CLASSES = {
    PASSED: "passed",
    PASSED_WITH_WAIVERS: "waived",
    "WAIVED": "waived",
    BLOCKED: "blocked",
    "MANDATORY": "blocked",
    NOT_REVIEWED: "blocked",
    INCOMPLETE: "incomplete",
    "ADVISORY": "advisory",
    "DEFERRED": "deferred",
    "REMEDIATE": "advisory",
    "NOT JUDGED": "unjudged",
}
HTML_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:1280px;margin:2em auto;padding:0 1em;color:#1f2328}
table{border-collapse:collapse;margin:1em 0;width:100%}
th,td{border:1px solid #c9ced4;padding:.3em .6em;vertical-align:top;text-align:left;
  word-break:normal;overflow-wrap:normal;hyphens:none}
th{background:#f3f4f6}
code{font-size:88%;overflow-wrap:anywhere}
td:first-child{white-space:nowrap}
pre{background:#f6f8fa;padding:1em;overflow:auto}
pre code{overflow-wrap:normal}
.v{display:inline-block;white-space:nowrap;padding:0 .45em;border-radius:4px;font-weight:700;color:#fff}
.v-passed{background:#1a7f37}.v-blocked{background:#cf222e}.v-incomplete{background:#9a6700}
.v-waived{background:#0969da}.v-advisory{background:#bf8700}.v-deferred{background:#6e7781}
.v-unjudged{background:#8c959f}
p.banner{font-size:1.3em;padding:.6em 1em;border-radius:6px;border-left:.5em solid}
p.banner .v{font-size:1.1em}
p.banner-passed{background:#dafbe1;border-color:#1a7f37}p.banner-blocked{background:#ffebe9;border-color:#cf222e}
p.banner-incomplete{background:#fff8c5;border-color:#9a6700}p.banner-waived{background:#ddf4ff;border-color:#0969da}
@media print{
  body{max-width:none;margin:0;font-size:10pt}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  a{color:inherit;text-decoration:none}
  tr,pre,p.banner{break-inside:avoid}
  h2,h3{break-after:avoid}
  pre{white-space:pre-wrap}
}
"""


def _mark_verdicts(tokens: list[Any]) -> None:
    """Give each verdict word its colour class, the page's first paragraph (the banner) its own, and each
    heading the anchor the contents link to."""
    first_paragraph = next((i for i, t in enumerate(tokens) if t.type == "paragraph_open"), None)
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            token.attrSet("id", anchor(tokens[index + 1].content))
        if token.type != "inline" or not token.children:
            continue
        children = token.children
        for position, child in enumerate(children[:-1]):
            after = children[position + 1]
            if child.type == "strong_open" and after.type == "text" and after.content in VERDICT_CLASSES:
                kind = VERDICT_CLASSES[after.content]
                child.attrSet("class", f"v v-{kind}")
                leads = not "".join(c.content for c in children[:position])
                if leads and first_paragraph is not None and index == first_paragraph + 1:
                    tokens[first_paragraph].attrSet("class", f"banner banner-{kind}")


# In an image reference or a path, a line may break after these; a digest's hex may break anywhere.
BREAK_AFTER = re.compile(r"([/@:.,=-])")


def _code_inline(renderer: Any, tokens: list[Any], index: int, options: Any, env: Any) -> str:
    """Inline code with a break opportunity after each separator, so `images/java-runtime/Dockerfile`
    wraps at a slash rather than inside `Dockerfile` (the text is escaped before `<wbr>` goes in)."""
    return "<code>" + BREAK_AFTER.sub(r"\1<wbr>", escape(tokens[index].content)) + "</code>"


def render_html(markdown: str, title: str) -> str:
    """The Markdown page as one self-contained HTML file; raw HTML in names and messages stays escaped."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.add_render_rule("code_inline", _code_inline)
    tokens = parser.parse(markdown)
    _mark_verdicts(tokens)
    body = parser.renderer.render(tokens, parser.options, {})
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{HTML_STYLE}</style></head>\n<body>\n{body}</body></html>\n"
    )
