"""The GitHub Actions runner's files: step outputs, the job summary.

Outputs use a random heredoc delimiter, so no value can end its own entry early and inject
another. A summary over 1 MiB fails to upload, so it is cut with a visible note.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

SUMMARY_LIMIT = 1024 * 1024 - 4096


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


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
