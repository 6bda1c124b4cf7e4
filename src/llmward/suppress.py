"""Inline ignores: `# llmward: ignore[PIN001] <reason>` on the line, or alone on the line above.

Only real YAML comments count. A comment-like line inside a block scalar is prompt text: honouring
it there would silence the linter *and* ship the "directive" to the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from llmward.findings import Finding
from llmward.parse.document import Document, Span

_DIRECTIVE = re.compile(
    r"#\s*llmward:\s*(?P<verb>[a-z-]+)(?:\[(?P<codes>[^\]]*)\])?(?P<reason>.*)$"
)


@dataclass(frozen=True)
class Suppression:
    span: Span  # the comment
    target: int  # the line it applies to
    codes: tuple[str, ...]
    reason: str
    text: str


@dataclass(frozen=True)
class SuppressionProblem:
    kind: str  # "no-reason", "unknown-code", "unused", "malformed"
    suppression: Suppression
    detail: str


def parse_suppressions(doc: Document) -> list[Suppression]:
    if "llmward:" not in doc.text:
        return []
    found: list[tuple[int, int, str, bool]] = []
    starts = doc.line_starts()
    for offset, text in doc.comments():
        if "llmward:" not in text:
            continue
        line, col = doc.position(offset)
        own_line = not doc.text[starts[line - 1] : offset].strip()
        found.append((line, col, text, own_line))
    out = []
    for line, col, text, own_line in found:
        target = _target(line, found, doc) if own_line else line
        m = _DIRECTIVE.match(text)
        span = Span(line, col, line, col + len(text))
        if m is None:
            out.append(Suppression(span, target, (), "", text))
            continue
        codes = tuple(c.strip() for c in (m.group("codes") or "").split(",") if c.strip())
        reason = m.group("reason").strip().lstrip(":-\u2013\u2014 ").strip()
        out.append(
            Suppression(span, target, codes if m.group("verb") == "ignore" else (), reason, text)
        )
    return out


def _target(line: int, found: list[tuple[int, int, str, bool]], doc: Document) -> int:
    """A directive alone on its line applies to the next line that is not itself a directive."""
    own = {f[0] for f in found if f[3]}
    target = line + 1
    while target in own:
        target += 1
    return target


def apply(
    findings: Iterable[Finding],
    sups: list[Suppression],
    known_codes: frozenset[str],
    ran: frozenset[str] | None = None,
) -> tuple[list[Finding], list[SuppressionProblem]]:
    """Apply inline ignores. `ran`: the codes that ran; an ignore of a code that did not run
    (disabled, --ignore, --select) cannot be judged unused."""
    if not sups:
        return list(findings), []
    problems = [p for s in sups for p in _check(s, known_codes)]
    valid = [s for s in sups if s.codes and s.reason and set(s.codes) <= known_codes]
    used: set[tuple[int, str]] = set()
    out = []
    for finding in findings:
        lines = {finding.line, finding.anchor}
        match = next((s for s in valid if s.target in lines and finding.code in s.codes), None)
        if match is not None:
            used.add((match.span.line, finding.code))
        out.append(finding if match is None else finding.with_(suppressed=match.reason))
    for s in valid:
        for code in s.codes:
            if (s.span.line, code) not in used and (ran is None or code in ran):
                problems.append(SuppressionProblem("unused", s, code))
    return out, problems


def _check(s: Suppression, known: frozenset[str]) -> list[SuppressionProblem]:
    if not s.codes:
        return [
            SuppressionProblem("malformed", s, "name the codes: # llmward: ignore[CODE] reason")
        ]
    out = [SuppressionProblem("unknown-code", s, c) for c in s.codes if c not in known]
    if not s.reason:
        out.append(SuppressionProblem("no-reason", s, ", ".join(s.codes)))
    return out
