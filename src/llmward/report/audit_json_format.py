"""`llmward audit report --format json`: the report's data model as versioned JSON.

`version` changes when a field changes meaning or goes away; new fields may be added without it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from llmward.audit_report import EXCEPTION_CATEGORIES, AuditReport


def as_data(report: AuditReport) -> dict[str, Any]:
    data = dataclasses.asdict(report)
    data["exception_counts"] = {
        name: len(report.exceptions_in(name)) for name in EXCEPTION_CATEGORIES
    }
    for change, raw in zip(report.changes, data["changes"], strict=True):
        raw["counted"] = [a.approver for a in change.counted]
    return {"version": data.pop("version"), **data}


def render(report: AuditReport) -> str:
    return json.dumps(as_data(report), indent=2, sort_keys=False) + "\n"
