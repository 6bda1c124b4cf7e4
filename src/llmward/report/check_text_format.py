"""`llmward check` in a terminal: the verdict and every reason, then the diff report."""

from __future__ import annotations

from llmward.check import Verdict
from llmward.report import diff_renderer


def render(verdict: Verdict) -> str:
    a = verdict.approvals
    lines = [f"llmward check: {verdict.name.upper()}"]
    lines += [f"  - {reason}" for reason in verdict.reasons]
    lines.append(
        f"Approvals: {len(a.counted)} of {a.required} required"
        f" ({', '.join(a.approvers) or 'anyone but the author'})"
    )
    for approval in a.evidence:
        mark = (
            "counts"
            if approval in a.counted
            else f"does not count: {approval.reason or 'not eligible'}"
        )
        lines.append(f"  {approval.approver} ({approval.source} {approval.reference}): {mark}")
    if a.break_glass:
        lines.append(f"Break-glass: {a.break_glass} (review after merge)")
    return "\n".join(lines) + "\n\n" + diff_renderer("text")(verdict.comparison)
