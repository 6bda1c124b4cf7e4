"""Signed git-native approvals: SSH signatures over a change-set digest, kept in git notes.

For teams without GitHub reviews. An approver runs `llmward approve`, which signs a record of the
change set BASE..HEAD with `ssh-keygen -Y sign` (namespace "llmward") and appends it to the note on
the HEAD commit. `SignedApprovals` reads that note back as `Approval` evidence, verifying every
signature against an `allowed_signers` file the caller read from BASE, so a change cannot approve
itself by adding its author's key.

The change-set digest is "sha256:" + the hex sha256 of the canonical JSON (below) of

    {"version": 1, "base_tree": <tree id of BASE>, "head_tree": <tree id of HEAD>,
     "changes": [[status, old_path, new_path, old_blob, new_blob, old_mode, new_mode], ...]}

`changes` is `git diff-tree -r --raw --no-renames` of BASE and HEAD: blob ids, not contents, so
it is cheap; null on the side where a file is absent; sorted (nulls as ""). Renames are not
detected because rename detection is a heuristic that git versions and settings tune: the
approver's git and the checker's must agree, and a rename is still there as a delete plus an add
of the same blob. The trees bind the digest to both snapshots, so it changes with any later push
and with a rebase onto another base (the change is then judged in a new context), and not with
commit messages, dates or authors: the same trees give the same digest.

The note (default ref refs/notes/llmward/approvals) holds one canonical JSON object per line:

    {"record": {"base": ..., "digest": ..., "head": ..., "principal": ..., "time": ...,
                "type": "llmward-approval", "version": 1},
     "signature": "-----BEGIN SSH SIGNATURE-----\\n..."}

The signature covers the canonical JSON bytes of `record`. Blank lines are ignored (`git notes
append` puts one before each addition). Several approvers append to the same note; when two
pushed concurrently, fetch theirs and merge line by line, as git-appraise does:

    git fetch origin refs/notes/llmward/approvals:refs/notes/remotes/origin/llmward/approvals
    git notes --ref=llmward/approvals merge -s cat_sort_uniq \\
        refs/notes/remotes/origin/llmward/approvals
    git push origin refs/notes/llmward/approvals

(or set `notes.llmward/approvals.mergeStrategy cat_sort_uniq` once). Notes do not follow an
amend or a rebase: a new HEAD needs a new approval.

The record's `base` and `head` name the commits for people; an approval counts only when its
signature verifies, its digest is that of BASE..HEAD now, and its `head` is HEAD.

Canonical JSON here: sorted keys, no whitespace, ASCII only (anything else as \\u escapes).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Annotated, Any, ClassVar, Literal

from llmward.errors import GitError, LlmwardError, UsageError
from llmward.evidence import SIGNED_SOURCE, Approval, EvidenceError
from llmward.git import INDEX, WORKTREE, RawChange, Repository
from llmward.validation import FORBID, PATTERN_HELP, Constraint, Invalid, validate

NAMESPACE = "llmward"
NOTES_REF = "refs/notes/llmward/approvals"
SOURCE = SIGNED_SOURCE
STALE = "approved a different change set (stale)"
AGAINST = "against allowed_signers at base"

DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"
COMMIT_PATTERN = r"^([0-9a-f]{40}|[0-9a-f]{64})$"
PRINCIPAL_PATTERN = r"^[^\s,]+$"
TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
SIGNATURE_PATTERN = (
    r"^-----BEGIN SSH SIGNATURE-----\n[A-Za-z0-9+/=\n]+-----END SSH SIGNATURE-----\n?$"
)
PATTERN_HELP[DIGEST_PATTERN] = "is not a change-set digest (sha256: and 64 hex digits)"
PATTERN_HELP[PRINCIPAL_PATTERN] = "is not a principal (one allowed_signers name, no spaces)"
PATTERN_HELP[SIGNATURE_PATTERN] = "is not an armored SSH signature"


class SignedNoteError(LlmwardError, EvidenceError):
    """ssh-keygen is missing or cannot sign, or the notes cannot be read. An LlmwardError, so the
    CLI says what to do and exits 2; an EvidenceError, so the approval policy fails closed."""


@dataclass(frozen=True)
class Record:
    """What an approver signs: this change set, between these commits, approved by this name."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    version: Literal[1]
    type: Literal["llmward-approval"]
    digest: Annotated[str, Constraint(pattern=DIGEST_PATTERN)]
    base: Annotated[str, Constraint(pattern=COMMIT_PATTERN)]
    head: Annotated[str, Constraint(pattern=COMMIT_PATTERN)]
    principal: Annotated[str, Constraint(pattern=PRINCIPAL_PATTERN)]
    time: Annotated[str, Constraint(pattern=TIME_PATTERN)]

    def signed_bytes(self) -> bytes:
        return canonical(dataclasses.asdict(self))


@dataclass(frozen=True)
class NoteLine:
    """One line of the note: a record and the armored SSH signature over its canonical bytes."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    record: Record
    signature: Annotated[str, Constraint(pattern=SIGNATURE_PATTERN)]

    def text(self) -> str:
        return canonical(dataclasses.asdict(self)).decode("ascii")


def canonical(value: object) -> bytes:
    """Sorted keys, no whitespace, ASCII: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def change_set_digest(repo: Repository, base: str, head: str) -> str:
    """The digest of the change set base..head, as the module docstring defines it."""
    entries = [_entry(c) for c in repo.raw_changes(base, head)]
    payload = {
        "version": 1,
        "base_tree": repo.tree_id(base),
        "head_tree": repo.tree_id(head),
        "changes": sorted(entries, key=lambda e: [v or "" for v in e]),
    }
    return "sha256:" + hashlib.sha256(canonical(payload)).hexdigest()


def _entry(c: RawChange) -> list[str | None]:
    return [c.status, c.old_path, c.new_path, c.old_blob, c.new_blob, c.old_mode, c.new_mode]


# ---- approving ---------------------------------------------------------------------------------


def approve(
    repo: Repository,
    base_ref: str,
    head_ref: str,
    key: Path,
    principal: str,
    *,
    note_ref: str = NOTES_REF,
) -> NoteLine:
    """Sign an approval of base..head with an SSH key and append it to the note on head."""
    if not re.fullmatch(PRINCIPAL_PATTERN, principal):
        raise UsageError(
            f"'{principal}' is not a principal: give the one name allowed_signers lists you "
            "by, without spaces or commas (e.g. alice@example.com)"
        )
    base, head = repo.resolve(base_ref), repo.resolve(head_ref)
    record = Record(
        1, "llmward-approval", change_set_digest(repo, base, head), base, head, principal, _now()
    )
    line = NoteLine(record, sign(record.signed_bytes(), key))
    repo.append_note(note_ref, head, line.text())
    return line


def sign(message: bytes, key: Path) -> str:
    """An armored SSH signature (namespace "llmward") over `message`, made by `ssh-keygen`.

    The message goes through a file, not stdin: stdin stays free for a passphrase prompt."""
    if not key.is_file() or not os.access(key, os.R_OK):
        raise SignedNoteError(
            f"{key}: cannot read the signing key (give --key the path of your SSH private key, "
            "e.g. ~/.ssh/id_ed25519, or of a public key whose private half is in ssh-agent)"
        )
    with TemporaryDirectory(prefix="llmward-") as tmp:
        message_file = Path(tmp) / "record.json"
        message_file.write_bytes(message)
        done = _ssh_keygen("-Y", "sign", "-f", str(key), "-n", NAMESPACE, str(message_file))
        if done.returncode != 0:
            said = " ".join(done.stderr.decode(errors="replace").split())
            raise SignedNoteError(
                f"ssh-keygen could not sign with {key}: {said} (is it an SSH private key, "
                "or a public key whose private half is in ssh-agent? is the passphrase right?)"
            )
        return message_file.with_name("record.json.sig").read_text(encoding="ascii")


def _ssh_keygen(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["ssh-keygen", *args], input=stdin, capture_output=True, check=False, timeout=120
        )
    except FileNotFoundError:
        raise SignedNoteError(
            "ssh-keygen not found: install OpenSSH 8.2 or later (e.g. `apt install "
            "openssh-client`) and make sure it is on PATH"
        ) from None
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SignedNoteError(f"ssh-keygen could not run: {err}") from None


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fingerprint(signature: str) -> str:
    """The SHA256 fingerprint of the public key inside an armored SSH signature, as
    `ssh-keygen -l` prints it (PROTOCOL.sshsig: "SSHSIG", uint32 version, string publickey)."""
    body = "".join(line for line in signature.splitlines() if not line.startswith("-----"))
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return "SHA256:unknown"
    size = int.from_bytes(blob[10:14], "big")
    key = blob[14 : 14 + size]
    if blob[:6] != b"SSHSIG" or len(blob) < 14 or len(key) != size:
        return "SHA256:unknown"
    return "SHA256:" + base64.b64encode(hashlib.sha256(key).digest()).decode().rstrip("=")


# ---- verifying ---------------------------------------------------------------------------------


class SignedApprovals:
    """EvidenceSource: the signed approvals in the note on HEAD, verified against
    `allowed_signers`, which the caller reads from BASE (never from HEAD or the work tree)."""

    name = SOURCE

    def __init__(
        self,
        repo: Repository,
        base: str,
        head: str,
        allowed_signers: bytes,
        note_ref: str = NOTES_REF,
    ) -> None:
        self.repo, self.base_ref, self.head_ref = repo, base, head
        self.allowed_signers, self.note_ref = allowed_signers, note_ref

    def approvals(self) -> list[Approval]:
        """Every approval line in the note on HEAD, counting or not; [] without a note."""
        if self.head_ref in (INDEX, WORKTREE):
            return []  # not a commit: nothing can carry a note
        try:
            head = self.repo.resolve(self.head_ref)
            lines = (self.repo.note(self.note_ref, head) or "").splitlines()
            if not any(line.strip() for line in lines):
                return []
            digest = change_set_digest(self.repo, self.base_ref, head)
        except GitError as err:
            raise SignedNoteError(f"cannot read the signed approvals: {err}") from None
        with TemporaryDirectory(prefix="llmward-") as tmp:
            allowed = Path(tmp) / "allowed_signers"
            allowed.write_bytes(self.allowed_signers)
            check = _Checker(Path(tmp), allowed, head, digest, self.note_ref)
            return [check.judge(n, line) for n, line in enumerate(lines, 1) if line.strip()]

    def is_member(self, user: str, team: str) -> bool | None:
        return None  # allowed_signers names people, not teams


@dataclass(frozen=True)
class _Checker:
    tmp: Path
    allowed: Path
    head: str
    digest: str
    note_ref: str

    def judge(self, n: int, text: str) -> Approval:
        """One note line as an Approval: malformed, unverified, stale, or counting."""
        try:
            line = validate(NoteLine, json.loads(text), self.note_ref, lambda _: (n, 1))
        except (ValueError, RecursionError, Invalid) as err:
            reason = f"malformed approval line: {str(err).splitlines()[0]}"
            return Approval("unknown", SOURCE, f"{self.note_ref}:{n}", None, None, False, reason)
        record = line.record
        reference = f"{record.digest} {fingerprint(line.signature)}"
        found = partial(Approval, record.principal, SOURCE, reference, record.head, record.time)
        if not self._verifies(n, line):
            return found(False, f"signature does not verify for {record.principal} {AGAINST}")
        if record.digest != self.digest or record.head != self.head:
            return found(False, STALE)
        return found(True)

    def _verifies(self, n: int, line: NoteLine) -> bool:
        signature = self.tmp / f"{n}.sig"
        signature.write_text(line.signature, encoding="ascii")
        done = _ssh_keygen(
            *("-Y", "verify", "-f", str(self.allowed), "-I", line.record.principal),
            *("-n", NAMESPACE, "-s", str(signature)),
            stdin=line.record.signed_bytes(),
        )
        return done.returncode == 0
