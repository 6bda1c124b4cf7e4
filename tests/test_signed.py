"""Signed git-native approvals: real SSH keys, real notes, real histories."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import corrupt, git, make_repo
from llmward.cli import COMMANDS, main
from llmward.commands import approve as approve_command
from llmward.errors import EXIT_USAGE, LlmwardError
from llmward.evidence import Approval, EvidenceError
from llmward.git import INDEX, WORKTREE, Repository
from llmward.signed import (
    AGAINST,
    NOTES_REF,
    STALE,
    NoteLine,
    Record,
    SignedApprovals,
    SignedNoteError,
    approve,
    canonical,
    change_set_digest,
    fingerprint,
    sign,
)

PROMPT = "id: triage\nmessages:\n  - {role: system, content: You sort tickets.}\n"
PEOPLE = ("alice", "bob", "mallory")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A real ed25519 key pair per person, made once for the module."""
    folder = tmp_path_factory.mktemp("keys")
    for name in PEOPLE:
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name), "-C", name],
            check=True,
            capture_output=True,
        )
    return {name: folder / name for name in PEOPLE}


def signer(name: str, keys: dict[str, Path]) -> str:
    keytype, blob = keys[name].with_suffix(".pub").read_text().split()[:2]
    return f'{name}@example.com namespaces="llmward" {keytype} {blob}\n'


def key_fingerprint(key: Path) -> str:
    out = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(key.with_suffix(".pub"))],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.split()[1]


@pytest.fixture
def repo(tmp_path: Path, keys: dict[str, Path]) -> Path:
    """main lists alice and bob in allowed_signers; the branch `feature` changes a prompt."""
    root = make_repo(
        tmp_path / "repo",
        {
            "prompts/triage.prompt.yaml": PROMPT,
            "allowed_signers": signer("alice", keys) + signer("bob", keys),
        },
    )
    git(root, "checkout", "-q", "-b", "feature")
    (root / "prompts/triage.prompt.yaml").write_text(PROMPT.replace("sort", "triage"))
    git(root, "commit", "-qam", "reword the prompt")
    return root


def base_signers(root: Path) -> bytes:
    """allowed_signers as the base branch holds it: what a caller must pass."""
    return subprocess.run(
        ["git", "show", "main:allowed_signers"], cwd=root, check=True, capture_output=True
    ).stdout


def found(root: Path, head: str = "HEAD", signers: bytes | None = None) -> list[Approval]:
    allowed = base_signers(root) if signers is None else signers
    return SignedApprovals(Repository(root), "main", head, allowed).approvals()


def sign_as(root: Path, keys: dict[str, Path], name: str, principal: str | None = None) -> None:
    approve(Repository(root), "main", "HEAD", keys[name], principal or f"{name}@example.com")


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def note_lines(root: Path, commit: str = "HEAD") -> list[str]:
    text = git(root, "notes", f"--ref={NOTES_REF}", "show", commit)
    return [line for line in text.splitlines() if line]


def rewrite_note(root: Path, lines: list[str]) -> None:
    git(root, "notes", f"--ref={NOTES_REF}", "add", "-f", "-m", "\n".join(lines), "HEAD")


# ---- the digest --------------------------------------------------------------------------------


def test_the_digest_is_the_documented_serialisation(repo: Path) -> None:
    rev = {r: git(repo, "rev-parse", r).strip() for r in ("main^{tree}", "HEAD^{tree}")}
    old_blob = git(repo, "rev-parse", "main:prompts/triage.prompt.yaml").strip()
    new_blob = git(repo, "rev-parse", "HEAD:prompts/triage.prompt.yaml").strip()
    path = "prompts/triage.prompt.yaml"
    payload = {
        "version": 1,
        "base_tree": rev["main^{tree}"],
        "head_tree": rev["HEAD^{tree}"],
        "changes": [["M", path, path, old_blob, new_blob, "100644", "100644"]],
    }
    expected = hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    assert change_set_digest(Repository(repo), "main", "HEAD") == f"sha256:{expected}"


def test_the_same_trees_give_the_same_digest(repo: Path) -> None:
    before = change_set_digest(Repository(repo), "main", "HEAD")
    git(repo, "commit", "-q", "--amend", "-m", "another message, same change")
    git(repo, "commit", "-q", "--allow-empty", "-m", "and an empty commit")
    assert change_set_digest(Repository(repo), "main", "HEAD") == before


def test_a_later_push_changes_the_digest(repo: Path) -> None:
    before = change_set_digest(Repository(repo), "main", "HEAD")
    (repo / "prompts/triage.prompt.yaml").write_text(PROMPT.replace("sort", "rank"))
    git(repo, "commit", "-qam", "reword again")
    assert change_set_digest(Repository(repo), "main", "HEAD") != before


def test_a_mode_change_alone_changes_the_digest(repo: Path) -> None:
    before = change_set_digest(Repository(repo), "main", "HEAD")
    git(repo, "update-index", "--chmod=+x", "prompts/triage.prompt.yaml")
    git(repo, "commit", "-qm", "make it executable")
    assert change_set_digest(Repository(repo), "main", "HEAD") != before


def test_a_rebase_onto_another_base_changes_the_digest(repo: Path) -> None:
    before = change_set_digest(Repository(repo), "main", "HEAD")
    git(repo, "checkout", "-q", "main")
    (repo / "README.md").write_text("unrelated\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "unrelated change on main")
    git(repo, "checkout", "-q", "feature")
    git(repo, "rebase", "-q", "main")
    assert change_set_digest(Repository(repo), "main", "HEAD") != before


# ---- approving and verifying -------------------------------------------------------------------


def test_an_approval_by_an_allowed_signer_counts(repo: Path, keys: dict[str, Path]) -> None:
    sign_as(repo, keys, "alice")
    [approval] = found(repo)
    digest = change_set_digest(Repository(repo), "main", "HEAD")
    assert approval == Approval(
        "alice@example.com",
        "signed-note",
        f"{digest} {key_fingerprint(keys['alice'])}",
        head(repo),
        approval.time,
        True,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", approval.time or "")


def test_the_note_holds_one_canonical_line_per_approver(repo: Path, keys: dict[str, Path]) -> None:
    sign_as(repo, keys, "alice")
    sign_as(repo, keys, "bob")
    lines = note_lines(repo)
    assert [canonical(json.loads(line)).decode() for line in lines] == lines
    assert [json.loads(line)["record"]["principal"] for line in lines] == [
        "alice@example.com",
        "bob@example.com",
    ]
    assert [(a.approver, a.counts) for a in found(repo)] == [
        ("alice@example.com", True),
        ("bob@example.com", True),
    ]


@pytest.mark.parametrize(
    ("name", "principal"),
    [
        pytest.param("mallory", "mallory@example.com", id="key-not-in-allowed-signers"),
        pytest.param("mallory", "alice@example.com", id="unlisted-key-claims-a-listed-name"),
        pytest.param("alice", "bob@example.com", id="listed-key-wrong-principal"),
    ],
)
def test_a_signature_that_does_not_verify_does_not_count(
    repo: Path, keys: dict[str, Path], name: str, principal: str
) -> None:
    sign_as(repo, keys, name, principal)
    [approval] = found(repo)
    assert (approval.approver, approval.counts) == (principal, False)
    assert approval.reason == f"signature does not verify for {principal} {AGAINST}"


def test_a_change_cannot_approve_itself_by_listing_its_author(
    repo: Path, keys: dict[str, Path]
) -> None:
    """The forgery: the PR adds its author to allowed_signers and a note signed with that key."""
    with (repo / "allowed_signers").open("a") as f:
        f.write(signer("mallory", keys))
    git(repo, "commit", "-qam", "trust me")
    sign_as(repo, keys, "mallory")
    head_signers = (repo / "allowed_signers").read_bytes()
    assert [a.counts for a in found(repo, signers=head_signers)] == [True]  # why base matters
    [approval] = found(repo)
    assert approval.counts is False
    assert approval.reason == f"signature does not verify for mallory@example.com {AGAINST}"


def test_a_later_commit_has_no_approval(repo: Path, keys: dict[str, Path]) -> None:
    sign_as(repo, keys, "alice")
    approved = head(repo)
    (repo / "prompts/triage.prompt.yaml").write_text("id: triage\nmessages: []\n")
    git(repo, "commit", "-qam", "pushed after the approval")
    assert found(repo) == []
    assert [a.counts for a in found(repo, head=approved)] == [True]


def test_an_approval_copied_to_an_amended_commit_is_stale(
    repo: Path, keys: dict[str, Path]
) -> None:
    sign_as(repo, keys, "alice")
    approved = head(repo)
    (repo / "prompts/triage.prompt.yaml").write_text(PROMPT.replace("sort", "drop"))
    git(repo, "commit", "-q", "--amend", "-am", "reword the prompt")
    git(repo, "notes", f"--ref={NOTES_REF}", "copy", approved, "HEAD")
    [approval] = found(repo)
    assert (approval.counts, approval.reason, approval.commit) == (False, STALE, approved)


@pytest.mark.parametrize(
    ("digest", "commit"),
    [
        pytest.param("sha256:" + "0" * 64, "HEAD", id="digest-of-another-change-set"),
        pytest.param(None, "main", id="record-names-another-head"),
    ],
)
def test_a_valid_signature_over_another_change_set_is_stale(
    repo: Path, keys: dict[str, Path], digest: str | None, commit: str
) -> None:
    repository = Repository(repo)
    record = Record(
        1,
        "llmward-approval",
        digest or change_set_digest(repository, "main", "HEAD"),
        git(repo, "rev-parse", "main").strip(),
        git(repo, "rev-parse", commit).strip(),
        "alice@example.com",
        "2025-01-01T00:00:00Z",
    )
    line = NoteLine(record, sign(record.signed_bytes(), keys["alice"]))
    repository.append_note(NOTES_REF, "HEAD", line.text())
    [approval] = found(repo)
    assert (approval.approver, approval.counts, approval.reason) == (
        "alice@example.com",
        False,
        STALE,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("base", "f" * 40, id="base"),
        pytest.param("time", "2000-01-01T00:00:00Z", id="time"),
        pytest.param("digest", "sha256:" + "1" * 64, id="digest"),
    ],
)
def test_a_record_edited_after_signing_does_not_verify(
    repo: Path, keys: dict[str, Path], field: str, value: str
) -> None:
    sign_as(repo, keys, "alice")
    [line] = note_lines(repo)
    edited = json.loads(line)
    edited["record"][field] = value
    rewrite_note(repo, [canonical(edited).decode()])
    [approval] = found(repo)
    assert approval.counts is False
    assert approval.reason == f"signature does not verify for alice@example.com {AGAINST}"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        pytest.param("not json", "malformed approval line: ", id="not-json"),
        pytest.param("[1, 2]", "(top level)", id="not-an-object"),
        pytest.param('{"record": {}, "signature": "x"}', "record.", id="empty-record"),
        pytest.param("[" * 100_000, "malformed approval line: ", id="deeply-nested"),
    ],
)
def test_a_malformed_line_is_listed_not_raised(
    repo: Path, keys: dict[str, Path], line: str, says: str
) -> None:
    sign_as(repo, keys, "alice")
    rewrite_note(repo, [line, *note_lines(repo)])
    bad, good = found(repo)
    assert (bad.approver, bad.counts, bad.reference) == ("unknown", False, f"{NOTES_REF}:1")
    assert bad.reason.startswith("malformed approval line: ")
    assert says in bad.reason
    assert good.counts is True


def test_a_malformed_line_is_named_by_its_line_in_the_note(
    repo: Path, keys: dict[str, Path]
) -> None:
    sign_as(repo, keys, "alice")
    Repository(repo).append_note(NOTES_REF, "HEAD", "garbage")  # git appends after a blank line
    good, bad = found(repo)
    assert (good.counts, bad.counts, bad.reference) == (True, False, f"{NOTES_REF}:3")


def test_an_unknown_key_in_a_record_is_malformed(repo: Path, keys: dict[str, Path]) -> None:
    sign_as(repo, keys, "alice")
    [line] = note_lines(repo)
    extra = json.loads(line)
    extra["record"]["role"] = "admin"
    rewrite_note(repo, [canonical(extra).decode()])
    [approval] = found(repo)
    assert approval.counts is False
    assert "unknown key 'role'" in approval.reason


def test_concurrent_approvals_merge_with_cat_sort_uniq(
    tmp_path: Path, repo: Path, keys: dict[str, Path]
) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for clone, name in ((ours, "alice"), (theirs, "bob")):
        git(tmp_path, "clone", "-q", "-b", "feature", str(repo), str(clone))
        approve(Repository(clone), "origin/main", "HEAD", keys[name], f"{name}@example.com")
    git(ours, "push", "-q", "origin", NOTES_REF)
    rejected = subprocess.run(
        ["git", "push", "-q", "origin", NOTES_REF], cwd=theirs, capture_output=True, check=False
    )
    assert rejected.returncode != 0  # non-fast-forward: merge first
    remote = "refs/notes/remotes/origin/llmward/approvals"
    git(theirs, "fetch", "-q", "origin", f"{NOTES_REF}:{remote}")
    git(theirs, "notes", "--ref=llmward/approvals", "merge", "-q", "-s", "cat_sort_uniq", remote)
    git(theirs, "push", "-q", "origin", NOTES_REF)
    assert sorted((a.approver, a.counts) for a in found(repo)) == [
        ("alice@example.com", True),
        ("bob@example.com", True),
    ]


def test_no_notes_ref_or_no_note_means_no_approvals(repo: Path, keys: dict[str, Path]) -> None:
    assert found(repo) == []
    sign_as(repo, keys, "alice")
    assert found(repo, head="main") == []
    assert found(repo, head=INDEX) == found(repo, head=WORKTREE) == []


def test_a_corrupt_notes_ref_fails_closed(repo: Path) -> None:
    corrupt(repo, NOTES_REF)
    with pytest.raises(EvidenceError, match="points at a blob, not a commit") as caught:
        found(repo)
    assert isinstance(caught.value, LlmwardError)
    assert caught.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("not base64!", id="not-base64"),
        pytest.param("U1NIU0lHAAAAAQ==", id="truncated"),
        pytest.param("Tk9UU0lHAAAAAQAAAAA=", id="not-sshsig"),
    ],
)
def test_a_signature_without_a_readable_key_has_an_unknown_fingerprint(body: str) -> None:
    armored = f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n"
    assert fingerprint(armored) == "SHA256:unknown"


def test_signed_notes_cannot_tell_team_membership(repo: Path) -> None:
    source = SignedApprovals(Repository(repo), "main", "HEAD", b"")
    assert (source.name, source.is_member("alice@example.com", "acme/reviewers")) == (
        "signed-note",
        None,
    )


def test_no_temporary_files_are_left_behind(
    tmp_path: Path, repo: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    sign_as(repo, keys, "alice")
    sign_as(repo, keys, "mallory")
    assert [a.counts for a in found(repo)] == [True, False]
    assert list(scratch.iterdir()) == []


def test_verifying_without_ssh_keygen_fails_closed(
    tmp_path: Path, repo: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_as(repo, keys, "alice")
    only_git(tmp_path, monkeypatch)
    with pytest.raises(SignedNoteError, match="ssh-keygen not found"):
        found(repo)


def only_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH holding git and nothing else (no ssh-keygen)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "git").symlink_to(shutil.which("git") or "git")
    monkeypatch.setenv("PATH", str(folder))


# ---- the command -------------------------------------------------------------------------------


def run_approve(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    approve_command.add_arguments(parser)
    return approve_command.run(parser.parse_args(list(argv)))


def test_the_command_signs_and_says_what_it_approved(
    repo: Path, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    key = str(keys["alice"])
    code = run_approve("--root", str(repo), "--key", key, "--principal", "alice@example.com")
    out = capsys.readouterr().out
    digest = change_set_digest(Repository(repo), "main", "HEAD")
    base = git(repo, "rev-parse", "main").strip()
    assert code == 0
    assert out == (
        f"approved {digest}\n"
        f"  base {base}\n"
        f"  head {head(repo)}\n"
        f"  by   alice@example.com (key {key_fingerprint(keys['alice'])})\n"
        f"added to the note on {head(repo)[:12]} in {NOTES_REF}; share it with:\n"
        f"  git push origin {NOTES_REF}\n"
    )
    assert [a.counts for a in found(repo)] == [True]


def test_the_command_through_the_cli_with_a_short_note_ref(
    repo: Path,
    keys: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(COMMANDS, "approve", "sign an approval of BASE..HEAD into a git note")
    argv = ["approve", "main", "HEAD", "--root", str(repo), "--note-ref", "team/reviews"]
    code = main([*argv, "--key", str(keys["bob"]), "--principal", "bob@example.com"])
    assert code == 0
    assert "git push origin refs/notes/team/reviews\n" in capsys.readouterr().out
    approvals = SignedApprovals(
        Repository(repo), "main", "HEAD", base_signers(repo), "refs/notes/team/reviews"
    ).approvals()
    assert [(a.approver, a.counts) for a in approvals] == [("bob@example.com", True)]
    assert found(repo) == []  # nothing under the default ref


@pytest.mark.parametrize(
    ("refs", "options", "says"),
    [
        pytest.param(["nope"], [], "'nope' does not name a commit", id="bad-ref"),
        pytest.param(["-x", "HEAD"], [], "'-x' is not a git ref", id="option-like-ref"),
        pytest.param([], ["--note-ref", "refs/heads/main"], "not a notes ref", id="not-notes"),
        pytest.param([], ["--note-ref", "a..b"], "not a notes ref", id="bad-notes-ref"),
        pytest.param([], ["--key", "missing"], "cannot read the signing key", id="no-key"),
        pytest.param([], ["--key", "allowed_signers"], "could not sign with", id="not-a-key"),
        pytest.param([], ["--principal", "alice smith"], "is not a principal", id="principal"),
    ],
)
def test_command_errors_say_what_to_do_and_exit_2(
    repo: Path,
    keys: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    refs: list[str],
    options: list[str],
    says: str,
) -> None:
    monkeypatch.setitem(COMMANDS, "approve", "sign an approval")
    monkeypatch.chdir(repo)
    given = {"--key": str(keys["alice"]), "--principal": "alice@example.com"}
    given.update(zip(options[::2], options[1::2], strict=True))
    argv = [part for option, value in given.items() for part in (option, value)]
    assert main(["approve", *argv, "--", *(refs or ["main"])]) == EXIT_USAGE
    assert says in capsys.readouterr().err
    assert git(repo, "for-each-ref", "refs/notes/") == ""  # nothing was written


def test_the_command_without_ssh_keygen_exits_2(
    tmp_path: Path,
    repo: Path,
    keys: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(COMMANDS, "approve", "sign an approval")
    only_git(tmp_path, monkeypatch)
    argv = ["--root", str(repo), "--key", str(keys["alice"]), "--principal", "alice@example.com"]
    assert main(["approve", *argv]) == EXIT_USAGE
    assert "ssh-keygen not found: install OpenSSH" in capsys.readouterr().err


# ---- end to end: `llmward check` with signed approvals ------------------------------------------

LINKED = """\
approvals:
  required: {low: {count: 1}, medium: {count: 1}, high: {count: 1}}
  allowed_signers: allowed_signers
  identities:
    author: [author@example.com, alice@example.com]
    bob: [bob@example.com]
"""


def checked_repo(tmp_path: Path, keys: dict[str, Path], config: str) -> Path:
    """main holds the config, allowed_signers (alice, bob); `feature` (by author@example.com)
    changes a prompt."""
    root = make_repo(
        tmp_path / "checked",
        {
            ".llmward.yaml": config,
            "prompts/triage.prompt.yaml": PROMPT,
            "allowed_signers": signer("alice", keys) + signer("bob", keys),
        },
    )
    git(root, "checkout", "-q", "-b", "feature")
    (root / "prompts/triage.prompt.yaml").write_text(PROMPT.replace("sort", "triage"))
    git(root, "commit", "-qam", "reword the prompt")
    return root


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmward", "check", "--base", "main", "--head", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"},
    )


def test_check_passes_with_a_linked_reviewers_signature(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    root = checked_repo(tmp_path, keys, LINKED)
    assert check(root).returncode == 1  # no approval yet
    sign_as(root, keys, "bob")
    done = check(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bob@example.com" in done.stdout


def test_check_refuses_the_authors_own_key_under_another_principal(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    """The author holds alice's key: identities say alice@example.com is the author."""
    root = checked_repo(tmp_path, keys, LINKED)
    sign_as(root, keys, "alice")
    done = check(root)
    assert done.returncode == 1
    assert "the author cannot approve their own change" in done.stdout


def test_check_without_identities_fails_closed_and_says_what_to_add(
    tmp_path: Path, keys: dict[str, Path]
) -> None:
    unlinked = LINKED.split("  identities:", maxsplit=1)[0]
    root = checked_repo(tmp_path, keys, unlinked)
    sign_as(root, keys, "bob")
    done = check(root)
    assert done.returncode == 1
    assert "list author@example.com, bob@example.com in approvals.identities" in done.stdout
