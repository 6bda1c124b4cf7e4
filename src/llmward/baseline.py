"""Baselines: accept a repository's existing findings, keyed so that moving lines changes nothing.

Key = code + file + JSON pointer + hash of the offending value. Never line numbers: line-keyed
baselines churn or break as soon as lines move. Sorted, no timestamps: it diffs cleanly.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from llmward.errors import UsageError
from llmward.findings import Finding

VERSION = 1


def _key(f: Finding) -> tuple[str, str, str, str]:
    return (f.code, f.path, f.pointer, f.value_hash)


def render(findings: Iterable[Finding]) -> str:
    rows = sorted({_key(f) for f in findings if f.suppressed is None})
    entries = [
        dict(zip(("code", "path", "pointer", "value_hash"), row, strict=True)) for row in rows
    ]
    return json.dumps({"version": VERSION, "tool": "llmward", "findings": entries}, indent=2) + "\n"


def load(path: Path) -> Counter[tuple[str, str, str, str]]:
    try:
        data = json.loads(path.read_text("utf-8"))
        rows = [(e["code"], e["path"], e["pointer"], e["value_hash"]) for e in data["findings"]]
    except FileNotFoundError:
        raise UsageError(f"{path}: baseline not found (create it with --write-baseline)") from None
    except (ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{path}: not an llmward baseline ({err})") from None
    if data.get("version") != VERSION:
        raise UsageError(f"{path}: baseline version {data.get('version')} is not supported")
    return Counter(rows)


def apply(findings: Iterable[Finding], known: Counter[tuple[str, str, str, str]]) -> list[Finding]:
    remaining = Counter(known)
    out = []
    for f in sorted(findings):
        key = _key(f)
        accepted = f.suppressed is None and remaining[key] > 0
        if accepted:
            remaining[key] -= 1
        out.append(f.with_(baselined=True) if accepted else f)
    return out
