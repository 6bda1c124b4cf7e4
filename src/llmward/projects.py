"""Which config governs which file: every folder holding an llmward config is a project.

As in ruff, a file belongs to the nearest project above it, and a project's run leaves out the
folders of projects nested inside it. Paths in every report stay relative to the repository top,
so GitHub annotations and SARIF results point at real files wherever the config sits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from llmward.config import CONFIG_NAMES, has_tool_table


@dataclass(frozen=True)
class Project:
    folder: str  # relative to the repository top, "" for the top itself
    nested: tuple[str, ...]  # folders of projects inside this one, relative to `folder`
    paths: tuple[str, ...] | None  # what to report on, relative to `folder`; None = everything

    def prefix(self) -> str:
        return f"{self.folder}/" if self.folder else ""


def project_folders(top: Path, files: Iterable[str]) -> list[str]:
    """Folders (relative to top) that hold an llmward config; "" is always one."""
    found = {""}
    for name in files:
        folder, _, base = name.rpartition("/")
        if base in CONFIG_NAMES or (base == "pyproject.toml" and has_tool_table(top / name)):
            found.add(folder)
    return sorted(found)


def owner(path: str, folders: list[str]) -> str:
    """The deepest project folder containing `path` (a file or folder, relative to top)."""
    best = ""
    for folder in folders:
        if folder and (path == folder or path.startswith(folder + "/")) and len(folder) > len(best):
            best = folder
    return best


def plan(folders: list[str], targets: list[str] | None) -> list[Project]:
    """One run per project that has something to check; `targets` None means the whole tree."""
    wanted: dict[str, list[str] | None] = {}
    if targets is None:
        wanted = dict.fromkeys(folders)
    else:
        for target in targets:
            folder = owner(target, folders)
            inner = target[len(folder) + 1 :] if folder else target
            if inner in ("", ".") or target == folder:
                wanted[folder] = None
            elif wanted.get(folder, []) is not None:
                wanted.setdefault(folder, []).append(inner)  # type: ignore[union-attr]
        for folder in folders:  # a folder target takes in the projects nested in it
            for target in targets:
                if folder and folder.startswith(target.rstrip("/") + "/") and target != folder:
                    wanted[folder] = None
    return [
        Project(f, _nested(f, folders), None if p is None else tuple(p))
        for f, p in sorted(wanted.items())
    ]


def _nested(folder: str, folders: list[str]) -> tuple[str, ...]:
    prefix = f"{folder}/" if folder else ""
    return tuple(f[len(prefix) :] for f in folders if f != folder and f.startswith(prefix))
