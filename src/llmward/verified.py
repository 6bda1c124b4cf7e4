"""Remember which config, policy and catalog files already passed validation, by content hash.

Validating them needs pydantic, whose import alone costs more than a whole pre-commit run may take.
A file whose exact bytes were validated by this exact llmward build is rebuilt without it. The
record lives beside the lint cache, under the same rules: never in CI, never when git tracks it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from llmward import __version__

FOLDER = ".llmward_cache"
FILE = "verified-v2.json"


@cache
def code_fingerprint() -> str:
    """Size and mtime of llmward's own files: a changed install never trusts old records."""
    package = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json"):
            stat = path.stat()
            digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


class _Store:
    """key -> the file's parsed data, for every file this build validated (JSON, never code)."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.known: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.dirty = False

    def configure(self, root: Path | None) -> None:
        self.path, self.known, self.used, self.dirty = None, {}, {}, False
        if root is None or os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
            return
        path = root / FOLDER / FILE
        if path.is_file() and not path.is_symlink():
            from llmward import git

            if git.is_tracked(root, f"{FOLDER}/{FILE}"):
                return
            try:
                loaded = json.loads(path.read_text("utf-8"))
                self.known = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self.known = {}
        self.path = path

    def key(self, raw: bytes, what: str) -> str:
        return hashlib.sha256(f"{code_fingerprint()}\0{what}\0".encode() + raw).hexdigest()

    def save(self) -> None:
        """Keep what this run used or added: entries for files that changed fall away."""
        if self.path is None or not (self.dirty or self.used.keys() != self.known.keys()):
            return
        from llmward.errors import OutputError
        from llmward.output import write_atomic

        try:
            self.path.parent.mkdir(exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by llmward\n*\n", encoding="utf-8")
            write_atomic(self.path, json.dumps(self.used, separators=(",", ":")))
        except (OSError, OutputError):
            pass  # only slower next time
        self.dirty = False


STORE = _Store()


class Seen:
    """Was this exact content validated by this exact build? If so, `data` is what it parsed to."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.ok = bool(key) and key in STORE.known
        self.data: Any = STORE.known.get(key) if self.ok else None
        if self.ok:
            STORE.used[key] = self.data

    def mark(self, data: Any) -> None:
        if STORE.path is not None:
            STORE.used[self.key] = data
            STORE.dirty = True


@contextmanager
def verified(raw: bytes, what: str) -> Iterator[Seen]:
    yield Seen(STORE.key(raw, what) if STORE.path is not None else "")
