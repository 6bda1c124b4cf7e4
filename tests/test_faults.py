"""Faults, one test each: what llmward does when GitHub, git or the disk fails it.

GitHub's faults are served by the fake on 127.0.0.1 (tests/github_fake.py) to the real
`run_check` of a real history that needs one approval (test_check.py's `history`). Its client
records each wait instead of sleeping and times out in 0.2 s, so every retry is asserted and the
suite stays fast. The rule: a fault gives a verdict that fails and says why, never a silent pass;
repeating is left to what is safe to repeat. Git and disk faults run the `llmward check` command.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import corrupt, git, make_repo
from github_fake import FakeGitHub
from llmward.check import PullRequest, Verdict, run_check
from llmward.cli import main
from llmward.github import Client, GitHubReviews
from test_check import CONFIG, PINS, REPO, history
from test_github import _no_proxy  # noqa: F401 (an autouse fixture: importing it applies it here)

NUMBER = 7
REVIEWS = f"/repos/{REPO}/pulls/{NUMBER}/reviews"
NOW = 1_700_000_000.0
APPROVAL = "needs 1 approval(s) from @acme/ml; has 0"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.add_pull(REPO, NUMBER)
        server.set_membership("acme", "ml", "carol")
        yield server


@pytest.fixture
def change(tmp_path: Path) -> tuple[Path, str, str]:
    """A production temperature raise (high): it needs one approval from @acme/ml."""
    return history(tmp_path)


def check_with(
    fake: FakeGitHub, change: tuple[Path, str, str], waits: list[float], approved: bool = True
) -> Verdict:
    """The verdict, with carol's approval on the head commit unless `approved` is False."""
    repo, base, head = change
    if approved:
        fake.add_review(REPO, NUMBER, "carol", "APPROVED", head)
    client = Client(fake.url, fake.token, timeout=0.2, sleep=waits.append, clock=lambda: NOW)
    pr = PullRequest(REPO, NUMBER, base, head, "alice")
    reviews = GitHubReviews(client, REPO, NUMBER, head, "alice")
    return run_check(repo, base, head, pr=pr, fail_on=None, config_path=None, github=reviews)


def failed_closed(verdict: Verdict) -> str:
    """The verdict fails, saying the reviews could not be read; returns that reason."""
    assert not verdict.passed
    [error] = verdict.errors
    assert f"evidence unreadable: {error}" in verdict.reasons
    assert error.startswith(f"github-review: reading the reviews of {REPO}#{NUMBER}: ")
    return error


# --- GitHub's API -------------------------------------------------------------------------------


def test_github_401_bad_credentials(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    fake.fail(REVIEWS, 401, times=None)
    waits: list[float] = []
    error = failed_closed(check_with(fake, change, waits))
    assert error.endswith(
        "GitHub answered 401 (Bad credentials): the token was rejected: check "
        "the github-token input (expired, revoked, or another host)"
    )
    assert (len(fake.calls("GET", REVIEWS)), waits) == (1, [])  # not retried: it would not help


def test_github_403_forbidden(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    fake.fail(REVIEWS, 403, times=None)
    waits: list[float] = []
    error = failed_closed(check_with(fake, change, waits))
    assert error.endswith(
        "GitHub answered 403 (Resource not accessible by integration): the token cannot read "
        "pull requests: give the job `pull-requests: read`"
    )
    assert (len(fake.calls("GET", REVIEWS)), waits) == (1, [])


def test_github_404_not_found(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    fake.fail(REVIEWS, 404, times=None)
    waits: list[float] = []
    error = failed_closed(check_with(fake, change, waits))
    assert error.endswith(
        "GitHub answered 404 (Not Found): pull request not found or the token cannot read it "
        "(needs pull-requests: read)"
    )
    assert (len(fake.calls("GET", REVIEWS)), waits) == (1, [])


def test_github_422_unprocessable(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    body = {"message": "Validation Failed", "errors": [{"code": "invalid", "field": "page"}]}
    fake.fail(REVIEWS, 422, body=body, times=None)
    waits: list[float] = []
    error = failed_closed(check_with(fake, change, waits))
    assert error.endswith(
        "GitHub answered 422 (Validation Failed: invalid): GitHub refused the request as invalid"
    )
    assert (len(fake.calls("GET", REVIEWS)), waits) == (1, [])


def test_github_5xx_retried_with_backoff(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    """Two 502s then the answer: the approval counts. 503s throughout: it fails after 3 retries."""
    fake.fail(REVIEWS, 502, times=2)
    waits: list[float] = []
    assert check_with(fake, change, waits).passed
    assert (len(fake.calls("GET", REVIEWS)), waits) == (3, [1.0, 2.0])
    fake.fail(REVIEWS, 503, times=None)
    waits.clear()
    error = failed_closed(check_with(fake, change, waits, approved=False))
    assert error.endswith("GitHub answered 503 (Error): try again later")
    assert (len(fake.calls("GET", REVIEWS)), waits) == (3 + 4, [1.0, 2.0, 4.0])


def test_github_rate_limit_retry_after(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    """Retry-After: 7 is waited out; a wait longer than a minute fails now instead."""
    fake.fail(REVIEWS, 429, headers={"Retry-After": "7"})
    waits: list[float] = []
    assert check_with(fake, change, waits).passed
    assert (len(fake.calls("GET", REVIEWS)), waits) == (2, [7.0])
    fake.fail(REVIEWS, 429, headers={"Retry-After": "3600"}, times=None)
    waits.clear()
    error = failed_closed(check_with(fake, change, waits, approved=False))
    assert error.endswith(
        "GitHub's rate limit was hit (429 (You have exceeded a secondary rate limit.)); it asks "
        "to wait 3600 s: run again later, or use a token with a higher limit"
    )
    assert waits == []


def test_github_timeout(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    fake.fail(REVIEWS, 200, body=[], delay=5.0, times=None)
    waits: list[float] = []
    error = failed_closed(check_with(fake, change, waits))
    assert error.endswith(f"{fake.url.removeprefix('http://')} did not answer in time")
    assert (len(fake.calls("GET", REVIEWS)), waits) == (4, [1.0, 2.0, 4.0])


def test_github_malformed_json(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    fake.fail(REVIEWS, 200, body=b'[{"id": 1, "state": "APPROVED"', times=None)
    waits: list[float] = []
    error = failed_closed(check_with(fake, change, waits))
    assert "GitHub's answer is not valid JSON (" in error
    assert waits == []


def test_github_pagination_cut_short(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    """carol approves (page 1), then requests changes (page 3). Page 3 fails: the first two
    pages alone would pass the change, so the verdict must fail instead."""
    _, _, head = change
    fake.add_review(REPO, NUMBER, "carol", "APPROVED", head)
    for n in range(248):
        fake.add_review(REPO, NUMBER, f"user{n}", "COMMENTED", head)
    fake.add_review(REPO, NUMBER, "carol", "CHANGES_REQUESTED", head)
    fake.fail(REVIEWS, 404, query={"page": "3"}, times=None)
    waits: list[float] = []
    error = failed_closed(check_with(fake, change, waits, approved=False))
    assert "GitHub answered 404 (Not Found)" in error
    pages = [r.query.get("page") for r in fake.calls("GET", REVIEWS)]
    assert pages == [None, "2", "3"]


def test_github_page_body_cut_short(fake: FakeGitHub, change: tuple[Path, str, str]) -> None:
    """The connection drops mid-page (fewer bytes than Content-Length): retried, then fails."""
    page = json.dumps([{"id": 1, "user": {"login": "carol"}, "state": "APPROVED"}]).encode()
    fake.fail(REVIEWS, 200, body=page, truncate=20, times=None)
    waits: list[float] = []
    error = failed_closed(check_with(fake, change, waits))
    assert error.endswith(
        f"GitHub's answer was cut short (20 of {len(page)} bytes): try again later"
    )
    assert (len(fake.calls("GET", REVIEWS)), waits) == (4, [1.0, 2.0, 4.0])


# --- git ----------------------------------------------------------------------------------------


def llmward(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "llmward", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_missing_base_ref(change: tuple[Path, str, str]) -> None:
    repo, _, head = change
    done = llmward(repo, "check", "--base", "f" * 40, "--head", head)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"llmward: error: '{'f' * 40}' does not name a commit here (check the name, or "
        "`git fetch` it first)\n"
    )


def test_shallow_base_ref(tmp_path: Path, change: tuple[Path, str, str]) -> None:
    """CI's default checkout (depth 1) has no base commit: say so, and how to fetch it."""
    origin, base, _ = change
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    done = llmward(clone, "check", "--base", base, "--head", "HEAD")
    assert (done.returncode, done.stdout) == (2, "")
    assert "not in this shallow clone" in done.stderr and "fetch-depth: 0" in done.stderr


BOB = (
    'bob@example.com namespaces="llmward" ssh-ed25519 '
    "AAAAC3NzaC1lZDI1NTE5AAAAIAYLlRwUe38bWwnhtZeNztX4BhskYp7pQSD4ONTi78k2\n"
)


def test_corrupted_approvals_notes_ref(tmp_path: Path) -> None:
    """Signed approvals cannot be read: the check fails with the reason, it does not pass."""
    config = CONFIG + "  allowed_signers: .github/allowed_signers\n"
    repo = make_repo(
        tmp_path / "repo",
        {".llmward.yaml": config, "prod/models.yaml": PINS, ".github/allowed_signers": BOB},
    )
    (repo / "prod/models.yaml").write_text(PINS.replace("0.2,", "0.9,"))
    git(repo, "commit", "-qam", "raise temperature")
    corrupt(repo, "refs/notes/llmward/approvals")
    done = llmward(repo, "check", "--base", "HEAD~1", "--head", "HEAD")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("llmward check: FAIL\n")
    assert (
        "  - evidence unreadable: signed-note: cannot read the signed approvals: "
        "refs/notes/llmward/approvals points at a blob, not a commit: the notes ref is corrupt"
        in done.stdout
    )


def test_corrupted_audit_ledger_ref(change: tuple[Path, str, str]) -> None:
    repo, base, head = change
    corrupt(repo, "refs/notes/llmward/audit")
    done = llmward(repo, "check", "--base", base, "--head", head, "--audit-dir", "audit")
    assert done.returncode == 2
    assert done.stdout.startswith("llmward check: FAIL\n")  # the verdict is printed first
    assert done.stderr.startswith(
        "llmward: error: cannot read the audit ledger: refs/notes/llmward/audit points at a "
        "blob, not a commit: the notes ref is corrupt"
    )
    assert not (repo / "audit").exists() or list((repo / "audit").iterdir()) == []


# --- the disk -----------------------------------------------------------------------------------


def check_in_process(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["check", "--base", "HEAD~1", "--head", "HEAD", *args])
    finally:
        os.chdir(cwd)
    return code, capsys.readouterr().err


def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)


def read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """EROFS where the temporary file is made: simulated, because tests may run as root, whom a
    read-only mode does not stop."""

    def refuse(*_: object, **__: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


FULL = "No space left on device"
READ_ONLY = "Read-only file system"
SARIF, RECORD = "out/llmward.sarif", "audit/llmward-audit-1.json"


def refused_write(
    repo: Path, capsys: pytest.CaptureFixture[str], path: str, why: str, *args: str
) -> None:
    """`llmward check` with an output it cannot write: exit 2, the file and the reason named."""
    code, err = check_in_process(repo, capsys, *args)
    assert code == 2
    assert err == f"llmward: error: {path}: cannot write ({why}); nothing was written\n"


def test_full_disk_writing_sarif(
    change: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, _, _ = change
    (repo / "out").mkdir()
    (repo / "out/llmward.sarif").write_text("previous\n")
    disk_full(monkeypatch)
    refused_write(repo, capsys, SARIF, FULL, "--sarif", SARIF)
    assert (repo / "out/llmward.sarif").read_text() == "previous\n"
    assert files_in(repo / "out") == ["llmward.sarif"]  # no temporary file left behind


def test_read_only_output_path_writing_sarif(
    change: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, _, _ = change
    read_only(monkeypatch)
    refused_write(repo, capsys, SARIF, READ_ONLY, "--sarif", SARIF)
    assert files_in(repo / "out") == []


def test_full_disk_writing_the_audit_record(
    change: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, _, _ = change
    disk_full(monkeypatch)
    refused_write(repo, capsys, RECORD, FULL, "--audit-dir", "audit", "--no-ledger")
    assert files_in(repo / "audit") == []


def test_read_only_output_path_writing_the_audit_record(
    change: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, _, _ = change
    read_only(monkeypatch)
    refused_write(repo, capsys, RECORD, READ_ONLY, "--audit-dir", "audit", "--no-ledger")
    assert files_in(repo / "audit") == []


def test_audit_record_write_failure_leaves_the_ledger_as_it_was(
    change: tuple[Path, str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, _, _ = change
    disk_full(monkeypatch)
    code, err = check_in_process(repo, capsys, "--audit-dir", "audit")
    assert code == 2 and "nothing was written" in err
    assert git(repo, "notes", "--ref=llmward/audit", "list") == ""
