"""`llmward audit report --format markdown`: the audit report as one Markdown document.

The helpers here (approval_text, headline, ...) are shared by the CSV and HTML renderers, so
every format words a fact the same way.
"""

from __future__ import annotations

from llmward.audit_report import (
    EXCEPTION_CATEGORIES,
    NONE_RECORDED,
    Approval,
    AuditReport,
    Change,
    Pin,
)

NOUNS = {
    "unapproved merge": ("unapproved merge", "unapproved merges"),
    "self-approval": ("self-approval", "self-approvals"),
    "approval after merge": ("approval after merge", "approvals after merge"),
    "break-glass": ("break-glass change", "break-glass changes"),
    "suppression": ("suppression", "suppressions"),
}
INVENTORY_NOTE = (
    "Derived from the records: a pin appears once a recorded change touched it (pins unchanged "
    "since the ledger began are not listed). Values are hashed by design (sha256 of the value); "
    "a value is shown only where the record kept excerpts (`audit record --excerpts`)."
)
GUARDRAIL_NOTE = (
    "From the records' PRM013 findings (production prompt with no guardrail): introduced by a "
    "recorded change, resolved by a later one. A prompt without a guardrail that no recorded "
    "change touched is not visible here: `llmward lint` shows the current state."
)


def short(commit: str | None) -> str:
    return (commit or "")[:12]


def approval_text(a: Approval) -> str:
    on = f" on {short(a.commit)}" if a.commit else ""
    return f"{a.approver} ({a.source} {a.reference}{on}, {a.time or 'no time'})"


def pr_text(c: Change) -> str:
    return f"#{c.pr_number}" if c.pr_number else "no PR"


def evals_text(c: Change) -> str:
    return ", ".join(c.evals) or NONE_RECORDED


def exceptions_of(report: AuditReport, c: Change) -> list[str]:
    return sorted({e.category for e in report.exceptions if e.seq == c.seq})


def count_text(n: int, category: str) -> str:
    return f"{n} {NOUNS[category][n != 1]}"


def headline(report: AuditReport) -> str:
    """One sentence with every exception count, e.g. "1 unapproved merge, 2 self-approvals"."""
    parts = [count_text(len(report.exceptions_in(c)), c) for c in EXCEPTION_CATEGORIES]
    unreviewed = sum(c.break_glass is not None and c.reviewed_seq is None for c in report.changes)
    parts[3] += f" ({unreviewed} not reviewed)"
    return ", ".join(parts)


def ledger_text(report: AuditReport) -> str:
    led = report.ledger
    state = "intact" if led.intact else "NOT INTACT: " + "; ".join(led.problems)
    return f"Ledger head: seq {led.seq}, hash {led.hash} ({led.entries} entries, {state})"


def pin_value(p: Pin) -> str:
    last = p.events[-1]
    if not p.in_force:
        return "-"
    if last.new_value:
        return last.new_value
    return f"sha256 {last.new_sha256[:16]}…" if last.new_sha256 else "hashed"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*out, ""]


def _head(report: AuditReport) -> list[str]:
    return [
        f"# llmward audit report: {report.repository or 'repository'}",
        "",
        f"Period {report.since} to {report.until} (UTC, inclusive). "
        f"{len(report.changes)} change(s). Exceptions: {headline(report)}.",
        "",
        f"**{ledger_text(report)}.** Re-verify it with:",
        "",
        f"    {report.ledger.verify_command}",
        "",
    ]


def _exceptions(report: AuditReport) -> list[str]:
    out = ["## Exceptions", ""]
    for category in EXCEPTION_CATEGORIES:
        found = report.exceptions_in(category)
        out += [f"### {count_text(len(found), category).capitalize()}", ""]
        rows: list[list[object]] = [
            [e.seq, short(e.head), f"#{e.pr_number}" if e.pr_number else "-", e.detail]
            for e in found
        ]
        out += _table(["Seq", "Head", "PR", "Detail"], rows) if rows else ["None.", ""]
    return out


def _population(report: AuditReport) -> list[str]:
    header = ["Seq", "Time", "Head", "PR", "Authors", "Counted approvals", "Before merge"]
    header += ["Evals", "Risk", "Verdict"]
    rows: list[list[object]] = [
        [
            c.seq,
            c.time,
            f"`{short(c.head)}`",
            f"[{pr_text(c)}]({c.pr_url})" if c.pr_url else pr_text(c),
            ", ".join(c.authors),
            "; ".join(approval_text(a) for a in c.counted) or "none",
            c.approved_before_merge,
            evals_text(c),
            f"{c.tier} ({c.score})",
            c.verdict + (" (break-glass)" if c.break_glass else ""),
        ]
        for c in report.changes
    ]
    return ["## Change population", "", *_table(header, rows)]


def _inventory(report: AuditReport) -> list[str]:
    rows: list[list[object]] = [
        [
            p.artifact,
            f"`{p.path}`",
            "yes" if p.in_force else "removed",
            pin_value(p),
            "; ".join(f"seq {e.seq} {e.time[:10]} {e.type} {e.pointer}" for e in p.events),
        ]
        for p in report.pins
    ]
    out = ["## Model inventory", "", INVENTORY_NOTE, ""]
    header = ["Pin", "File", "In force", "Value", "History"]
    return out + (_table(header, rows) if rows else ["No model pin changes recorded.", ""])


def _guardrails(report: AuditReport) -> list[str]:
    rows: list[list[object]] = [
        [
            f"`{g.path}`",
            g.line or "",
            g.introduced_seq,
            g.resolved_seq or "OPEN",
        ]
        for g in report.guardrail_gaps
    ]
    out = ["## Guardrail coverage", "", GUARDRAIL_NOTE, ""]
    header = ["Prompt file", "Line", "Recorded at seq", "Resolved at seq"]
    return out + (_table(header, rows) if rows else ["No prompt without a guardrail recorded.", ""])


def _controls(report: AuditReport) -> list[str]:
    rows: list[list[object]] = [
        [x.framework, x.control, x.title, x.evidence, x.count] for x in report.controls
    ]
    note = (
        "SOC 2 CC8.1 point-of-focus numbers are the ciso-assistant library's; the AICPA does not "
        "number them. ISO/IEC 42001 titles are from an outline, not the standard's text."
    )
    header = ["Framework", "Control", "Title", "Evidence in this report", "Count"]
    return ["## Controls", "", note, "", *_table(header, rows)]


def _method(report: AuditReport) -> list[str]:
    return ["## Method", "", *[f"- {d}" for d in report.definitions], ""]


def render(report: AuditReport) -> str:
    parts = [_head, _exceptions, _population, _inventory, _guardrails, _controls, _method]
    lines = [line for part in parts for line in part(report)]
    return "\n".join(lines).rstrip("\n") + "\n"
