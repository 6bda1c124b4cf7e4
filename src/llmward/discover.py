"""Which files are artifacts, of which kind, and in which environments.

A candidate's kind is one of llmward's own (prompt, model, guardrail), a format name (a file of
another tool's format, by name: `*.prompty`), or "auto": a `detect:` file (`*.yaml`) whose format
its content decides when it is read (formats.read).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from llmward.config import DEFAULT_EXCLUDE, Config


@dataclass(frozen=True, order=True)
class Candidate:
    path: str  # repository-relative, POSIX separators
    kind: str


def glob_to_regex(pattern: str) -> str:
    """Translate a gitignore-style glob (`**` crosses folders, `*` does not) to a regex."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            j = pattern.index("]", i + 1)
            body = pattern[i + 1 : j].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = j + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def compile_globs(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(glob_to_regex(p.lstrip("/")) for p in patterns)
    return re.compile(f"(?:{body})\\Z")


def matches(patterns: Sequence[str], path: str) -> bool:
    regex = compile_globs(tuple(patterns))
    return regex is not None and regex.match(path) is not None


class Classifier:
    """Maps a relative path to its artifact kind (or None) and its environments."""

    def __init__(self, config: Config, nested: tuple[str, ...] = ()) -> None:
        """`nested`: folders of other projects inside this one, left to their own config."""
        globs = config.artifacts
        self.kinds = [
            (kind, compile_globs(tuple(getattr(globs, kind))))
            for kind in ("prompt", "model", "guardrail")
        ]
        from llmward import formats

        chosen: dict[str, tuple[str, ...]] = {str(k): v for k, v in config.formats.items()}
        self.formats = [
            (name, compile_globs(chosen.get(name, formats.default_globs(name))))
            for name in formats.FORMATS
        ]
        self.detect = compile_globs(tuple(config.detect))
        self.exclude = compile_globs(
            DEFAULT_EXCLUDE + tuple(config.exclude) + tuple(f"{n}/**" for n in nested)
        )
        self.environments = [
            (name, compile_globs(tuple(globs_)))
            for name, globs_ in sorted(config.environments.items())
        ]

    def kind(self, path: str) -> str | None:
        if self.exclude is not None and self.exclude.match(path):
            return None
        for kind, regex in self.kinds:
            if regex is not None and regex.match(path):
                return kind
        for name, regex in self.formats:
            if regex is not None and regex.match(path):
                return name
        if self.detect is not None and self.detect.match(path):
            return "auto"
        return None

    def environments_of(self, path: str) -> tuple[str, ...]:
        return tuple(
            name for name, regex in self.environments if regex is not None and regex.match(path)
        )


SKIP_FOLDERS = frozenset(
    {
        ".git",
        "node_modules",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".llmward_cache",
        "site-packages",
        ".mypy_cache",
        ".ruff_cache",
    }
)


def _skip(folder: str, name: str) -> bool:
    """Version control, caches, and any virtual environment (it holds a pyvenv.cfg)."""
    return name in SKIP_FOLDERS or (Path(folder) / name / "pyvenv.cfg").exists()


def walk(root: Path) -> list[str]:
    """Every file below root outside git (not following folder links), relative and sorted."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not _skip(folder, d)]
        rel = os.path.relpath(folder, root)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        found.extend(prefix + f for f in files)
    return sorted(found)


def list_files(root: Path) -> list[str]:
    from llmward import git

    listed = git.list_files(root)
    return walk(root) if listed is None else listed


def discover(
    root: Path, classifier: Classifier, files: Iterable[str] | None = None
) -> list[Candidate]:
    paths = list_files(root) if files is None else files
    out = [Candidate(p, k) for p in paths if (k := classifier.kind(p)) is not None]
    return sorted(out)
