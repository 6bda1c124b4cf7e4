"""`llmward audit report --format csv`: one row per change, for a spreadsheet or a sample draw.

The ledger head is in every row (`ledger_head_seq`, `ledger_head_hash`), so a sampled row still
names the ledger it came from.
"""

from __future__ import annotations

import csv
import io

from llmward.audit_report import AuditReport, Change
from llmward.report.audit_markdown_format import approval_text, exceptions_of

COLUMNS = (
    "seq",
    "time",
    "head",
    "pr_number",
    "pr_url",
    "authors",
    "approvers_counted",
    "approved_before_merge",
    "evals",
    "risk_tier",
    "risk_score",
    "verdict",
    "break_glass",
    "break_glass_reviewed_seq",
    "exceptions",
    "kinds",
    "records",
    "change_set_digest",
    "ledger_head_seq",
    "ledger_head_hash",
)


def _row(report: AuditReport, c: Change) -> list[object]:
    return [
        c.seq,
        c.time,
        c.head[:12],
        c.pr_number or "",
        c.pr_url or "",
        "; ".join(c.authors),
        "; ".join(approval_text(a) for a in c.counted),
        c.approved_before_merge,
        "; ".join(c.evals) or "none recorded",
        c.tier,
        c.score,
        c.verdict,
        c.break_glass or "",
        c.reviewed_seq or "",
        "; ".join(exceptions_of(report, c)),
        " ".join(c.kinds),
        " ".join(map(str, c.records)),
        c.digest,
        report.ledger.seq,
        report.ledger.hash,
    ]


def render(report: AuditReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(report, c) for c in report.changes)
    return out.getvalue()
