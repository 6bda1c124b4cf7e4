"""`llmward diff --format json`: the report schema's diff fields (changes, risk, artifacts)."""

from __future__ import annotations

import json
from typing import Any

from llmward import __version__
from llmward.compare import Comparison
from llmward.diff import ArtifactDiff, Change
from llmward.parse.document import Span
from llmward.report.json_format import REPORT_VERSION, finding_json
from llmward.score import Contribution


def _at(span: Span | None) -> dict[str, int] | None:
    return None if span is None else {"line": span.line, "column": span.col}


def change_json(c: Change) -> dict[str, Any]:
    return {
        "type": c.type,
        "kind": c.kind,
        "artifact": c.artifact,
        "path": c.path,
        "pointer": c.pointer,
        "old": c.old,
        "new": c.new,
        "at": _at(c.span),
        "at_base": _at(c.old_span),
        "environments": list(c.environments),
        "details": dict(c.details),
    }


def artifact_json(d: ArtifactDiff) -> dict[str, Any]:
    return {
        "status": d.status,
        "kind": d.kind,
        "id": d.id,
        "old_path": d.old.path if d.old else None,
        "new_path": d.new.path if d.new else None,
        "fields": [
            {
                "pointer": f.pointer,
                "old": f.old,
                "new": f.new,
                "at": _at(f.new_span),
                "at_base": _at(f.old_span),
            }
            for f in d.fields
        ],
    }


def contribution_json(c: Contribution) -> dict[str, Any]:
    i = c.item
    return {
        "code": i.code,
        "severity": i.severity,
        "points": i.points,
        "weight": c.weight,
        "radius": i.radius,
        "total": c.points,
        "kind": i.kind,
        "artifact": i.artifact,
        "path": i.path,
        "line": i.line,
        "environments": list(i.environments),
        "message": i.message,
    }


def document(comp: Comparison) -> dict[str, Any]:
    counts = {s: 0 for s in ("critical", "high", "medium", "low")}
    for f in comp.introduced:
        counts[f.severity] += 1
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "llmward", "version": __version__},
        "base": comp.base,
        "head": comp.head,
        "rules": comp.rules_source,
        "risk": {
            "score": comp.risk.score,
            "tier": comp.risk.tier,
            "contributions": [contribution_json(c) for c in comp.risk.contributions],
        },
        "changes": [change_json(c) for c in comp.changes],
        "artifacts": [artifact_json(d) for d in comp.diffs if d.status != "unchanged"],
        "summary": {
            "findings": counts,
            "changes": len(comp.changes),
            "artifacts": sum(d.status != "unchanged" for d in comp.diffs),
        },
        "findings": [finding_json(f) for f in comp.introduced],
        "findings_resolved": [finding_json(f) for f in comp.resolved],
    }


def render(comp: Comparison) -> str:
    return json.dumps(document(comp), indent=2, ensure_ascii=False, default=str) + "\n"
