"""Two CI jobs record at once: publishing replays one on top of the other, never forks the chain."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import GIT_ENV, git, make_repo
from llmward.audit import append_record, entries, read_notes, verify
from llmward.audit_push import push
from llmward.git import Repository

REF = "refs/notes/llmward/audit"


def statement(head: str, n: int) -> dict[str, Any]:
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": f"git:{head}", "digest": {"gitCommit": head}}],
        "predicateType": "https://llmward.dev/audit/v1",
        "predicate": {"version": 1, "head": head, "verdict": "pass", "pr": n},
    }


def clones(tmp_path: Path) -> tuple[Path, Path, str]:
    origin = make_repo(tmp_path / "work", {"a.txt": "a\n"})
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(origin), str(bare))
    one, two = tmp_path / "one", tmp_path / "two"
    for clone in (one, two):
        git(tmp_path, "clone", "-q", str(bare), str(clone))
    return one, two, git(one, "rev-parse", "HEAD").strip()


def test_a_rejected_push_is_replayed_on_top(tmp_path: Path) -> None:
    one, two, head = clones(tmp_path)
    append_record(Repository(one), statement(head, 1))
    append_record(Repository(two), statement(head, 2))  # both are seq 1 on an empty ledger
    sleeps: list[float] = []
    first = push(Repository(one), sleep=sleeps.append)
    second = push(Repository(two), sleep=sleeps.append)
    assert (first.head_seq, second.head_seq, second.replayed) == (1, 2, 1)
    git(one, "fetch", "-q", "origin", f"+{REF}:{REF}")
    chain = entries(read_notes(Repository(one), REF))
    assert [(e["seq"], e["statement"]["predicate"]["pr"]) for e in chain] == [(1, 1), (2, 2)]
    assert chain[1]["prev"] == chain[0]["hash"]
    assert verify(read_notes(Repository(one), REF)).intact


def test_push_with_nothing_new_is_a_no_op(tmp_path: Path) -> None:
    one, _, head = clones(tmp_path)
    append_record(Repository(one), statement(head, 1))
    push(Repository(one))
    again = push(Repository(one))
    assert (again.replayed, again.head_seq) == (0, 1)


def test_cli_push_reports_what_it_published(tmp_path: Path) -> None:
    one, _, head = clones(tmp_path)
    append_record(Repository(one), statement(head, 1))
    done = subprocess.run(
        [sys.executable, "-m", "llmward", "audit", "push"],
        cwd=one,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **GIT_ENV},
    )
    assert done.returncode == 0, done.stderr
    assert "head seq 1; 1 entry published" in done.stdout


def test_a_bad_remote_name_is_refused(tmp_path: Path) -> None:
    one, _, _ = clones(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "llmward", "audit", "push", "--remote=--upload-pack=x"],
        cwd=one,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "is not a git remote name" in done.stderr
