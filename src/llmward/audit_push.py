"""Publish the audit ledger without forking its chain.

Two CI jobs that append at once both build on the same tip, and a union merge of their notes
would leave two entries claiming one seq. Instead, on every attempt: fetch the remote ledger,
replay the local entries it lacks on top of its tip (new seq and prev, same statements), and push
without force; if another writer got there first, the push is rejected and the next attempt
replays again. The chain stays one line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from llmward.audit import NOTES_REF, LedgerError, append_record, entries, read_notes
from llmward.errors import GitError
from llmward.git import Repository


@dataclass(frozen=True)
class Pushed:
    replayed: int  # local entries the remote did not have, now on top of its tip
    attempts: int
    head_seq: int


def tracking_ref(remote: str, ref: str) -> str:
    return f"refs/notes/remotes/{remote}/{ref.removeprefix('refs/notes/')}"


def push(
    repo: Repository,
    remote: str = "origin",
    ref: str = NOTES_REF,
    retries: int = 5,
    sleep: Any = time.sleep,
) -> Pushed:
    ref = repo.notes_ref(ref)
    mirror = tracking_ref(remote, ref)
    for attempt in range(1, retries + 1):
        try:
            pending, head = _replay(repo, remote, ref, mirror)
            if repo.push_ref(remote, ref):
                return Pushed(pending, attempt, head)
        except GitError as err:
            raise LedgerError(f"cannot publish the audit ledger: {err}") from None
        sleep(min(2.0**attempt, 30.0))
    raise LedgerError(
        f"the audit ledger on {remote} kept moving: gave up after {retries} "
        "attempts (run `llmward audit push` again)"
    )


def _replay(repo: Repository, remote: str, ref: str, mirror: str) -> tuple[int, int]:
    """Rebuild the local ledger as the remote one plus the local entries it lacks."""
    remote_exists = repo.fetch_ref(remote, ref, mirror)
    theirs = entries(read_notes(repo, mirror)) if remote_exists else []
    known = {e["hash"] for e in theirs}
    pending = [e for e in entries(read_notes(repo, ref)) if e["hash"] not in known]
    if pending:
        repo.set_ref(ref, repo.ref_target(mirror) if remote_exists else None)
        for entry in pending:
            append_record(repo, entry["statement"], ref)
    latest = entries(read_notes(repo, ref))
    return len(pending), latest[-1]["seq"] if latest else 0
