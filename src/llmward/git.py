"""Everything that touches git lives here.

The lint path only lists files (one `git ls-files` call, no GitPython import: it keeps the
pre-commit hook fast). Comparing refs goes through GitPython: blobs are read from git's object
database through one long-lived `git cat-file --batch`, never from the work tree.

User text never reaches git where it could be read as an option: refs that start with '-' are
refused, refs are verified with `rev-parse --verify`, and paths always follow `--`.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmward.errors import GitError

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, check=False, timeout=120
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
    # --cached lists files deleted from the work tree but not yet staged: they are gone
    return sorted(n for n in set(names) if n and os.path.lexists(root / n))


def is_tracked(root: Path, path: str) -> bool:
    done = _run(root, "ls-files", "--error-unmatch", "--", path)
    return done is not None and done.returncode == 0


@dataclass(frozen=True)
class PathChange:
    """One file changed between two trees: A(dded), D(eleted), M(odified), R(enamed), T(ype)."""

    status: str
    old_path: str | None
    new_path: str | None


@dataclass(frozen=True)
class RawChange:
    """One file changed between two trees, as `git diff-tree --raw` lists it: the mode and blob id
    of each side (None on the side where the file is absent: A(dded) or D(eleted))."""

    status: str
    old_path: str | None
    new_path: str | None
    old_blob: str | None
    new_blob: str | None
    old_mode: str | None
    new_mode: str | None


INDEX = ":index"  # the staged snapshot, as a pseudo-ref
WORKTREE = ":worktree"


class Repository:
    """A git repository read through GitPython."""

    def __init__(self, root: Path) -> None:
        import git

        try:
            self.repo = git.Repo(root, search_parent_directories=False)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitError(f"{root}: not a git repository (run llmward from its root)") from None
        self.root = Path(self.repo.working_tree_dir or root)
        self._git: Any = self.repo.git

    def _call(self, *args: str) -> str:
        import git

        try:
            out: str = self._git.execute(["git", *args], strip_newline_in_stdout=False)
        except git.GitCommandError as err:
            raise GitError(f"git {args[0]} failed: {str(err.stderr).strip()}") from None
        return out

    def head_or_empty(self) -> str:
        """HEAD, or the empty tree before the first commit."""
        try:
            return self.resolve("HEAD")
        except GitError:
            return EMPTY_TREE

    def resolve(self, ref: str) -> str:
        """The commit a user-given ref names, or a GitError saying what to do."""
        if ref == EMPTY_TREE:
            return ref
        if not ref or ref.startswith("-") or any(c in ref for c in "\0\n\r"):
            raise GitError(f"'{ref}' is not a git ref (refs never start with '-')")
        import git

        try:
            sha: str = self._git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
        except git.GitCommandError:
            raise GitError(self._missing(ref)) from None
        return sha.strip()

    def _missing(self, ref: str) -> str:
        shallow = self._git.rev_parse("--is-shallow-repository").strip() == "true"
        if shallow:
            return (
                f"'{ref}' is not in this shallow clone: fetch the history first "
                "(actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)"
            )
        return f"'{ref}' does not name a commit here (check the name, or `git fetch` it first)"

    def default_base(self) -> str:
        """The merge-base of HEAD with the default branch (origin/HEAD, main or master)."""
        head = self.resolve("HEAD")
        for name in ("origin/HEAD", "origin/main", "origin/master", "main", "master"):
            try:
                other = self.resolve(name)
            except GitError:
                continue
            if other != head:
                return self._call("merge-base", other, head).strip()
        raise GitError(
            "no default branch to compare with: name the base ref (`llmward diff BASE [HEAD]`)"
        )

    def tree_files(self, commit: str) -> dict[str, str]:
        """path -> blob sha of every file in a commit (or the index, or the work tree)."""
        if commit == WORKTREE:
            return dict.fromkeys(list_files(self.root) or [], "")
        if commit == INDEX:
            out = self._call("ls-files", "-s", "-z")
            rows = (line.split("\t", 1) for line in out.split("\0") if line)
            return {path: meta.split()[1] for meta, path in rows if meta.split()[2] == "0"}
        out = self._call("ls-tree", "-r", "-z", "--full-tree", commit)
        rows = (line.split("\t", 1) for line in out.split("\0") if line)
        return {path: meta.split()[2] for meta, path in rows if meta.split()[1] == "blob"}

    def read_blob(self, sha: str) -> bytes:
        data: bytes = self.repo.odb.stream(bytes.fromhex(sha)).read()
        return data

    def read_many(self, snapshot: str, files: dict[str, str]) -> dict[str, bytes]:
        """The contents of many files at a snapshot (path -> blob), in one cat-file batch."""
        if snapshot == WORKTREE:
            return {path: (self.root / path).read_bytes() for path in files}
        wanted = "".join(f"{blob}\n" for blob in files.values()).encode()
        done = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.root,
            input=wanted,
            capture_output=True,
            check=False,
            timeout=600,
        )
        if done.returncode != 0:
            raise GitError(f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
        return dict(zip(files, _batch_contents(done.stdout), strict=True))

    def read(self, snapshot: str, path: str, blob: str) -> bytes:
        if snapshot == WORKTREE:
            return (self.root / path).read_bytes()
        return self.read_blob(blob)

    def authors(self, base: str, head: str) -> set[str]:
        """Emails and names of every commit author in base..head (none for the index)."""
        if head in (INDEX, WORKTREE) or base == EMPTY_TREE:
            return set()
        return _authors_of(self.repo, base, head)

    def changes(self, base: str, head: str) -> list[PathChange]:
        """Files changed from base to head, with renames detected."""
        if head == INDEX:
            out = self._call("diff", "--cached", "--name-status", "-M", "-z", base, "--")
        elif head == WORKTREE:
            out = self._call("diff", "--name-status", "-M", "-z", base, "--")
        else:
            out = self._call("diff", "--name-status", "-M", "-z", base, head, "--")
        return _parse_name_status(out)

    def tree_id(self, ref: str) -> str:
        """The id of the tree a commit holds."""
        return self._call("rev-parse", "--verify", f"{self.resolve(ref)}^{{tree}}").strip()

    def raw_changes(self, base: str, head: str) -> list[RawChange]:
        """Files changed from base to head, with blob ids and modes, renames NOT detected: a
        plumbing command, so neither user config nor rename heuristics change the answer."""
        out = self._call(
            "diff-tree",
            "-r",
            "-z",
            "--no-renames",
            "--no-abbrev",
            "--ignore-submodules=none",
            self.resolve(base),
            self.resolve(head),
            "--",
        )
        parts = out.split("\0")[:-1]  # every entry ends with NUL
        return [_raw_change(meta, path) for meta, path in zip(parts[::2], parts[1::2], strict=True)]

    def note(self, notes_ref: str, commit: str) -> str | None:
        """The note on a commit under a notes ref; None when the ref or the note does not exist."""
        ref = self._notes_tip(notes_ref)
        if ref is None:
            return None
        done = _run(self.root, "notes", f"--ref={ref}", "show", self.resolve(commit))
        if done is None or done.returncode not in (0, 1):  # 1: no note on this commit
            raise GitError(f"cannot read the note on {commit} in {ref}: {_stderr(done)}")
        return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None

    def append_note(self, notes_ref: str, commit: str, line: str) -> None:
        """Append a line to the note on a commit (git puts a blank line before it)."""
        ref = self._notes_tip(notes_ref) or self.notes_ref(notes_ref)
        self._call("notes", f"--ref={ref}", "append", "-m", line, self.resolve(commit))

    def notes(self, notes_ref: str) -> list[tuple[str, str]]:
        """(annotated object, note blob) of every note under a notes ref; [] without the ref."""
        ref = self._notes_tip(notes_ref)
        if ref is None:
            return []
        out = self._call("notes", f"--ref={ref}", "list")
        pairs = (line.split() for line in out.splitlines() if line.strip())
        return sorted((obj, blob) for blob, obj in pairs)

    def last_note_append(self, notes_ref: str) -> tuple[str, str] | None:
        """(annotated object, note blob) of the note the tip commit of a notes ref appended to,
        when that commit is one `git notes append` (one parent, one note changed); else None."""
        ref = self._notes_tip(notes_ref)
        if ref is None:
            return None
        parents, _, subject = self._call("log", "-1", "--format=%P%x00%s", ref).partition("\0")
        if len(parents.split()) != 1 or subject.strip() != "Notes added by 'git notes append'":
            return None
        out = self._call("diff-tree", "-r", "-z", "--no-renames", f"{ref}^", ref, "--")
        parts = out.split("\0")[:-1]
        if len(parts) != 2:  # one change: its meta, then its path
            return None
        new_blob = parts[0].split(" ")[3]
        return parts[1].replace("/", ""), new_blob  # notes fan out as ab/cdef...: the object id

    def _notes_tip(self, notes_ref: str) -> str | None:
        """The notes ref in full when it exists, None when it does not, a GitError when it
        points at something other than a commit (a corrupt ref must not read as "no notes")."""
        ref = self.notes_ref(notes_ref)
        done = _run(self.root, "rev-parse", "--verify", "--quiet", ref)
        if done is None or done.returncode != 0:
            return None
        kind = self._call("cat-file", "-t", done.stdout.decode().strip()).strip()
        if kind != "commit":
            raise GitError(
                f"{ref} points at a {kind}, not a commit: the notes ref is corrupt "
                f"(inspect it with `git log {ref}`, delete it with `git update-ref -d {ref}` "
                "and fetch it again)"
            )
        return ref

    def fetch_ref(self, remote: str, src: str, dst: str) -> bool:
        """Fetch `src` from a remote into `dst` (forced: `dst` only mirrors the remote); False
        when the remote has no such ref yet."""
        done = _run(
            self.root,
            "fetch",
            "--no-tags",
            "--quiet",
            "--",
            _checked_remote(remote),
            f"+{src}:{dst}",
        )
        if done is not None and done.returncode == 0:
            return True
        message = _stderr(done)
        if "couldn't find remote ref" in message:
            self.set_ref(dst, None)
            return False
        raise GitError(f"cannot fetch {src} from {remote}: {message}")

    def push_ref(self, remote: str, ref: str) -> bool:
        """Push a ref without force; False when the remote moved on (a rejected update)."""
        done = _run(
            self.root,
            "push",
            "--quiet",
            "--porcelain",
            "--",
            _checked_remote(remote),
            f"{ref}:{ref}",
        )
        if done is not None and done.returncode == 0:
            return True
        output = _stderr(done) + (done.stdout.decode(errors="replace") if done else "")
        if "rejected" in output or "fetch first" in output or "non-fast-forward" in output:
            return False
        raise GitError(f"cannot push {ref} to {remote}: {output.strip()}")

    def set_ref(self, ref: str, target: str | None) -> None:
        """Point a ref at a commit, or delete it (None); deleting a missing ref is fine."""
        if target is None:
            _run(self.root, "update-ref", "-d", ref)
        else:
            self._call("update-ref", ref, target)

    def ref_target(self, ref: str) -> str | None:
        done = _run(self.root, "rev-parse", "--verify", "--quiet", ref)
        return done.stdout.decode().strip() if done and done.returncode == 0 else None

    def notes_ref(self, name: str) -> str:
        """A user-given notes ref in full: `llmward/approvals` -> `refs/notes/llmward/approvals`."""
        ref = name if name.startswith("refs/") else f"refs/notes/{name}"
        done = _run(self.root, "check-ref-format", ref)
        if not ref.startswith("refs/notes/") or done is None or done.returncode != 0:
            raise GitError(
                f"'{name}' is not a notes ref (use a name like refs/notes/llmward/approvals)"
            )
        return ref


def _parse_name_status(out: str) -> list[PathChange]:
    parts = out.split("\0")
    changes, i = [], 0
    while i < len(parts) and parts[i]:
        status = parts[i][0]
        if status in "RC":
            changes.append(PathChange(status, parts[i + 1], parts[i + 2]))
            i += 3
            continue
        path = parts[i + 1]
        old = None if status == "A" else path
        new = None if status == "D" else path
        changes.append(PathChange(status, old, new))
        i += 2
    return changes


def _raw_change(meta: str, path: str) -> RawChange:
    """`:old_mode new_mode old_blob new_blob status` and its one path (renames are off)."""
    old_mode, new_mode, old_blob, new_blob, status = meta.lstrip(":").split(" ")
    old, new = status != "A", status != "D"
    return RawChange(
        status,
        path if old else None,
        path if new else None,
        old_blob if old else None,
        new_blob if new else None,
        old_mode if old else None,
        new_mode if new else None,
    )


def _stderr(done: subprocess.CompletedProcess[bytes] | None) -> str:
    if done is None:
        return "git could not run"
    return done.stderr.decode("utf-8", "replace").strip()


def _authors_of(repo: Any, base: str, head: str) -> set[str]:
    out: str = repo.git.log("--format=%ae%n%an", f"{base}..{head}", "--")
    return {line.strip() for line in out.splitlines() if line.strip()}


def _batch_contents(out: bytes) -> list[bytes]:
    """The objects of a `git cat-file --batch` answer, in order: "<sha> <type> <size>", data."""
    contents, pos = [], 0
    while pos < len(out):
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        if len(header) < 3:  # "<sha> missing"
            raise GitError(f"git object {header[0].decode(errors='replace')} is missing")
        size = int(header[2])
        contents.append(out[header_end + 1 : header_end + 1 + size])
        pos = header_end + 1 + size + 1
    return contents


def _checked_remote(remote: str) -> str:
    if not remote or remote.startswith("-") or any(c in remote for c in "\0\n\r "):
        raise GitError(f"'{remote}' is not a git remote name")
    return remote
