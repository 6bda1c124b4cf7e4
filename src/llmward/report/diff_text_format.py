"""`llmward diff` for a terminal: the verdict, each artifact's changes, the score's explanation."""

from __future__ import annotations

from llmward.compare import Comparison
from llmward.diff import Change


def key(c: Change) -> tuple[str, str, str, str, str]:
    """A change's identity in a report (findings hold copies with enriched environments)."""
    return (c.type, c.kind, c.artifact, c.path, c.pointer)


def short(ref: str) -> str:
    return ref if ref.startswith(":") else ref[:12]


def describe(c: Change) -> str:
    """One line a reviewer reads: what changed, from what, to what."""
    d = c.details
    if c.type == "prompt-text-changed":
        words, chars = d.get("words_changed", 0), d.get("chars_changed", 0)
        return (
            f"{c.type} ({d.get('role')} message, {words} word{'' if words == 1 else 's'}"
            f" / {chars} character{'' if chars == 1 else 's'})"
        )
    if c.type == "field-changed":
        return f"{c.type} {c.pointer}: {_value(c.old)} -> {_value(c.new)}"
    if c.type in ("rail-added", "rail-removed"):
        named = f" ({d['rail_id']})" if d.get("rail_id") else ""
        return f"{c.type}: {d.get('stage')} {d.get('rail_type')}{named}"
    if c.type == "model-changed":
        return f"{c.type} ({d.get('scope')}): {c.old} -> {c.new}"
    if c.old is None and c.new is None:
        return c.type
    return f"{c.type}: {_value(c.old)} -> {_value(c.new)}"


def _value(value: object) -> str:
    text = "(none)" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def render(comp: Comparison) -> str:
    lines = [
        f"llmward diff {short(comp.base)}..{short(comp.head)} (rules from base)",
        f"Risk: {comp.risk.tier} (score {comp.risk.score}/100)",
        "",
    ]
    points = {key(f.change): f for f in comp.change_findings}
    for d in comp.diffs:
        if d.status == "unchanged":
            continue
        lines.append(f"{d.kind} {d.id} ({d.path}): {d.status}")
        for c in d.changes:
            found = points.get(key(c))
            tag = f"  [{found.code} {found.severity}]" if found else ""
            span = c.span or c.old_span
            where = f"{c.path}:{span.line}" if span else c.path
            lines.append(f"  - {describe(c)}  ({where}){tag}")
    governance = [c for c in comp.changes if c.kind in ("config", "policy")]
    for c in governance:
        found = points.get(key(c))
        tag = f"  [{found.code} {found.severity}]" if found else ""
        lines.append(f"{c.kind} {c.artifact}: {describe(c)}{tag}")
    if comp.risk.contributions:
        lines += ["", "Why:"] + [f"  {line}" for line in comp.risk.explanation]
    if comp.introduced:
        lines += ["", "Findings introduced:"]
        lines += [
            f"  {f.path}:{f.line}:{f.col}: {f.code} [{f.severity}] {f.message}"
            for f in comp.introduced
        ]
    if not any(d.status != "unchanged" for d in comp.diffs) and not governance:
        lines.append("No prompt, model pin or guardrail changed.")
    return "\n".join(lines) + "\n"
