"""The JSON report, valid against `schemas/report.schema.json` (versioned)."""

from __future__ import annotations

import json
from typing import Any

from llmward import __version__
from llmward.findings import Finding
from llmward.report import Report

REPORT_VERSION = "1.1"


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "policy": f.policy,
        "severity": f.severity,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "column": f.col,
        "end_line": f.end_line,
        "end_column": f.end_col,
        "pointer": f.pointer,
        "artifact": f.artifact or None,
        "fingerprint": f.fingerprint(),
        "value_hash": f.value_hash,
        "suppressed": None if f.suppressed is None else {"justification": f.suppressed},
        "baselined": f.baselined,
    }


def document(report: Report) -> dict[str, Any]:
    result = report.result
    return {
        "version": REPORT_VERSION,
        "tool": {"name": "llmward", "version": __version__},
        "summary": {
            "files": result.files,
            "artifacts": result.artifacts,
            "policies": len(result.policies.policies),
            "findings": report.counts(),
            "suppressed": report.suppressed,
            "baselined": report.baselined,
            "fail_on": report.fail_on,
            "passed": not report.failing,
        },
        "findings": [finding_json(f) for f in result.findings],
    }


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
