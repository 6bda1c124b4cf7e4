"""`llmward audit report --format html`: one self-contained, printable HTML file.

Inline CSS (with print styles) and inline SVG charts; no JavaScript and no external resource, and
a Content-Security-Policy that forbids both, so the file reads the same offline, in an archive,
or printed to PDF.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from html import escape

from llmward.audit_report import EXCEPTION_CATEGORIES, AuditReport, Change
from llmward.report import audit_markdown_format as text

TIERS = ("none", "low", "medium", "high", "critical")
COLOURS = {
    "none": "#b8c4ce",
    "low": "#5b9bd5",
    "medium": "#f2b134",
    "high": "#e8743b",
    "critical": "#c0392b",
}
LEAD_BINS: tuple[tuple[str, float, float], ...] = (
    ("after merge", float("-inf"), 0.0),
    ("< 1 h", 0.0, 1.0),
    ("1-4 h", 1.0, 4.0),
    ("4-24 h", 4.0, 24.0),
    ("1-3 d", 24.0, 72.0),
    ("> 3 d", 72.0, float("inf")),
)
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
:root { --ink:#1d2733; --muted:#5a6775; --line:#d5dbe1; --bad:#b03a2e; --ok:#1e7b4a; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 24px 32px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.sub, .note { color: var(--muted); } .note { font-size: 12.5px; max-width: 900px; }
code, .mono { font: 12.5px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.ledger { border: 1px solid var(--line); border-left: 6px solid var(--ok); padding: 10px 14px;
  margin: 14px 0; background: #f6faf7; }
.ledger.bad { border-left-color: var(--bad); background: #fbf1f0; }
.ledger code { word-break: break-all; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 140px; }
.card b { display: block; font-size: 22px; } .card.bad b { color: var(--bad); }
.card span { color: var(--muted); font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
.charts figure { margin: 0; width: min-content; } .nw { white-space: nowrap; }
figcaption { font-size: 12.5px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f4; } tr.exc td { background: #fdf3f2; }
.tier { display: inline-block; padding: 0 6px; border-radius: 3px; color: #fff; font-size: 11.5px; }
.none { color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5px; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; } tr, figure, .ledger, .card { break-inside: avoid; }
  thead { display: table-header-group; } @page { size: A4 landscape; margin: 12mm; }
}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _prose(value: str) -> str:
    """Escaped text with Markdown `code` spans as <code> (the notes are shared with Markdown)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        f"<tr{cls}>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tier(tier: str, score: int) -> str:
    colour = COLOURS.get(tier, "#888")
    return f'<span class="tier" style="background:{colour}">{_e(tier)}</span> {score}'


# ---- charts ----------------------------------------------------------------------------------


def weeks_chart(report: AuditReport) -> str:
    """Changes per week, stacked by risk tier."""
    weeks = report.weeks
    width, height, left, bottom = 560, 220, 34, 30
    top = max([sum(w.by_tier.values()) for w in weeks] + [1])
    step = (width - left - 10) / max(len(weeks), 1)
    scale = (height - bottom - 30) / top
    bars = [
        _stack(w.by_tier, left + i * step + step * 0.15, step * 0.7, height - bottom, scale)
        for i, w in enumerate(weeks)
    ]
    every = max(1, len(weeks) // 8)
    labels = [
        f'<text x="{left + i * step + step / 2:.1f}" y="{height - bottom + 14}" '
        f'text-anchor="middle" font-size="10">{_e(w.start[5:])}</text>'
        for i, w in enumerate(weeks)
        if i % every == 0
    ]
    return _svg(width, height, "changes per week by risk tier", [
        *_axis(left, width, height - bottom, top, scale), *bars, *labels, _legend(left)
    ])  # fmt: skip


def _stack(by_tier: Mapping[str, int], x: float, width: float, base: int, scale: float) -> str:
    out, y = [], float(base)
    for tier in TIERS:
        n = by_tier.get(tier, 0)
        if n:
            y -= n * scale
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" '
                f'width="{width:.1f}" height="{n * scale:.1f}" fill="{COLOURS[tier]}">'
                f"<title>{n} {tier}</title></rect>"
            )
    return "".join(out)


def _axis(left: int, width: int, base: int, top: int, scale: float) -> list[str]:
    ticks = sorted({0, top // 2, top})
    return [
        f'<line x1="{left}" y1="{base - t * scale:.1f}" x2="{width - 10}" '
        f'y2="{base - t * scale:.1f}" stroke="#d5dbe1"/>'
        f'<text x="{left - 6}" y="{base - t * scale + 4:.1f}" text-anchor="end" '
        f'font-size="10">{t}</text>'
        for t in ticks
    ]


def _legend(left: int) -> str:
    items = [
        f'<rect x="{left + i * 80}" y="6" width="10" height="10" fill="{COLOURS[t]}"/>'
        f'<text x="{left + i * 80 + 14}" y="15" font-size="11">{t}</text>'
        for i, t in enumerate(TIERS)
    ]
    return "".join(items)


def lead_bins(report: AuditReport) -> list[tuple[str, int]]:
    hours = report.lead_times
    return [(name, sum(lo <= h < hi for h in hours)) for name, lo, hi in LEAD_BINS]


def lead_chart(report: AuditReport) -> str:
    """How long before the merge point the last counted approval came (negative: after)."""
    bins = lead_bins(report)
    width, height, left, bottom = 420, 220, 34, 30
    top = max([n for _, n in bins] + [1])
    step, scale = (width - left - 10) / len(bins), (height - bottom - 30) / top
    bars = [
        f'<rect x="{left + i * step + step * 0.15:.1f}" y="{height - bottom - n * scale:.1f}" '
        f'width="{step * 0.7:.1f}" height="{n * scale:.1f}" '
        f'fill="{"#b03a2e" if name == "after merge" else "#3d7ea6"}"><title>{n}</title></rect>'
        f'<text x="{left + i * step + step / 2:.1f}" y="{height - bottom + 14}" '
        f'text-anchor="middle" font-size="10">{_e(name)}</text>'
        for i, (name, n) in enumerate(bins)
    ]
    axis = _axis(left, width, height - bottom, top, scale)
    return _svg(width, height, "approval lead time", [*axis, *bars])


def _svg(width: int, height: int, label: str, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(label)}" '
        f'font-family="system-ui, sans-serif">{"".join(parts)}</svg>'
    )


# ---- sections --------------------------------------------------------------------------------


def _header(report: AuditReport) -> str:
    led = report.ledger
    state = "intact" if led.intact else "NOT INTACT"
    problems = "".join(f"<li>{_e(p)}</li>" for p in led.problems)
    return (
        f"<header><h1>llmward audit report: {_e(report.repository or 'repository')}</h1>"
        f'<p class="sub">Period <b>{_e(report.since)}</b> to <b>{_e(report.until)}</b> '
        f"(UTC, inclusive) &middot; report format version {report.version}</p></header>"
        f'<section class="ledger{"" if led.intact else " bad"}" id="ledger">'
        f'<div>Ledger head: seq <b id="ledger-seq">{led.seq}</b>, hash '
        f'<code id="ledger-hash">{_e(led.hash)}</code> ({led.entries} entries, '
        f"<b>{state}</b>)</div>{f'<ul>{problems}</ul>' if problems else ''}"
        f'<div>Re-verify: <code id="verify-command">{_e(led.verify_command)}</code></div>'
        "</section>"
    )


def _cards(report: AuditReport) -> str:
    unreviewed = sum(c.break_glass is not None and c.reviewed_seq is None for c in report.changes)
    cards = [("changes", len(report.changes), False)]
    cards += [
        (text.NOUNS[c][1], n := len(report.exceptions_in(c)), n > 0 and c != "suppression")
        for c in EXCEPTION_CATEGORIES
    ]
    cards += [("break-glass not reviewed", unreviewed, unreviewed > 0)]
    cards += [("model pins in force", sum(p.in_force for p in report.pins), False)]
    items = "".join(
        f'<div class="card{" bad" if bad else ""}"><b>{n}</b><span>{_e(label)}</span></div>'
        for label, n, bad in cards
    )
    return (
        f'<p id="exceptions-summary">Exceptions: {_e(text.headline(report))}.</p>'
        f'<div class="cards">{items}</div>'
    )


def _charts(report: AuditReport) -> str:
    return (
        '<section class="charts">'
        f"<figure>{weeks_chart(report)}<figcaption>Changes per week (Monday), stacked by risk "
        "tier.</figcaption></figure>"
        f"<figure>{lead_chart(report)}<figcaption>Approval lead time: merge point minus the last "
        f"counted approval ({len(report.lead_times)} changes with a timed approval)."
        "</figcaption></figure></section>"
    )


def _exceptions(report: AuditReport) -> str:
    out = ["<h2>Exceptions</h2>"]
    for category in EXCEPTION_CATEGORIES:
        found = report.exceptions_in(category)
        slug = category.replace(" ", "-")
        out.append(f'<h3 id="exc-{slug}">{_e(text.count_text(len(found), category))}</h3>')
        rows = [
            [str(x.seq), f"<code>{_e(text.short(x.head))}</code>", _pr(x.pr_number, None),
             _e(x.detail)]
            for x in found
        ]  # fmt: skip
        header = ["Seq", "Head", "PR", "Detail"]
        out.append(_table(header, rows, ' class="exc"') if rows else '<p class="none">None.</p>')
    return "".join(out)


def _pr(number: int | None, url: str | None) -> str:
    if not number:
        return '<span class="none">no PR</span>'
    return f'<a href="{_e(url)}">#{number}</a>' if url else f"#{number}"


def _approvals(c: Change) -> str:
    items = [_e(text.approval_text(a)) for a in c.counted]
    return "<br>".join(items) or '<span class="none">none</span>'


def _population(report: AuditReport) -> str:
    flagged = {x.seq for x in report.exceptions if x.category != "suppression"}
    header = ["Seq", "Time", "Head", "PR", "Authors", "Counted approvals (reference, commit)"]
    header += ["Approved before merge", "Evals", "Risk", "Verdict"]
    rows = [
        [
            str(c.seq) + (" &#9888;" if c.seq in flagged else ""),
            f'<span class="nw">{_e(c.time)}</span>',
            f"<code>{_e(text.short(c.head))}</code>",
            _pr(c.pr_number, c.pr_url),
            _e(", ".join(c.authors)),
            _approvals(c),
            _e(c.approved_before_merge),
            _e(text.evals_text(c)),
            _tier(c.tier, c.score),
            _e(c.verdict + (" (break-glass)" if c.break_glass else "")),
        ]
        for c in report.changes
    ]
    note = "&#9888; marks a change with an exception. Records of each change: see JSON or CSV."
    return f'<h2>Change population</h2><p class="note">{note}</p>{_table(header, rows)}'


def _inventory(report: AuditReport) -> str:
    rows = [
        [
            _e(p.artifact),
            f"<code>{_e(p.path)}</code>",
            "yes" if p.in_force else "removed",
            f"<code>{_e(text.pin_value(p))}</code>",
            "<br>".join(_e(f"seq {e.seq} {e.time[:10]} {e.type} {e.pointer}") for e in p.events),
        ]
        for p in report.pins
    ]
    table = _table(["Pin", "File", "In force", "Value", "History"], rows)
    body = table if rows else '<p class="none">No model pin changes recorded.</p>'
    return f'<h2>Model inventory</h2><p class="note">{_prose(text.INVENTORY_NOTE)}</p>{body}'


def _guardrails(report: AuditReport) -> str:
    rows = [
        [
            f"<code>{_e(g.path)}</code>",
            _e(g.line or ""),
            str(g.introduced_seq),
            str(g.resolved_seq) if g.resolved_seq else "<b>OPEN</b>",
        ]
        for g in report.guardrail_gaps
    ]
    table = _table(["Prompt file", "Line", "Recorded at seq", "Resolved at seq"], rows)
    body = table if rows else '<p class="none">No prompt without a guardrail recorded.</p>'
    return f'<h2>Guardrail coverage</h2><p class="note">{_prose(text.GUARDRAIL_NOTE)}</p>{body}'


def _controls(report: AuditReport) -> str:
    rows = [
        [
            _e(x.framework),
            f'<b class="nw">{_e(x.control)}</b>',
            _e(x.title),
            _e(x.evidence),
            str(x.count),
        ]
        for x in report.controls
    ]
    note = (
        "SOC 2 CC8.1 point-of-focus numbers are the ciso-assistant library's; the AICPA does not "
        "number them. ISO/IEC 42001 titles are from an outline, not the standard's text."
    )
    header = ["Framework", "Control", "Title", "Evidence in this report", "Count"]
    return f'<h2>Controls</h2><p class="note">{note}</p>{_table(header, rows)}'


def _method(report: AuditReport) -> str:
    items = "".join(f"<li>{_prose(d)}</li>" for d in report.definitions)
    return f'<h2>Method</h2><ul class="note">{items}</ul>'


SECTIONS: tuple[Callable[[AuditReport], str], ...] = (
    _header, _cards, _charts, _exceptions, _population, _inventory, _guardrails, _controls,
    _method,
)  # fmt: skip


def render(report: AuditReport) -> str:
    title = f"llmward audit report {report.repository} {report.since} to {report.until}"
    body = "\n".join(section(report) for section in SECTIONS)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )
