"""Per-file lint results, cached by content so an unchanged repository re-lints in about a second.

The cache lives in `<root>/.llmward_cache/` (git-ignored by a `.gitignore` inside it, as ruff does).
An entry is reused only when the file's bytes hash the same *and* the whole run key matches:
llmward's own code, the config, every policy file and the catalog. Nothing in it is executed: it is
plain JSON. It is never used in CI (`CI` or `GITHUB_ACTIONS` set), nor when git tracks it, so a
pull request cannot plant results that hide its findings.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmward.findings import Finding
from llmward.parse.document import Span
from llmward.repository import Summary
from llmward.suppress import Suppression
from llmward.verified import code_fingerprint

if TYPE_CHECKING:
    from llmward.discover import Candidate
    from llmward.pipeline import FileResult, Settings

FOLDER = ".llmward_cache"
FILE = "lint-v1.json"


def run_key(settings: Settings) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(repr(settings.config).encode())
    for name, sha in settings.policies.digests:
        digest.update(f"{name}:{sha}".encode())
    digest.update(json.dumps(settings.policies.catalog, sort_keys=True).encode())
    digest.update(",".join(sorted(c.policy.code for c in settings.policies.policies)).encode())
    return digest.hexdigest()


def enabled(settings: Settings) -> bool:
    if not settings.cache or os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return False
    return not (settings.root / FOLDER / FILE).is_symlink()


class Cache:
    def __init__(self, root: Path, key: str, entries: dict[str, Any]) -> None:
        self.root = root
        self.key = key
        self.old = entries
        self.new: dict[str, Any] = {}
        self.dirty = False

    @classmethod
    def open(cls, settings: Settings, tracked: set[str] | None = None) -> Cache | None:
        if not enabled(settings) or (tracked and any(p.startswith(FOLDER + "/") for p in tracked)):
            return None
        key = run_key(settings)
        try:
            data = json.loads((settings.root / FOLDER / FILE).read_text("utf-8"))
            entries = data["entries"] if data.get("key") == key else {}
        except (OSError, ValueError, KeyError, TypeError):
            entries = {}
        return cls(settings.root, key, entries if isinstance(entries, dict) else {})

    def get(self, cand: Candidate) -> FileResult | None:
        entry = self.old.get(cand.path)
        if not isinstance(entry, dict) or entry.get("kind") != cand.kind:
            return None
        stat = _stat(self.root / cand.path)
        if stat is None:
            return None
        if entry.get("stat") != stat:
            sha = _sha(self.root / cand.path)
            if sha is None or sha != entry.get("sha"):
                return None
            entry = {**entry, "stat": stat}
            self.dirty = True
        try:
            result = _decode(cand.path, cand.kind, entry["result"])
        except (KeyError, TypeError, ValueError):
            return None
        self.new[cand.path] = entry
        return result

    def put(self, result: FileResult) -> None:
        if result.source is None:
            return  # not read (a link outside the repository, an I/O error): scan it again
        stat, sha = list(result.source[0]), result.source[1]
        self.new[result.path] = {
            "kind": result.kind,
            "stat": stat,
            "sha": sha,
            "result": _encode(result),
        }
        self.dirty = True

    def save(self) -> None:
        if not self.dirty and set(self.new) == set(self.old):
            return
        from llmward.errors import OutputError
        from llmward.output import write_atomic

        folder = self.root / FOLDER
        try:
            folder.mkdir(exist_ok=True)
            if not (folder / ".gitignore").exists():
                (folder / ".gitignore").write_text("# created by llmward\n*\n", encoding="utf-8")
            write_atomic(
                folder / FILE,
                json.dumps({"key": self.key, "entries": self.new}, separators=(",", ":")),
            )
        except (OSError, OutputError):
            pass  # a cache that cannot be written is only slower next time


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _encode(result: FileResult) -> dict[str, Any]:
    return {
        # vars(), not asdict(): asdict deep-copies every value, the cost of 3 s per 10,000 files
        "summaries": [list(vars(s).values()) for s in result.summaries],
        "findings": [list(vars(f).values()) for f in result.findings],
        "suppressions": [
            [list(s.span), s.target, list(s.codes), s.reason, s.text] for s in result.suppressions
        ],
    }


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _decode(path: str, kind: str, data: dict[str, Any]) -> FileResult:
    from llmward.pipeline import FileResult

    summaries = tuple(Summary(*(_tuples(v) for v in row)) for row in data["summaries"])
    findings = tuple(Finding(*(_tuples(v) for v in row)) for row in data["findings"])
    sups = tuple(
        Suppression(Span(*span), target, tuple(codes), reason, text)
        for span, target, codes, reason, text in data["suppressions"]
    )
    return FileResult(path, kind, summaries, findings, sups)
