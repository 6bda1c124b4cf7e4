"""The GitHub Actions runner: workflow commands, step outputs, the job summary.

The runner acts on any printed line that starts with `::`, and llmward prints names and text
taken from the pull request. So under Actions everything llmward prints is fenced with
`::stop-commands::<random token>`, and only the annotations it means to emit go out through
`emit_commands`, which opens the fence for them alone (their data is escaped). Outputs use a
random heredoc delimiter, so no value can end its own entry early and inject another. A summary
over 1 MiB fails to upload, so it is cut with a visible note.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

SUMMARY_LIMIT = 1024 * 1024 - 4096


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


_fence: list[str] = []  # the token of the open ::stop-commands:: fence, if any


@contextmanager
def commands_fenced() -> Iterator[None]:
    """Under Actions, make the runner ignore workflow commands in everything printed inside."""
    if not in_actions() or _fence:
        yield
        return
    _stop()
    try:
        yield
    finally:
        _resume()


def emit_commands(text: str) -> None:
    """Print workflow commands the runner must act on (annotations), outside any fence."""
    if not _fence:
        sys.stdout.write(text)
        return
    _resume()
    sys.stdout.write(text)
    _stop()


def _stop() -> None:
    token = secrets.token_hex(16)
    _fence.append(token)
    sys.stdout.write(f"::stop-commands::{token}\n")
    sys.stdout.flush()


def _resume() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    sys.stdout.write(f"::{_fence.pop()}::\n")
    sys.stdout.flush()


def write_outputs(values: Mapping[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"llmward_{secrets.token_hex(16)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def write_summary(markdown: str) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    if len(markdown.encode()) > SUMMARY_LIMIT:
        cut = markdown.encode()[:SUMMARY_LIMIT].decode("utf-8", "ignore")
        markdown = cut + "\n\n*(summary cut at GitHub's 1 MiB limit: see the SARIF report)*\n"
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(markdown)
