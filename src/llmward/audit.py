"""Versioned, hash-linked audit records: one in-toto Statement per checked change, in a ledger.

A record (`statement()`) is an in-toto Statement v1 whose subjects are the changed files (sha256
and git blob id) and the head commit, and whose predicate (https://llmward.dev/audit/v1) says what
was decided and why: changes, findings, risk, approvals and their evidence, the rules in force.
Prompt text never goes in by default: changed values are recorded as sha256 hashes.

The ledger is a hash chain of entries {seq, prev, statement, hash} in canonical JSON (RFC 8785):
`hash` is the sha256 of the canonical entry without `hash`, `prev` the hash of the entry before
(GENESIS for seq 1). Each entry is one line of the git note on the checked commit, under
refs/notes/llmward/audit. `verify()` recomputes every hash and link and names the first bad entry.

Appending needs only the ledger's last entry. Each append is one `git notes append`, so one notes
commit whose only change is the note that gained the entry: reading the tip commit of the notes
ref finds it without reading the other notes. When the tip is anything else (a merge of
concurrent writers, an edit, a removal), every note is read once, in one batch.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rfc8785

from llmward import __version__
from llmward.errors import LlmwardError
from llmward.git import INDEX, WORKTREE, Repository

if TYPE_CHECKING:
    from llmward.check import PullRequest, Verdict
    from llmward.compare import Comparison
    from llmward.diff import Change
    from llmward.repository import Artifact

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://llmward.dev/audit/v1"
NOTES_REF = "refs/notes/llmward/audit"
GENESIS = "GENESIS"
APPEND_SUBJECT = "Notes added by 'git notes append'"


class LedgerError(LlmwardError):
    """No ledger, an unreadable notes ref, or a record that cannot be made: exit 2."""


# ---- the record ------------------------------------------------------------------------------


def statement(
    verdict: Verdict,
    pr: PullRequest | None,
    repo_name: str,
    *,
    excerpts: bool = False,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The in-toto Statement v1 recording one check of base..head (see the module docstring)."""
    comparison = verdict.comparison
    if comparison.settings is None or comparison.head in (INDEX, WORKTREE):
        raise LedgerError("an audit record needs two commits: record a check of BASE..HEAD refs")
    repo = Repository(comparison.settings.root)
    base_files = repo.tree_files(comparison.base)
    head_files = repo.tree_files(comparison.head)
    paths = _changed_paths(comparison)
    subjects = _subjects(repo, paths, head_files, base_files)
    subjects.append({"name": f"git:{comparison.head}", "digest": {"gitCommit": comparison.head}})
    predicate = _predicate(verdict, pr, repo_name, repo, excerpts=excerpts, now=now)
    predicate["removed"] = sorted(p for p in paths if p not in head_files and p in base_files)
    predicate["suppressions"] = _suppressions(repo, comparison, paths, head_files)
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def _changed_paths(comparison: Comparison) -> list[str]:
    paths = {c.path for c in comparison.changes}
    for d in comparison.diffs:
        paths |= {a.path for a in (d.old, d.new) if a is not None}
    return sorted(p for p in paths if p)


def _subjects(
    repo: Repository, paths: list[str], head: dict[str, str], base: dict[str, str]
) -> list[dict[str, Any]]:
    """Each changed file as it is at head, or as it was at base when the change removed it."""
    blobs = {p: head.get(p) or base[p] for p in paths if p in head or p in base}
    contents = repo.read_many("subjects", blobs)
    return [
        {
            "name": path,
            "digest": {"sha256": hashlib.sha256(contents[path]).hexdigest(), "gitBlob": blob},
        }
        for path, blob in blobs.items()
    ]


def _predicate(
    verdict: Verdict,
    pr: PullRequest | None,
    repo_name: str,
    repo: Repository,
    *,
    excerpts: bool,
    now: datetime | None,
) -> dict[str, Any]:
    from llmward.signed import change_set_digest

    c = verdict.comparison
    return {
        "version": 1,
        "repository": repo_name,
        "pull_request": {"number": pr.number, "url": pr.url} if pr else None,
        "base": c.base,
        "head": c.head,
        "change_set_digest": change_set_digest(repo, c.base, c.head),
        "authors": sorted(repo.authors(c.base, c.head) | ({pr.author} if pr else set())),
        "approvals": _approvals(verdict),
        "changes": [_change(change, c, excerpts) for change in c.changes],
        "findings_introduced": [_finding(f) for f in c.introduced],
        "findings_resolved": [_finding(f) for f in c.resolved],
        "risk": _risk(c),
        "verdict": verdict.name,
        "reasons": list(verdict.reasons),
        "break_glass": _break_glass(verdict),
        "rules": _rules(repo, c),
        "tool": {"name": "llmward", "version": __version__},
        "time": _time(now),
    }


def _approvals(verdict: Verdict) -> dict[str, Any]:
    a = verdict.approvals
    evidence = [
        {
            "approver": e.approver,
            "source": e.source,
            "reference": e.reference,
            "commit": e.commit,
            "time": e.time,
            "counts": e.counts,
            "reason": e.reason,
        }
        for e in a.evidence
    ]
    return {
        "required": a.required,
        "approvers": list(a.approvers),
        "satisfied": a.satisfied,
        "counted": sorted(e.approver for e in a.counted),
        "evidence": evidence,
    }


def _change(change: Change, c: Comparison, excerpts: bool) -> dict[str, Any]:
    old, new = _values(change, c)
    out = {
        "type": change.type,
        "kind": change.kind,
        "artifact": change.artifact,
        "path": change.path,
        "pointer": change.pointer,
        "old_sha256": _value_sha256(old),
        "new_sha256": _value_sha256(new),
    }
    if excerpts:
        out |= {"old": _jsonable(old), "new": _jsonable(new)}
    return out


def _values(change: Change, c: Comparison) -> tuple[Any, Any]:
    """The old and new values a change is about. Text changes carry neither (only a diff in
    their details): those are read from the artifacts at the change's pointers."""
    if change.old is not None or change.new is not None:
        return change.old, change.new
    key = (change.kind, change.artifact)
    found = next((d for d in c.diffs if (d.kind, d.id) == key), None)
    if found is None:
        return None, None
    old_pointer = str(change.details.get("old_pointer", change.pointer))
    return _at(found.old, old_pointer), _at(found.new, change.pointer)


def _at(artifact: Artifact | None, pointer: str) -> Any:
    """The value at a JSON pointer (relative to the artifact), None where there is none."""
    value: Any = artifact.data if artifact is not None else None
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _jsonable(value: Any) -> Any:
    """The value as canonical JSON can hold it: numbers past 2**53, NaN and odd types as text."""
    try:
        plain = json.loads(json.dumps(value, default=str, allow_nan=False))
        rfc8785.dumps(plain)
    except (ValueError, TypeError, RecursionError, rfc8785.CanonicalizationError):
        return str(value)
    return plain


def _value_sha256(value: Any) -> str | None:
    if value is None:
        return None
    return hashlib.sha256(rfc8785.dumps(_jsonable(value))).hexdigest()


def _finding(f: Any) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "path": f.path,
        "line": f.line,
        "pointer": f.pointer,
        "fingerprint": f.fingerprint(),
    }


def _risk(c: Comparison) -> dict[str, Any]:
    contributions = [
        {
            "code": x.item.code,
            "severity": x.item.severity,
            "points": x.item.points,
            "weight": x.weight,
            "radius": x.item.radius,
            "total": x.points,
            "artifact": x.item.artifact,
            "path": x.item.path,
            "line": x.item.line,
        }
        for x in c.risk.contributions
    ]
    return {"score": c.risk.score, "tier": c.risk.tier, "contributions": contributions}


def _break_glass(verdict: Verdict) -> dict[str, Any] | None:
    reason = verdict.approvals.break_glass
    return {"reason": reason, "review_after_merge": True} if reason else None


def _suppressions(
    repo: Repository, c: Comparison, paths: list[str], head: dict[str, str]
) -> list[dict[str, Any]]:
    """The inline ignores in the changed artifact files at head, with their justifications. Each
    file is read in its own format, as lint reads it (a `.prompty` file's front matter)."""
    from llmward import formats
    from llmward.suppress import parse_suppressions

    assert c.settings is not None
    kinds = {p: c.settings.classifier.kind(p) for p in paths if p in head}
    wanted = {p: head[p] for p, kind in kinds.items() if kind}
    out = []
    limit = c.settings.config.limits.max_file_bytes
    for path, raw in repo.read_many(c.head, wanted).items():
        reading = formats.read(path, str(kinds[path]), raw, limit, lambda _: None)
        if reading.format is None or not reading.doc.ok:
            continue
        for s in parse_suppressions(reading.doc):
            out += [
                {"code": code, "path": path, "line": s.target, "justification": s.reason}
                for code in s.codes
            ]
    return out


def _rules(repo: Repository, c: Comparison) -> dict[str, Any]:
    """The config and policy files the verdict was reached by (read from base)."""
    from llmward.rules import config_file
    from llmward.sources import TreeSource

    assert c.settings is not None
    source = TreeSource(repo, c.base, repo.tree_files(c.base))
    name = config_file(source, None)
    digest = hashlib.sha256(source.read(name)).hexdigest() if name else None
    policies = [{"path": _policy_name(p), "sha256": d} for p, d in c.settings.policies.digests]
    policies.sort(key=lambda x: x["path"])
    return {"config": {"path": name, "sha256": digest}, "policies": policies}


def _policy_name(path: str) -> str:
    """A built-in policy as `llmward:<pack path>`, never as a path on the checking machine."""
    from llmward.policy.load import builtin_root

    try:
        return "llmward:" + Path(path).relative_to(builtin_root()).as_posix()
    except ValueError:
        return path


def _time(now: datetime | None) -> str:
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- ledger entries --------------------------------------------------------------------------


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS): the one byte string every verifier computes for the same JSON value."""
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as err:
        raise LedgerError(f"the record cannot be written as canonical JSON: {err}") from None


def entry_hash(entry: dict[str, Any]) -> str:
    """sha256 hex of the canonical entry without its `hash`."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def make_entry(seq: int, prev: str, stmt: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"seq": seq, "prev": prev, "statement": stmt}
    entry["hash"] = entry_hash(entry)
    return entry


def line_of(entry: dict[str, Any]) -> str:
    return canonical(entry).decode("utf-8")


@dataclass(frozen=True)
class Line:
    """One ledger line and where it was read: the note on a commit, or a JSON Lines file."""

    text: str
    number: int  # 1-based, in the note or the file
    commit: str | None = None  # the commit the note is attached to

    @property
    def where(self) -> str:
        if self.commit is None:
            return f"line {self.number}"
        return f"note on {self.commit}" + (f" line {self.number}" if self.number > 1 else "")


def read_notes(repo: Repository, ref: str = NOTES_REF) -> list[Line]:
    """Every line of every note in the ledger ref; a LedgerError when there is no ledger."""
    notes = _notes(repo, ref)
    if not notes:
        raise LedgerError(
            f"no audit ledger at {ref}: fetch it (git fetch origin 'refs/notes/*:refs/notes/*') "
            "or record one (llmward audit record, llmward check --audit-dir DIR)"
        )
    contents = repo.read_many(ref, dict(notes))
    return [line for commit, raw in sorted(contents.items()) for line in _lines(raw, commit)]


def _notes(repo: Repository, ref: str) -> list[tuple[str, str]]:
    from llmward.errors import GitError

    try:
        return repo.notes(ref)
    except GitError as err:
        raise LedgerError(f"cannot read the audit ledger: {err}") from None


def _lines(raw: bytes, commit: str | None = None) -> list[Line]:
    text = raw.decode("utf-8", "replace")
    return [Line(t, n, commit) for n, t in enumerate(text.splitlines(), 1) if t.strip()]


def read_jsonl(path: Path) -> list[Line]:
    try:
        lines = _lines(path.read_bytes())
    except OSError as err:
        raise LedgerError(f"{path}: cannot read ({err.strerror or err})") from None
    if not lines:
        raise LedgerError(f"{path}: no ledger entries in this file")
    return lines


def parse(line: Line) -> dict[str, Any] | None:
    """The entry on a line, or None when the line is not one (verify says why)."""
    try:
        entry = json.loads(line.text)
    except (ValueError, RecursionError):
        return None
    fields = {"seq": int, "prev": str, "statement": dict, "hash": str}
    ok = isinstance(entry, dict) and set(entry) == set(fields)
    if not ok or isinstance(entry["seq"], bool):
        return None
    return entry if all(isinstance(entry[k], t) for k, t in fields.items()) else None


def entries(lines: Iterable[Line]) -> list[dict[str, Any]]:
    """The well-formed entries, in chain order (seq, then hash for two claiming one seq)."""
    found = [e for e in map(parse, lines) if e is not None]
    return sorted(found, key=lambda e: (e["seq"], e["hash"]))


# ---- appending -------------------------------------------------------------------------------


def tail(repo: Repository, ref: str = NOTES_REF) -> dict[str, Any] | None:
    """The ledger's last entry (highest seq), None for an empty ledger. O(1) after an append:
    the note the notes ref's tip commit appended to holds it (module docstring)."""
    last = _notes_call(repo.last_note_append, ref)
    if last is not None:
        commit, blob = last
        found = entries(_lines(repo.read_many(ref, {commit: blob})[commit], commit))
        if found and entry_hash(found[-1]) == found[-1]["hash"]:
            return found[-1]
    notes = _notes(repo, ref)
    if not notes:
        return None
    found = entries(read_notes(repo, ref))
    return found[-1] if found else None


def _notes_call(call: Any, ref: str) -> tuple[str, str] | None:
    from llmward.errors import GitError

    try:
        result: tuple[str, str] | None = call(ref)
    except GitError as err:
        raise LedgerError(f"cannot read the audit ledger: {err}") from None
    return result


def next_entry(repo: Repository, stmt: dict[str, Any], ref: str = NOTES_REF) -> dict[str, Any]:
    """The entry `stmt` gets when appended now: seq and prev from the ledger's last entry."""
    last = tail(repo, ref)
    return make_entry(last["seq"] + 1 if last else 1, last["hash"] if last else GENESIS, stmt)


def append_record(repo: Repository, stmt: dict[str, Any], ref: str = NOTES_REF) -> dict[str, Any]:
    """Append a record to the ledger: one canonical line on the note of the checked commit."""
    entry = next_entry(repo, stmt, ref)
    repo.append_note(ref, stmt["predicate"]["head"], line_of(entry))
    return entry


def repository_name(root: Path, pr: PullRequest | None) -> str:
    return (pr.repository if pr else "") or os.environ.get("GITHUB_REPOSITORY") or root.name


def record_check(
    root: Path,
    verdict: Verdict,
    pr: PullRequest | None,
    audit_dir: Path,
    *,
    ledger: bool = True,
    ref: str = NOTES_REF,
    excerpts: bool = False,
) -> Path:
    """Record a check: append it to the ledger (unless `ledger` is False: a read-only token) and
    write the entry to `audit_dir/llmward-audit-<seq>.json`. Returns the file's path."""
    from llmward.output import write_atomic

    repo = Repository(root)
    stmt = statement(verdict, pr, repository_name(root, pr), excerpts=excerpts)
    entry = next_entry(repo, stmt, ref)
    path = audit_dir / f"llmward-audit-{entry['seq']}.json"
    write_atomic(path, line_of(entry) + "\n")  # first: a file that cannot be written adds nothing
    if ledger:
        stored = append_record(repo, stmt, ref)
        if stored != entry:  # another check appended meanwhile: the file follows the ledger
            path.unlink(missing_ok=True)
            path = audit_dir / f"llmward-audit-{stored['seq']}.json"
            write_atomic(path, line_of(stored) + "\n")
    return path


def export_lines(lines: Sequence[Line]) -> str:
    """The ledger as JSON Lines, in seq order: each entry's canonical line, as stored."""
    parsed = [(parse(line), line.text) for line in lines]
    ordered = sorted(parsed, key=lambda p: (p[0]["seq"], p[0]["hash"]) if p[0] else (0, p[1]))
    return "".join(text.strip() + "\n" for _, text in ordered)


# ---- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    seq: int  # where in the chain (0: a line that is not an entry)
    where: str
    message: str

    def text(self) -> str:
        return f"seq {self.seq} ({self.where}): {self.message}" if self.seq else self.message


@dataclass(frozen=True)
class Verification:
    count: int
    head: dict[str, Any] | None  # the last entry, when the chain is intact
    problems: tuple[Problem, ...]  # first bad entry first

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(
    lines: Sequence[Line], *, ordered: bool = False, anchor: tuple[int, str] | None = None
) -> Verification:
    """Recompute every hash and link. `ordered`: the lines' own order must be seq order (a JSON
    Lines export); `anchor` (seq, hash): an entry recorded elsewhere that must still be here."""
    located = [(e, line) for line in lines if (e := parse(line)) is not None]
    chain = sorted(located, key=lambda p: (p[0]["seq"], p[0]["hash"]))
    problems = [_malformed(line) for line in lines if parse(line) is None]
    problems += [p for e, line in chain if (p := _self_check(e, line))]
    problems += _forks(chain) + _links(chain)
    problems += _order(located) if ordered else []
    problems += _anchor(chain, anchor) if anchor else []
    problems.sort(key=lambda p: (p.seq, p.where))
    head = chain[-1][0] if chain and not problems else None
    return Verification(len(chain), head, tuple(problems))


def _malformed(line: Line) -> Problem:
    return Problem(0, line.where, f"{line.where}: not a ledger entry (malformed JSON or fields)")


def _self_check(entry: dict[str, Any], line: Line) -> Problem | None:
    """An entry whose content does not hash to its `hash` was edited; a note line recording a
    different head than the commit it is attached to was moved."""
    actual = entry_hash(entry)
    if actual != entry["hash"]:
        return Problem(
            entry["seq"],
            line.where,
            f"edited: the entry hashes to {actual}, not to its recorded hash {entry['hash']}",
        )
    head = entry["statement"].get("predicate", {}).get("head")
    if line.commit and head != line.commit:
        return Problem(entry["seq"], line.where, f"moved: the entry records head {head}")
    return None


Located = tuple[dict[str, Any], Line]


def _forks(chain: list[Located]) -> list[Problem]:
    """Two entries claiming one seq: an insertion, or two writers merged (cat_sort_uniq)."""
    linked = {e["prev"] for e, _ in chain}
    by_seq: dict[int, list[Located]] = {}
    for e, line in chain:
        by_seq.setdefault(e["seq"], []).append((e, line))
    out = []
    for seq, claims in sorted(by_seq.items()):
        if len(claims) > 1:
            named = " and ".join(f"{line.where} (hash {e['hash']})" for e, line in claims)
            orphans = [line.where for e, line in claims if e["hash"] not in linked]
            why = f"; nothing links to {', '.join(orphans)}" if len(orphans) < len(claims) else ""
            out.append(
                Problem(seq, claims[-1][1].where, f"{len(claims)} entries claim it: {named}{why}")
            )
    return out


def _links(chain: list[Located]) -> list[Problem]:
    """Every seq from 1 on, each entry's prev the hash of the entry before it."""
    by_hash = {e["hash"]: (e, line) for e, line in chain}
    hashes: dict[int, set[str]] = {}
    for e, _ in chain:
        hashes.setdefault(e["seq"], set()).add(e["hash"])
    out, expected = [], 1
    for e, line in chain:
        seq = e["seq"]
        if seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected}..{seq - 1}"
            out.append(Problem(seq, line.where, f"deleted: seq {missing} missing before it"))
        want = {GENESIS} if seq == 1 else hashes.get(seq - 1, set())
        if e["prev"] not in want and seq <= expected:
            out.append(Problem(seq, line.where, _bad_link(e, by_hash)))
        expected = max(expected, seq + 1)
    return out


def _bad_link(entry: dict[str, Any], by_hash: dict[str, Located]) -> str:
    seq, prev = entry["seq"], entry["prev"]
    if prev in by_hash:
        other, line = by_hash[prev]
        return f"reordered: prev links to seq {other['seq']} ({line.where}), not to seq {seq - 1}"
    return (
        f"prev {prev} is the hash of no entry: seq {seq - 1} was edited and re-hashed, "
        "or this entry was forged"
    )


def _order(located: list[Located]) -> list[Problem]:
    """In a JSON Lines export the lines are in seq order: the first line out of place."""
    seqs = [e["seq"] for e, _ in located]
    for (e, line), want in zip(located, sorted(seqs), strict=True):
        if e["seq"] != want:
            return [
                Problem(
                    want, line.where, f"reordered: holds seq {e['seq']} where seq {want} belongs"
                )
            ]
    return []


def _anchor(chain: list[Located], anchor: tuple[int, str]) -> list[Problem]:
    seq, digest = anchor
    if any(e["seq"] == seq and e["hash"] == digest for e, _ in chain):
        return []
    last = chain[-1][0]["seq"] if chain else 0
    why = "truncated" if seq > last else "rewritten"
    return [
        Problem(seq, "anchor", f"{why}: no entry seq {seq} with hash {digest} (last seq {last})")
    ]
