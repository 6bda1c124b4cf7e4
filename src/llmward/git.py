"""Everything that touches git lives here.

The lint path only lists files (one `git ls-files` call, no GitPython import: it keeps the
pre-commit hook fast). Reading artifacts at other refs uses GitPython.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=root,
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def toplevel(start: Path) -> Path | None:
    """The root of the git work tree containing `start`, or None outside a repository."""
    done = _run(start, "rev-parse", "--show-toplevel")
    if done is None or done.returncode != 0:
        return None
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip())


def list_files(root: Path) -> list[str] | None:
    """Tracked and untracked-but-not-ignored files, relative to root; None outside git."""
    done = _run(
        root,
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--deduplicate",
        "--",
        ".",
    )
    if done is None or done.returncode != 0:
        return None
    names = done.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({n for n in names if n})


def is_tracked(root: Path, path: str) -> bool:
    done = _run(root, "ls-files", "--error-unmatch", "--", path)
    return done is not None and done.returncode == 0
