"""`llmward check`: the job summary and the sticky pull-request comment (Markdown)."""

from __future__ import annotations

from llmward.check import Verdict
from llmward.evidence import Approval
from llmward.report import diff_renderer

MARKER = "<!-- llmward:report -->"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _approval_rows(approvals: tuple[Approval, ...], counted: tuple[Approval, ...]) -> list[str]:
    used = {a.reference for a in counted}
    rows = ["| Approver | Source | Commit | Counts | Why not |", "| --- | --- | --- | --- | --- |"]
    for a in approvals:
        counts = "yes" if a.reference in used else "no"
        why = "" if counts == "yes" else (a.reason or "not an eligible approver")
        rows.append(
            f"| {_cell(a.approver)} | {a.source} | `{(a.commit or '-')[:12]}` | {counts} "
            f"| {_cell(why)} |"
        )
    return rows if approvals else ["No approvals found."]


def render(verdict: Verdict) -> str:
    risk, approvals = verdict.comparison.risk, verdict.approvals
    head = "PASS" if verdict.passed else "FAIL"
    who = ", ".join(approvals.approvers) or "anyone but the author"
    out = [
        MARKER,
        f"## llmward check: **{head}**",
        "",
        f"Risk **{risk.tier}** (score {risk.score}/100); approvals {len(approvals.counted)} "
        f"of {approvals.required} required ({who}); {len(verdict.blocking)} blocking "
        f"finding(s) at or above {verdict.fail_on}.",
        "",
    ]
    if approvals.break_glass:
        out += [
            f"> **Break-glass:** {_cell(approvals.break_glass)}. This change passes without its "
            "approvals and must be reviewed after merge.",
            "",
        ]
    if verdict.reasons:
        out += ["**Why it fails**", "", *[f"- {_cell(r)}" for r in verdict.reasons], ""]
    out += ["### Approvals", "", *_approval_rows(approvals.evidence, approvals.counted), ""]
    if verdict.blocking:
        out += [
            "### Blocking findings",
            "",
            *[
                f"- `{f.path}:{f.line}` {f.code} [{f.severity}] {_cell(f.message)}"
                for f in verdict.blocking
            ],
            "",
        ]
    diff = diff_renderer("markdown")(verdict.comparison)
    return "\n".join(out) + "\n### Changes\n\n" + diff.split("\n", 1)[1]
