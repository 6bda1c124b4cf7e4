"""Writing output files: to a temporary file beside the target, then an atomic rename.

A full disk or a read-only folder leaves the old file (or none) in place, never a half-written one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from llmward.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` via a temporary file and a rename. A target that exists but is not a
    regular file (/dev/null, /dev/stdout, a FIFO) is written directly: renaming over it would
    replace the device itself."""
    if path.exists() and not path.is_file():
        _write_special(path, text)
        return
    folder = path.parent if str(path.parent) else Path()
    tmp_name = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        Path(tmp_name).chmod(0o666 & ~_umask())  # mkstemp makes 0600; reports are shared files
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp_name).replace(path)
        tmp_name = None
    except OSError as err:
        raise OutputError(
            f"{path}: cannot write ({err.strerror or err}); nothing was written"
        ) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                Path(tmp_name).unlink()


def _write_special(path: Path, text: str) -> None:
    try:
        with path.open("w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as err:
        raise OutputError(f"{path}: cannot write ({err.strerror or err})") from None
