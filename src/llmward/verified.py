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

from llmward import __version__

FOLDER = ".llmward_cache"
FILE = "verified-v1.json"


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
    def __init__(self) -> None:
        self.path: Path | None = None
        self.known: set[str] = set()
        self.added: set[str] = set()

    def configure(self, root: Path | None) -> None:
        self.path, self.known, self.added = None, set(), set()
        if root is None or os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
            return
        path = root / FOLDER / FILE
        if path.is_file() and not path.is_symlink():
            from llmward import git

            if git.is_tracked(root, f"{FOLDER}/{FILE}"):
                return
            try:
                self.known = set(json.loads(path.read_text("utf-8")))
            except (OSError, ValueError, TypeError):
                self.known = set()
        self.path = path

    def key(self, raw: bytes, what: str) -> str:
        return hashlib.sha256(f"{code_fingerprint()}\0{what}\0".encode() + raw).hexdigest()

    def save(self) -> None:
        if self.path is None or not self.added:
            return
        from llmward.errors import OutputError
        from llmward.output import write_atomic

        try:
            self.path.parent.mkdir(exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# created by llmward\n*\n", encoding="utf-8")
            write_atomic(self.path, json.dumps(sorted(self.known | self.added)))
        except (OSError, OutputError):
            pass  # only slower next time
        self.added = set()


STORE = _Store()


class Seen:
    def __init__(self, key: str, ok: bool) -> None:
        self.key = key
        self.ok = ok

    def mark(self) -> None:
        if STORE.path is not None:
            STORE.added.add(self.key)


@contextmanager
def verified(raw: bytes, what: str) -> Iterator[Seen]:
    key = STORE.key(raw, what) if STORE.path is not None else ""
    yield Seen(key, bool(key) and key in STORE.known)
