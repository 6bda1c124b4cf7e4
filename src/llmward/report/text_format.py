"""`path:line:col: CODE [severity] message`, sorted, then one summary line."""

from __future__ import annotations

from llmward.report import Report


def render(report: Report) -> str:
    lines = [
        f"{_path(f.path)}:{f.line}:{f.col}: {f.code} [{f.severity}] {f.message}"
        for f in report.active
    ]
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def summary(report: Report) -> str:
    result = report.result
    counts = report.counts()
    total = sum(counts.values())
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    head = f"{total} finding{'s' if total != 1 else ''}" + (f" ({parts})" if parts else "")
    extra = []
    if report.suppressed:
        extra.append(f"{report.suppressed} suppressed")
    if report.baselined:
        extra.append(f"{report.baselined} baselined")
    tail = f"; {', '.join(extra)}" if extra else ""
    verdict = f"failing at --fail-on {report.fail_on}" if report.failing else "passing"
    return (
        f"{head} in {_n(result.files, 'file')} ({_n(result.artifacts, 'artifact')}, "
        f"{_n(len(result.policies.policies), 'policy', 'policies')}){tail}: {verdict}"
    )


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _path(path: str) -> str:
    """One finding, one line: a newline or other control character in a file name is escaped, so
    a crafted name cannot forge a line of the report."""
    if path.isprintable():
        return path
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in path)
