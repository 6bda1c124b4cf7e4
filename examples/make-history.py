#!/usr/bin/env python3
"""Build a git history for the support-bot example, so `llmward diff` has changes to read.

    python3 examples/make-history.py /tmp/support-bot-history
    cd /tmp/support-bot-history && llmward diff HEAD~3 HEAD~2    # a reviewed prompt edit: low
                                   llmward diff HEAD~1 HEAD      # a risky weekend fix: critical

Four commits, as four pull requests would land them:
  1. the example as it is;
  2. a wording fix in the triage prompt;
  3. the triage model moves to the next dated snapshot;
  4. "latency fix": the injection rail of the customer-facing guardrail removed, its toxicity
     threshold loosened, and the fallback pin's temperature raised.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "support-bot"
IDENTITY = {"GIT_AUTHOR_NAME": "Dana Reyes", "GIT_AUTHOR_EMAIL": "dana@example.com",
            "GIT_COMMITTER_NAME": "Dana Reyes", "GIT_COMMITTER_EMAIL": "dana@example.com",
            "GIT_AUTHOR_DATE": "2026-11-02T10:00:00Z", "GIT_COMMITTER_DATE": "2026-11-02T10:00:00Z"}

EDITS = [
    ("Triage: say 'order number' the way customers write it",
     "prompts/live/triage.prompt.yaml",
     "Read the ticket between the <ticket> tags",
     "Read the ticket (between the <ticket> tags)"),
    ("Models: move triage to the latest dated gpt-4o-mini snapshot",
     "models.yaml", None, None),
    ("Latency fix before the weekend sale",
     "guardrails/live/customer-facing.guardrails.yaml", None, None),
]


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, **IDENTITY}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"{path}: expected text not found: {old!r}")
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def main(target: Path) -> int:
    if target.exists():
        raise SystemExit(f"{target} already exists")
    shutil.copytree(HERE, target)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "Support bot: prompts, model pins and guardrails")
    replace(target / EDITS[0][1], EDITS[0][2], EDITS[0][3])
    git(target, "commit", "-q", "-am", EDITS[0][0])
    replace(target / "models.yaml", "gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-09-12")
    git(target, "commit", "-q", "-am", EDITS[1][0])
    rails = target / EDITS[2][1]
    replace(rails, "  - type: jailbreak\n    threshold: 0.6\n    action: block\n"
                   "    options: {model: safety-classifier}\n", "")
    replace(rails, "threshold: 0.95", "threshold: 0.99")
    replace(target / "models.yaml", "params: {temperature: 0.3, max_tokens: 800}",
            "params: {temperature: 0.9, max_tokens: 800}")
    git(target, "commit", "-q", "-am", EDITS[2][0])
    print(f"wrote a 4-commit history to {target}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    raise SystemExit(main(Path(sys.argv[1])))
