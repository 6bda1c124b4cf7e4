"""GitHub Actions workflow commands: line annotations on the pull request.

GitHub shows at most 10 error and 10 warning annotations per step, so the most severe come first
and the rest are counted in one notice line (the job summary lists them all).
"""

from __future__ import annotations

from llmward.findings import SEVERITY_RANK, Finding
from llmward.report import Report
from llmward.report.text_format import summary

LIMIT = 10
COMMAND = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    props = (
        f"file={_prop(f.path)},line={f.line},col={f.col},endLine={max(f.end_line, f.line)},"
        f"title={_prop(f'{f.code} {f.policy}')}"
    )
    return f"::{COMMAND[f.severity]} {props}::{_data(f'[{f.severity}] {f.message}')}"


def capped(items: list[tuple[str, str]]) -> list[str]:
    """(severity, annotation line) pairs, most severe first, at most 10 per level, then one
    notice counting the rest."""
    shown: dict[str, int] = {"error": 0, "warning": 0, "notice": 0}
    lines, hidden = [], 0
    for severity, line in sorted(items, key=lambda item: -SEVERITY_RANK[item[0]]):
        command = COMMAND[severity]
        if shown[command] < LIMIT:
            shown[command] += 1
            lines.append(line)
        else:
            hidden += 1
    if hidden:
        lines.append(
            f"::notice::{hidden} more finding(s) not annotated (GitHub shows 10 per "
            "level); see the job summary or the SARIF report"
        )
    return lines


def render(report: Report) -> str:
    ordered = sorted(report.active, key=lambda f: (-SEVERITY_RANK[f.severity], f))
    lines = capped([(f.severity, annotation(f)) for f in ordered])
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def change_annotation(severity: str, path: str, line: int, title: str, message: str) -> str:
    props = f"file={_prop(path)},line={line},title={_prop(title)}"
    return f"::{COMMAND[severity]} {props}::{_data(f'[{severity}] {message}')}"


def warning(message: str) -> str:
    """A warning on the run, not on a line."""
    return f"::warning title=llmward::{_data(message)}\n"
