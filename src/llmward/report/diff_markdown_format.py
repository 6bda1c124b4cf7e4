"""`llmward diff --format markdown`: written to be read in a pull-request comment.

A one-line verdict, a table of the changes that carry risk, then details in collapsible sections.
"""

from __future__ import annotations

from llmward.compare import Comparison
from llmward.report.diff_text_format import describe, short

ICON = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW", "none": "NONE"}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(comp: Comparison) -> str:
    risk = comp.risk
    changed = [d for d in comp.diffs if d.status != "unchanged"]
    out = [
        f"### llmward: **{ICON[risk.tier]}** risk, score {risk.score}/100",
        "",
        f"{len(changed)} artifact(s) changed, {len(comp.changes)} change(s), "
        f"{len(comp.introduced)} finding(s) introduced; rules read from base "
        f"`{short(comp.base)}`, head `{short(comp.head)}`.",
        "",
    ]
    if risk.contributions:
        out += ["| Severity | Code | What | Where | Points |", "| --- | --- | --- | --- | ---: |"]
        for c in risk.contributions:
            i = c.item
            out.append(
                f"| {i.severity} | {i.code} | {_cell(i.message)} | "
                f"`{_cell(i.path)}:{i.line}` | +{c.points:g} |"
            )
        out += [
            "",
            "<details><summary>How the score was computed</summary>",
            "",
            *[f"- {_cell(line)}" for line in risk.explanation],
            "",
            f"Score = min(100, sum) = {risk.score}; see docs/risk.md.",
            "",
            "</details>",
            "",
        ]
    out += _changes(comp) + _texts(comp) + _findings(comp)
    return "\n".join(out) + "\n"


def _changes(comp: Comparison) -> list[str]:
    rows = [
        f"- `{d.kind}:{d.id}` ({d.status}, `{d.path}`)"
        + "".join(f"\n  - {_cell(describe(c))}" for c in d.changes)
        for d in comp.diffs
        if d.status != "unchanged"
    ]
    rows += [
        f"- `{c.kind}` `{c.artifact}`: {_cell(describe(c))}"
        for c in comp.changes
        if c.kind in ("config", "policy")
    ]
    if not rows:
        return ["No prompt, model pin or guardrail changed.", ""]
    return ["<details><summary>All changes</summary>", "", *rows, "", "</details>", ""]


def _texts(comp: Comparison) -> list[str]:
    out = []
    for c in comp.changes:
        diff = c.details.get("unified_diff")
        if c.type == "prompt-text-changed" and diff:
            out += [
                f"<details><summary>Text of <code>{c.artifact}</code> {c.pointer}</summary>",
                "",
                "```diff",
                str(diff),
                "```",
                "",
                "</details>",
                "",
            ]
    return out


def _findings(comp: Comparison) -> list[str]:
    if not (comp.introduced or comp.resolved):
        return []
    rows = [
        f"- introduced: `{f.path}:{f.line}` {f.code} [{f.severity}] {_cell(f.message)}"
        for f in comp.introduced
    ]
    rows += [f"- resolved: `{f.path}:{f.line}` {f.code} {_cell(f.message)}" for f in comp.resolved]
    return ["<details><summary>Lint findings</summary>", "", *rows, "", "</details>", ""]
