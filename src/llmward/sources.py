"""Where project files are read from: the work tree, or a snapshot of the repository in git.

Comparing refs reads the config and policy packs from BASE through a TreeSource, so a change can
never weaken the rules it is judged by.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from llmward.git import Repository


class Source(Protocol):
    def files_under(self, folder: str) -> list[str]:
        """Repository-relative paths of the files below `folder`, sorted."""
        ...

    def read(self, path: str) -> bytes:
        """The file's bytes; FileNotFoundError if it is not there."""
        ...

    def label(self, path: str) -> str:
        """How to name the file in a message."""
        ...


class WorktreeSource:
    def __init__(self, root: Path) -> None:
        self.root = root

    def files_under(self, folder: str) -> list[str]:
        base = (self.root / folder).resolve()
        if not base.is_dir():
            return []
        root = self.root.resolve()
        return sorted(
            p.relative_to(root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and p.resolve().is_relative_to(root)
        )

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()

    def label(self, path: str) -> str:
        return str(self.root / path)


class TreeSource:
    """Files as they are in one commit (or the index)."""

    def __init__(self, repo: Repository, snapshot: str, files: dict[str, str]) -> None:
        self.repo = repo
        self.snapshot = snapshot
        self.files = files

    def files_under(self, folder: str) -> list[str]:
        prefix = folder.strip("/") + "/" if folder.strip("/.") else ""
        return sorted(p for p in self.files if p.startswith(prefix))

    def read(self, path: str) -> bytes:
        blob = self.files.get(path)
        if blob is None:
            raise FileNotFoundError(path)
        return self.repo.read(self.snapshot, path, blob)

    def label(self, path: str) -> str:
        return f"{self.snapshot[:12]}:{path}"
