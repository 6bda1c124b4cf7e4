"""What several commands share: finding the repository root and its config."""

from __future__ import annotations

from pathlib import Path

from llmward.config import CONFIG_NAMES, LoadedConfig, load_config
from llmward.errors import UsageError


def find_root(start: Path) -> Path:
    """The nearest folder with an llmward config, searching up to the git work tree's top;
    otherwise that top, otherwise `start`."""
    from llmward import git

    start = start.resolve()
    top = git.toplevel(start if start.is_dir() else start.parent)
    for folder in [start, *start.parents]:
        if any((folder / n).is_file() for n in CONFIG_NAMES) or _pyproject_has(folder):
            return folder
        if top is not None and folder == top:
            break
    return top or start


def _pyproject_has(folder: Path) -> bool:
    from llmward.config import has_tool_table

    return has_tool_table(folder / "pyproject.toml")


def root_and_config(
    root_arg: str | None,
    paths: list[str],
    config_arg: str | None,
) -> tuple[Path, LoadedConfig]:
    if root_arg:
        root = Path(root_arg).resolve()
        if not root.is_dir():
            raise UsageError(f"{root_arg}: --root is not a folder")
    else:
        first = Path(paths[0]) if paths else Path.cwd()
        root = find_root(first if first.is_dir() else first.parent)
    from llmward.verified import STORE

    STORE.configure(root)
    return root, load_config(root, Path(config_arg) if config_arg else None)


def git_root(root_arg: str | None) -> Path:
    """The repository to compare: --root, or the git work tree around the current folder."""
    from llmward import git
    from llmward.verified import STORE

    start = Path(root_arg).resolve() if root_arg else Path.cwd()
    top = git.toplevel(start)
    if top is None:
        raise UsageError(f"{start}: not inside a git repository")
    STORE.configure(top)
    return top


def scope(root: Path, paths: list[str]) -> list[str] | None:
    """Repository-relative scope of the given paths; None for the whole repository."""
    out = []
    for raw in paths:
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise UsageError(f"{raw}: no such file or folder")
        full = path.absolute() if path.is_symlink() else path.resolve()
        try:
            rel = full.relative_to(root)
        except ValueError:
            raise UsageError(f"{raw}: outside the repository root {root}") from None
        if str(rel) == ".":
            return None
        out.append(rel.as_posix())
    return out or None
