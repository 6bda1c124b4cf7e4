"""The audit ledger: hash-linked records of checked changes, kept in git notes.

  record   check a merged commit (BASE defaults to HEAD's first parent) and append its record
  verify   recompute every hash and link; exit 0 intact, 1 tampered (naming the first bad entry)
  log      one line per record, optionally between two dates
  export   the ledger as JSON Lines, in seq order

The ledger lives in refs/notes/llmward/audit, which clones do not fetch and pushes do not send:
`git fetch origin 'refs/notes/*:refs/notes/*'` and `git push origin refs/notes/llmward/audit`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmward.audit_report import add_report_arguments, run_report
from llmward.errors import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from llmward.audit import Line, Verification


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    for name, help_, adder in (
        ("record", "check a merged commit and append its record", _record_args),
        ("verify", "recompute every hash and link of the ledger", _verify_args),
        ("log", "one line per record", _log_args),
        ("report", "write the audit report for a period", add_report_arguments),
        ("push", "publish the ledger: replay local entries on the remote's tip, push", _push_args),
        ("export", "write the ledger as JSON Lines", _export_args),
    ):
        action = sub.add_parser(name, help=help_, description=help_)
        adder(action)
        action.add_argument("--ref", metavar="REF", help="notes ref (default: llmward/audit)")
        action.add_argument("--root", metavar="DIR", help="repository root (default: git top)")


def _record_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", metavar="REF", help="base ref (default: HEAD's first parent)")
    p.add_argument("--head", metavar="REF", default="HEAD", help="the merged commit (HEAD)")
    p.add_argument("--config", metavar="FILE", help="config file, read from BASE")
    p.add_argument("--repository", metavar="NAME", help="owner/name to record")
    p.add_argument("--excerpts", action="store_true", help="record old and new values too")


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from-jsonl", metavar="FILE", help="verify an export instead of the notes")
    p.add_argument("--anchor", metavar="SEQ:HASH", help="an entry that must still be there")


def _log_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="DATE", help="records at or after (YYYY-MM-DD or ISO 8601)")
    p.add_argument("--until", metavar="DATE", help="records before (YYYY-MM-DD or ISO 8601)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--from-jsonl", metavar="FILE", help="read an export instead of the notes")


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")


def run(args: argparse.Namespace) -> int:
    actions = {
        "record": _record,
        "verify": _verify,
        "log": _log,
        "export": _export,
        "report": run_report,
        "push": _push,
    }
    return actions[args.action](args)


def _repo_and_ref(args: argparse.Namespace) -> tuple[Any, str]:
    from llmward.audit import NOTES_REF
    from llmward.commands._common import git_root
    from llmward.git import Repository

    repo = Repository(git_root(args.root))
    return repo, repo.notes_ref(args.ref or NOTES_REF)


def _lines(args: argparse.Namespace) -> list[Line]:
    from llmward.audit import read_jsonl, read_notes

    if getattr(args, "from_jsonl", None):
        return read_jsonl(Path(args.from_jsonl))
    repo, ref = _repo_and_ref(args)
    return read_notes(repo, ref)


def _record(args: argparse.Namespace) -> int:
    from llmward.audit import append_record, repository_name, statement
    from llmward.check import run_check

    repo, ref = _repo_and_ref(args)
    head = repo.resolve(args.head)
    base = args.base or repo.resolve(f"{head}^")
    verdict = run_check(
        repo.root, base, head, pr=None, fail_on=None, config_path=args.config, github=None
    )
    name = args.repository or repository_name(repo.root, None)
    entry = append_record(repo, statement(verdict, None, name, excerpts=args.excerpts), ref)
    sys.stdout.write(
        f"recorded seq {entry['seq']} ({verdict.name}, {verdict.comparison.risk.tier}) "
        f"on {head[:12]} in {ref}\n  hash {entry['hash']}\nshare it with:\n"
        f"  git push origin {ref}\n"
    )
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from llmward.audit import verify

    lines = _lines(args)
    result = verify(lines, ordered=bool(args.from_jsonl), anchor=_anchor(args.anchor))
    sys.stdout.write(_verdict_text(result, args))
    return EXIT_OK if result.intact else EXIT_FINDINGS


def _anchor(text: str | None) -> tuple[int, str] | None:
    if text is None:
        return None
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise UsageError(f"--anchor {text}: give SEQ:HASH, e.g. 12:<64 hex digits>")
    return int(seq), digest.lower()


def _verdict_text(result: Verification, args: argparse.Namespace) -> str:
    if result.intact and result.head is not None:
        head = result.head
        source = f" --from-jsonl {args.from_jsonl}" if args.from_jsonl else ""
        return (
            f"ledger intact: {result.count} entries, seq 1..{head['seq']}\n"
            f"head: seq {head['seq']} hash {head['hash']}\n"
            "re-verify, also catching truncation or a rewrite below this head:\n"
            f"  llmward audit verify{source} --anchor {head['seq']}:{head['hash']}\n"
        )
    first, *rest = result.problems
    out = [f"ledger TAMPERED: first bad entry: {first.text()}"]
    out += [f"  also: {p.text()}" for p in rest]
    return "\n".join(out) + "\n"


def _log(args: argparse.Namespace) -> int:
    from llmward.audit import entries

    since, until = _date(args.since, "--since"), _date(args.until, "--until")
    rows = [_row(e) for e in entries(_lines(args))]
    rows = [
        r for r in rows if (not since or r["time"] >= since) and (not until or r["time"] < until)
    ]
    if args.format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    for r in rows:
        pr = f"#{r['pull_request']}" if r["pull_request"] else "-"
        approvers = ",".join(r["approvers"]) or "-"
        sys.stdout.write(
            f"{r['seq']:>5} {r['time']} {r['head'][:12]} {pr:>6} {r['tier']:<8} "
            f"{r['verdict']:<4} {approvers}\n"
        )
    return EXIT_OK


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    p = entry["statement"].get("predicate", {})
    pr = p.get("pull_request") or {}
    return {
        "seq": entry["seq"],
        "time": str(p.get("time", "")),
        "head": str(p.get("head", "")),
        "pull_request": pr.get("number"),
        "tier": str(p.get("risk", {}).get("tier", "")),
        "verdict": str(p.get("verdict", "")),
        "approvers": list(p.get("approvals", {}).get("counted", [])),
        "hash": entry["hash"],
    }


def _date(text: str | None, option: str) -> str | None:
    """A date as a comparable UTC timestamp string (records hold YYYY-MM-DDTHH:MM:SSZ)."""
    from datetime import datetime, timezone

    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{option} {text}: give a date (YYYY-MM-DD) or ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _push_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--remote", default="origin", help="remote to publish to (default: origin)")
    p.add_argument("--retries", type=int, default=5, help="attempts when others push first")


def _push(args: argparse.Namespace) -> int:
    from llmward.audit import NOTES_REF
    from llmward.audit_push import push
    from llmward.commands._common import git_root
    from llmward.git import Repository

    repo = Repository(git_root(args.root))
    done = push(repo, args.remote, args.ref or NOTES_REF, max(args.retries, 1))
    sys.stdout.write(
        f"audit ledger on {args.remote}: head seq {done.head_seq}; "
        f"{done.replayed} entr{'y' if done.replayed == 1 else 'ies'} published "
        f"(attempt {done.attempts})\n"
    )
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from llmward.audit import export_lines
    from llmward.output import write_atomic

    text = export_lines(_lines(args))
    if args.output and args.output != "-":
        write_atomic(Path(args.output), text)
        sys.stderr.write(f"wrote {text.count(chr(10))} entries to {args.output}\n")
    else:
        sys.stdout.write(text)
    return EXIT_OK
