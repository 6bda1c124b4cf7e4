"""SARIF 2.1.0, as GitHub code scanning ingests it: levels, regions with columns, rule help,
security-severity, stable partialFingerprints and in-source suppressions."""

from __future__ import annotations

import json
from typing import Any

from llmward import __version__
from llmward.findings import Finding
from llmward.policy.evaluate import Compiled
from llmward.report import DOCS_URL, Report, help_uri

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def rule(compiled: Compiled) -> dict[str, Any]:
    p = compiled.policy
    docs = p.docs
    markdown = (
        f"**{p.title}** ({p.code})\n\n{docs.what}\n\n**Why:** {docs.why}\n\n"
        f"**Example**\n```yaml\n{docs.example.rstrip()}\n```\n\n"
        f"**Use instead**\n```yaml\n{docs.use_instead.rstrip()}\n```\n"
    )
    tags = ["security", "llm", p.kind, *[f"OWASP-{o}:2025" for o in p.references.owasp_llm]]
    return {
        "id": p.code,
        "name": "".join(part.capitalize() for part in p.id.split("-")),
        "shortDescription": {"text": p.title},
        "fullDescription": {"text": docs.what},
        "help": {"text": f"{docs.what}\n\nWhy: {docs.why}", "markdown": markdown},
        "helpUri": help_uri(p.code),
        "defaultConfiguration": {"level": LEVEL[compiled.severity]},
        "properties": {
            "tags": tags,
            "precision": "high",
            "policy": p.id,
            "security-severity": SECURITY_SEVERITY[compiled.severity],
        },
    }


def result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": f.line,
                        "startColumn": f.col,
                        "endLine": max(f.end_line, f.line),
                        "endColumn": f.end_col
                        if (f.end_line, f.end_col) > (f.line, f.col)
                        else f.col + 1,
                    },
                }
            }
        ],
        "partialFingerprints": {"llmwardFingerprint/v1": f.fingerprint()},
        "properties": {"severity": f.severity, "pointer": f.pointer},
    }
    if f.code in index:
        out["ruleIndex"] = index[f.code]
    if f.suppressed is not None:
        out["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
    elif f.baselined:
        out["suppressions"] = [{"kind": "external", "justification": "accepted in the baseline"}]
    return out


def document(report: Report) -> dict[str, Any]:
    compiled = sorted(report.result.policies.policies, key=lambda c: c.policy.code)
    rules = [rule(c) for c in compiled]
    index = {r["id"]: i for i, r in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "llmward",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": DOCS_URL.rsplit("/blob/", 1)[0],
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "repository root"}}},
                "columnKind": "unicodeCodePoints",
                "results": [result(f, index) for f in report.result.findings],
            }
        ],
    }


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
