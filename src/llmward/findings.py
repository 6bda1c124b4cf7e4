"""A finding: one policy violated at one exact place."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    end_line: int
    end_col: int
    severity: str
    message: str
    policy: str  # policy id
    pointer: str  # absolute JSON pointer in the file ("" for the file itself)
    artifact: str = ""  # "kind:id", or "" for file-level findings
    value_hash: str = ""
    suppressed: str | None = None  # the justification, when an inline ignore applies
    baselined: bool = False
    condition: tuple[Any, ...] = field(default=(), compare=False)  # see repository.RepoIndex
    anchor: int = field(default=0, compare=False)  # line of the key owning the value (ignores)

    @property
    def active(self) -> bool:
        return self.suppressed is None and not self.baselined

    def fingerprint(self) -> str:
        """Stable across line moves: code + file + pointer + offending value, never line numbers."""
        key = f"{self.code}\0{self.path}\0{self.pointer}\0{self.value_hash}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    def with_(self, **changes: Any) -> Finding:
        return replace(self, **changes)


def value_hash(value: Any) -> str:
    try:
        blob = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        )
    except (ValueError, RecursionError):
        blob = repr(type(value))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
