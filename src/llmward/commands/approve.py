"""Sign an approval of the changes between two git refs, kept in a git note on HEAD.

BASE defaults to the merge-base of HEAD with the default branch; HEAD defaults to HEAD. The
approval is an SSH signature (`ssh-keygen -Y sign`, namespace "llmward") over a record of the
change set's digest; each approver appends one line to the note on the HEAD commit. Notes are not
pushed by default: share them with `git push origin refs/notes/llmward/approvals`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmward.errors import EXIT_OK


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("base", nargs="?", metavar="BASE", help="base ref (default: merge-base)")
    p.add_argument("head", nargs="?", metavar="HEAD", help="head ref (default: HEAD)")
    p.add_argument(
        "--key",
        required=True,
        metavar="PATH",
        help="SSH private key to sign with (or a public key whose private half is in ssh-agent)",
    )
    p.add_argument(
        "--principal",
        required=True,
        metavar="EMAIL",
        help="your name as the base branch's allowed_signers lists it",
    )
    p.add_argument(
        "--note-ref",
        metavar="REF",
        help="notes ref to append to (default: refs/notes/llmward/approvals)",
    )
    p.add_argument("--root", metavar="DIR", help="repository root (default: the git top level)")


def run(args: argparse.Namespace) -> int:
    from llmward.commands._common import git_root
    from llmward.git import Repository
    from llmward.signed import NOTES_REF, approve, fingerprint

    repo = Repository(git_root(args.root))
    base, head = args.base or repo.default_base(), args.head or "HEAD"
    note_ref = repo.notes_ref(args.note_ref or NOTES_REF)
    line = approve(repo, base, head, Path(args.key), args.principal, note_ref=note_ref)
    record = line.record
    sys.stdout.write(
        f"approved {record.digest}\n"
        f"  base {record.base}\n"
        f"  head {record.head}\n"
        f"  by   {record.principal} (key {fingerprint(line.signature)})\n"
        f"added to the note on {record.head[:12]} in {note_ref}; share it with:\n"
        f"  git push origin {note_ref}\n"
    )
    return EXIT_OK
