"""`llmward audit report`: what an auditor samples, built from the audit ledger for one period.

Pure: ledger entries (llmward.audit) and the period in, an `AuditReport` out; the renderers in
report/audit_*_format.py turn it into HTML, Markdown, JSON or CSV. The CLI glue
(`add_report_arguments`, `run_report`) is at the end and is the only part that reads or writes.

Definitions (also printed in every report, see `DEFINITIONS`):

- A change is a change set (`change_set_digest`): several records of one change set (a check
  re-run after approval, a break-glass merge and its later review) are one change.
- A record carries no merge time. The change's merge point is the time of its first record whose
  verdict let it through (pass, or break-glass); with none, the time of its last record: a change
  recorded with verdict fail (by `llmward audit record` after the merge) is an unapproved merge.
- An approval is before merge when its time is at or before the merge point, after merge when
  later, unknown when the source gave no time.
- A break-glass change is reviewed when a later record of the same change set has its approvals
  satisfied without break-glass.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

REPORT_VERSION = 1
FORMATS = ("html", "markdown", "json", "csv")
NONE_RECORDED = "none recorded"
GUARDRAIL_CODE = "PRM013"

DEFINITIONS = (
    "A change is one change set (change_set_digest); all its records are listed with it.",
    "Records carry no merge time. Merge point: the time of the change set's first record whose "
    "verdict let it through (pass, or break-glass); with none, its last record's time.",
    "Approved before merge: every counted approval's time is at or before the merge point. "
    "After merge: a counted approval, in any record of the change set, is later.",
    "Unapproved merge: the change's last record has verdict fail or approvals not satisfied "
    "(a record of a merged change made with `llmward audit record`).",
    "Self-approval: an approval whose approver is one of the change's authors; it never counts.",
    "Break-glass review: a later record of the same change set with approvals satisfied "
    "without break-glass.",
    "Approval lead time: merge point minus the latest counted approval's time.",
)


# ---- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    approver: str
    source: str  # "github-review" | "signed-note"
    reference: str  # review id, or note digest and signing key fingerprint
    commit: str | None  # the commit approved
    time: str | None
    counts: bool
    reason: str
    self_approval: bool
    timing: str  # "before merge" | "after merge" | "unknown"


@dataclass(frozen=True)
class Change:
    seq: int  # the record that stands for the change (its merge point)
    time: str  # the merge point
    head: str
    pr_number: int | None
    pr_url: str | None
    authors: tuple[str, ...]
    approvals: tuple[Approval, ...]  # from every record of the change set, deduplicated
    satisfied: bool
    approved_before_merge: str  # "yes" | "no" | "after merge" | "unknown"
    evals: tuple[str, ...]
    tier: str
    score: int
    verdict: str
    reasons: tuple[str, ...]
    break_glass: str | None
    reviewed_seq: int | None  # the record that reviewed a break-glass change
    digest: str
    records: tuple[int, ...]  # every record of this change set, in seq order
    kinds: tuple[str, ...]  # artifact kinds changed
    lead_hours: float | None  # merge point minus the latest counted approval

    @property
    def counted(self) -> tuple[Approval, ...]:
        return tuple(a for a in self.approvals if a.counts)


@dataclass(frozen=True)
class Exception_:
    category: str  # one of EXCEPTION_CATEGORIES
    seq: int
    head: str
    pr_number: int | None
    detail: str


EXCEPTION_CATEGORIES = (
    "unapproved merge",
    "self-approval",
    "approval after merge",
    "break-glass",
    "suppression",
)


@dataclass(frozen=True)
class PinEvent:
    seq: int
    time: str
    type: str
    pointer: str
    old_sha256: str | None
    new_sha256: str | None
    new_value: str | None  # only when the record kept excerpts


@dataclass(frozen=True)
class Pin:
    artifact: str
    path: str
    in_force: bool  # at the end of the period
    events: tuple[PinEvent, ...]


@dataclass(frozen=True)
class GuardrailGap:
    path: str
    pointer: str
    line: int | None
    introduced_seq: int
    resolved_seq: int | None


@dataclass(frozen=True)
class Control:
    framework: str
    control: str
    title: str
    evidence: str
    count: int


@dataclass(frozen=True)
class LedgerHead:
    seq: int
    hash: str
    entries: int
    intact: bool
    problems: tuple[str, ...]
    verify_command: str


@dataclass(frozen=True)
class Week:
    start: str  # the Monday, YYYY-MM-DD
    by_tier: Mapping[str, int]


@dataclass(frozen=True)
class AuditReport:
    version: int
    repository: str
    since: str
    until: str
    ledger: LedgerHead
    changes: tuple[Change, ...]
    exceptions: tuple[Exception_, ...]
    pins: tuple[Pin, ...]
    guardrail_gaps: tuple[GuardrailGap, ...]
    controls: tuple[Control, ...]
    weeks: tuple[Week, ...]
    definitions: tuple[str, ...] = DEFINITIONS

    def exceptions_in(self, category: str) -> tuple[Exception_, ...]:
        return tuple(e for e in self.exceptions if e.category == category)

    @property
    def lead_times(self) -> tuple[float, ...]:
        return tuple(c.lead_hours for c in self.changes if c.lead_hours is not None)


# ---- building it -----------------------------------------------------------------------------


def parse_time(text: str | None) -> datetime | None:
    """ISO 8601 as sources write it ("Z" included), in UTC; None when absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _pred(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    predicate: Mapping[str, Any] = entry["statement"].get("predicate", {})
    return predicate


def _when(entry: Mapping[str, Any]) -> datetime:
    return parse_time(_pred(entry).get("time")) or datetime.min.replace(tzinfo=timezone.utc)


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    start = datetime(since.year, since.month, since.day, tzinfo=timezone.utc)
    end = datetime(until.year, until.month, until.day, tzinfo=timezone.utc) + timedelta(days=1)
    return start, end


def build(
    entries: Sequence[Mapping[str, Any]],
    since: date,
    until: date,
    ledger: LedgerHead,
) -> AuditReport:
    """The report for records timed in [since, until] (whole UTC days). The model inventory and
    guardrail coverage use every record up to `until`, so history before the period counts."""
    start, end = _bounds(since, until)
    known = sorted((e for e in entries if _when(e) < end), key=lambda e: e["seq"])
    groups = _change_sets(known)
    changes = tuple(
        _change(group) for group in groups.values() if start <= _merge_entry_time(group) < end
    )
    changes = tuple(sorted(changes, key=lambda c: c.seq))
    in_period = [e for e in known if start <= _when(e)]
    exceptions = _exceptions(changes, in_period)
    return AuditReport(
        version=REPORT_VERSION,
        repository=_repository(known),
        since=since.isoformat(),
        until=until.isoformat(),
        ledger=ledger,
        changes=changes,
        exceptions=exceptions,
        pins=_pins(known),
        guardrail_gaps=_gaps(known),
        controls=_controls(changes, exceptions, ledger, known),
        weeks=_weeks(changes, since, until),
    )


def _repository(entries: Sequence[Mapping[str, Any]]) -> str:
    names = [str(_pred(e).get("repository") or "") for e in entries]
    return next((n for n in reversed(names) if n), "")


def _change_sets(entries: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for e in entries:
        key = str(_pred(e).get("change_set_digest") or e["hash"])
        groups.setdefault(key, []).append(e)
    return groups


def _let_through(entry: Mapping[str, Any]) -> bool:
    p = _pred(entry)
    return p.get("verdict") == "pass" or p.get("break_glass") is not None


def _merge_entry(group: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return next((e for e in group if _let_through(e)), group[-1])


def _merge_entry_time(group: Sequence[Mapping[str, Any]]) -> datetime:
    return _when(_merge_entry(group))


def _identity(name: str) -> str:
    return name.lower().lstrip("@")


def _approvals(
    group: Sequence[Mapping[str, Any]], authors: set[str], merged: datetime
) -> tuple[Approval, ...]:
    """Every record's evidence, the latest record's word on each approval kept."""
    found: dict[tuple[str, ...], Mapping[str, Any]] = {}
    for e in group:
        for a in _pred(e).get("approvals", {}).get("evidence", []):
            key = (a.get("approver"), a.get("source"), a.get("reference"), a.get("commit"))
            found[tuple(str(k) for k in key)] = a
    return tuple(_approval(a, authors, merged) for _, a in sorted(found.items()))


def _approval(a: Mapping[str, Any], authors: set[str], merged: datetime) -> Approval:
    at = parse_time(a.get("time"))
    timing = "unknown" if at is None else "before merge" if at <= merged else "after merge"
    return Approval(
        approver=str(a.get("approver", "")),
        source=str(a.get("source", "")),
        reference=str(a.get("reference", "")),
        commit=a.get("commit"),
        time=a.get("time"),
        counts=bool(a.get("counts")),
        reason=str(a.get("reason") or ""),
        self_approval=_identity(str(a.get("approver", ""))) in authors,
        timing=timing,
    )


def _before_merge(counted: Sequence[Approval]) -> str:
    timings = {a.timing for a in counted}
    if not counted:
        return "no"
    if "after merge" in timings:
        return "after merge"
    return "unknown" if "unknown" in timings else "yes"


def _lead_hours(counted: Sequence[Approval], merged: datetime) -> float | None:
    times = [t for a in counted if (t := parse_time(a.time)) is not None]
    return round((merged - max(times)).total_seconds() / 3600, 2) if times else None


def _reviewed(group: Sequence[Mapping[str, Any]]) -> int | None:
    glass = [i for i, e in enumerate(group) if _pred(e).get("break_glass")]
    if not glass:
        return None
    later = group[glass[0] + 1 :]
    return next(
        (e["seq"] for e in later if _satisfied(e) and not _pred(e).get("break_glass")), None
    )


def _satisfied(entry: Mapping[str, Any]) -> bool:
    return bool(_pred(entry).get("approvals", {}).get("satisfied"))


def _change(group: Sequence[Mapping[str, Any]]) -> Change:
    merge, last = _merge_entry(group), group[-1]
    p, lp, merged = _pred(merge), _pred(last), _when(merge)
    authors = sorted({str(a) for e in group for a in _pred(e).get("authors", [])})
    approvals = _approvals(group, {_identity(a) for a in authors}, merged)
    counted = [a for a in approvals if a.counts]
    glass = next((_pred(e)["break_glass"] for e in group if _pred(e).get("break_glass")), None)
    pr = p.get("pull_request") or {}
    risk = p.get("risk", {})
    return Change(
        seq=merge["seq"],
        time=str(p.get("time", "")),
        head=str(p.get("head", "")),
        pr_number=pr.get("number"),
        pr_url=pr.get("url"),
        authors=tuple(authors),
        approvals=approvals,
        satisfied=_satisfied(last),
        approved_before_merge=_before_merge(counted),
        evals=tuple(str(x) for x in p.get("evals") or ()),
        tier=str(risk.get("tier", "none")),
        score=int(risk.get("score", 0)),
        verdict=str(lp.get("verdict", "")),
        reasons=tuple(str(r) for r in lp.get("reasons", ())),
        break_glass=str(glass.get("reason", "")) if glass else None,
        reviewed_seq=_reviewed(group),
        digest=str(p.get("change_set_digest", "")),
        records=tuple(e["seq"] for e in group),
        kinds=tuple(
            sorted({str(c.get("kind")) for e in group for c in _pred(e).get("changes", [])})
        ),
        lead_hours=_lead_hours(counted, merged),
    )


# ---- exceptions ------------------------------------------------------------------------------


def _exceptions(
    changes: Sequence[Change], in_period: Sequence[Mapping[str, Any]]
) -> tuple[Exception_, ...]:
    out: list[Exception_] = []
    for c in changes:
        out += _change_exceptions(c)
    out += _suppressions(in_period)
    rank = {name: i for i, name in enumerate(EXCEPTION_CATEGORIES)}
    return tuple(sorted(out, key=lambda x: (rank[x.category], x.seq, x.detail)))


def _change_exceptions(c: Change) -> list[Exception_]:
    def exc(category: str, detail: str) -> Exception_:
        return Exception_(category, c.seq, c.head, c.pr_number, detail)

    out = []
    if c.break_glass is None and (c.verdict == "fail" or not c.satisfied):
        out.append(exc("unapproved merge", "; ".join(c.reasons) or f"verdict {c.verdict}"))
    for a in c.approvals:
        if a.self_approval:
            why = f"counted: {'yes' if a.counts else 'no'}" + (f" ({a.reason})" if a.reason else "")
            out.append(exc("self-approval", f"{a.approver} is an author; {why}"))
        if a.counts and a.timing == "after merge" and c.break_glass is None:
            out.append(exc("approval after merge", f"{a.approver} approved at {a.time}"))
    if c.break_glass is not None:
        review = f"reviewed at seq {c.reviewed_seq}" if c.reviewed_seq else "NOT reviewed"
        out.append(exc("break-glass", f"{review}; reason: {c.break_glass}"))
    return out


def _suppressions(entries: Sequence[Mapping[str, Any]]) -> list[Exception_]:
    """Each inline ignore once, at the first record in the period that carries it."""
    seen: dict[tuple[str, ...], Exception_] = {}
    for e in entries:
        p = _pred(e)
        for s in p.get("suppressions", []):
            key = tuple(str(s.get(k)) for k in ("code", "path", "line", "justification"))
            why = s.get("justification") or "NO JUSTIFICATION GIVEN"
            detail = f"{s.get('code')} at {s.get('path')}:{s.get('line')}: {why}"
            pr = (p.get("pull_request") or {}).get("number")
            seen.setdefault(key, Exception_("suppression", e["seq"], p.get("head", ""), pr, detail))
    return list(seen.values())


# ---- inventory and coverage ------------------------------------------------------------------


def _merge_records(entries: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One record per change set (its merge point), in seq order: repeats are not new changes."""
    return sorted((_merge_entry(g) for g in _change_sets(entries).values()), key=lambda e: e["seq"])


def _pins(entries: Sequence[Mapping[str, Any]]) -> tuple[Pin, ...]:
    events: dict[str, list[tuple[str, PinEvent]]] = {}
    for e in _merge_records(entries):
        p = _pred(e)
        for c in p.get("changes", []):
            if c.get("kind") == "model":
                events.setdefault(str(c.get("artifact")), []).append(
                    (str(c.get("path")), _pin(e, c))
                )
    return tuple(
        Pin(
            artifact,
            found[-1][0],
            found[-1][1].type != "artifact-removed",
            tuple(x for _, x in found),
        )
        for artifact, found in sorted(events.items())
    )


def _pin(entry: Mapping[str, Any], c: Mapping[str, Any]) -> PinEvent:
    value = c.get("new") if c.get("type") == "model-changed" else None
    return PinEvent(
        seq=entry["seq"],
        time=str(_pred(entry).get("time", "")),
        type=str(c.get("type", "")),
        pointer=str(c.get("pointer", "")),
        old_sha256=c.get("old_sha256"),
        new_sha256=c.get("new_sha256"),
        new_value=str(value) if isinstance(value, str) else None,
    )


def _gaps(entries: Sequence[Mapping[str, Any]]) -> tuple[GuardrailGap, ...]:
    """PRM013 (production prompt with no guardrail) as recorded: introduced, then resolved."""
    gaps: dict[str, GuardrailGap] = {}
    for e in _merge_records(entries):
        p = _pred(e)
        for f in p.get("findings_introduced", []):
            if f.get("code") == GUARDRAIL_CODE:
                gaps[str(f.get("fingerprint"))] = GuardrailGap(
                    str(f.get("path")), str(f.get("pointer", "")), f.get("line"), e["seq"], None
                )
        for f in p.get("findings_resolved", []):
            old = gaps.get(str(f.get("fingerprint")))
            if f.get("code") == GUARDRAIL_CODE and old is not None and old.resolved_seq is None:
                gaps[str(f.get("fingerprint"))] = _resolve(old, e["seq"])
    return tuple(sorted(gaps.values(), key=lambda g: (g.resolved_seq is not None, g.path)))


def _resolve(gap: GuardrailGap, seq: int) -> GuardrailGap:
    return GuardrailGap(gap.path, gap.pointer, gap.line, gap.introduced_seq, seq)


def _weeks(changes: Sequence[Change], since: date, until: date) -> tuple[Week, ...]:
    """Changes per ISO week (Monday) by tier, every week of the period present (up to 2 years)."""
    counts: dict[str, dict[str, int]] = {}
    monday = since - timedelta(days=since.weekday())
    while monday <= until and len(counts) < 106:
        counts[monday.isoformat()] = {}
        monday += timedelta(days=7)
    for c in changes:
        moment = parse_time(c.time)
        if moment is not None:
            week = (moment.date() - timedelta(days=moment.weekday())).isoformat()
            tiers = counts.setdefault(week, {})
            tiers[c.tier] = tiers.get(c.tier, 0) + 1
    return tuple(Week(week, dict(sorted(t.items()))) for week, t in sorted(counts.items()))


# ---- the control table -----------------------------------------------------------------------

# (framework, control, title, evidence with {placeholders} from _stats, the stat counted).
# SOC 2 point-of-focus numbers are the ciso-assistant library's (the AICPA does not number them);
# ISO/IEC 42001 titles are from an outline of the paid standard, not its text.
CONTROL_TABLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("SOC 2", "CC8.1.1", "Manages changes throughout the system life cycle",
     "every change in the period with its ledger record, verdict and risk tier", "changes"),
    ("SOC 2", "CC8.1.4", "Documents changes",
     "records list each semantic change, its risk contributions and the verdict's reasons",
     "records"),
    ("SOC 2", "CC8.1.5", "Tracks system changes prior to implementation",
     "records hash-chained in seq order, {records} in the period", "records"),
    ("SOC 2", "CC8.1.7", "Tests system changes",
     "policy check verdict on every change ({passed} pass, {failed} fail); evals referenced by "
     "{with_evals} change(s)", "changes"),
    ("SOC 2", "CC8.1.8", "Approves system changes prior to implementation",
     "changes whose counted approvals all predate the merge point ({after} after merge, "
     "{unapproved} unapproved)", "approved_before"),
    ("SOC 2", "CC8.1.9", "Deploys system changes with segregation of responsibilities",
     "changes with a counted approval by a non-author; {self} self-approval(s) detected, never "
     "counted", "approved"),
    ("SOC 2", "CC8.1.12", "Creates baseline configuration",
     "model pins in force at the end of the period (inventory from the records)", "pins"),
    ("SOC 2", "CC8.1.13", "Provides for changes necessary in emergency situations",
     "break-glass changes with their reason; {reviewed} reviewed after merge", "break_glass"),
    ("SOC 2", "CC6.8.2", "Detects unauthorized changes to software and configuration",
     "unapproved merges and approvals after merge, listed as exceptions", "unauthorized"),
    ("SOC 2", "CC2.1", "Uses relevant, quality information (completeness and accuracy)",
     "hash-chained ledger, seq 1..{head_seq}; re-verify with llmward audit verify", "entries"),
    ("EU AI Act", "Art. 12(2)(a)", "Logging that reveals risks and substantial modifications",
     "automatic records of changes to prompts, model pins and guardrails; {model_changes} "
     "model change(s)", "records"),
    ("EU AI Act", "Art. 17(1)(a)", "QMS: procedures for managing modifications",
     "verdict, risk tier and approvals recorded for every change", "changes"),
    ("EU AI Act", "Art. 17(1)(k)", "QMS: record-keeping",
     "tamper-evident ledger in git notes (refs/notes/llmward/audit)", "entries"),
    ("NIST AI RMF", "GOVERN 1.3", "Risk management activities scaled to risk tiers",
     "each change's risk score and tier; approvals required per tier", "changes"),
    ("NIST AI RMF", "GOVERN 1.4", "Transparent policies and procedures",
     "config and policy file digests recorded with each verdict", "with_rules"),
    ("NIST AI RMF", "GOVERN 1.6", "Inventory of AI systems",
     "model pins from the records ({pins} in force)", "pins"),
    ("NIST AI RMF", "MANAGE 1.1", "Go/no-go decision on deployment",
     "verdict per change ({passed} pass, {failed} fail)", "changes"),
    ("NIST AI RMF", "MANAGE 4.1", "Post-deployment plans, including change management",
     "break-glass changes and their after-the-fact review", "break_glass"),
    ("NIST AI 600-1", "GV-1.6-003", "Inventory model versions",
     "model pin change history", "model_changes"),
    ("NIST AI 600-1", "MS-2.5-006", "Review guardrails",
     "production prompts recorded without a guardrail (PRM013), {open_gaps} still open",
     "gaps"),
    ("ISO/IEC 42001", "6.3", "Planning of changes",
     "every change assessed (risk tier) and decided (verdict) before merge", "changes"),
    ("ISO/IEC 42001", "A.3.2", "AI roles and responsibilities",
     "authors and approvers recorded per change; {self} self-approval(s)", "approved"),
    ("ISO/IEC 42001", "A.6.2.4", "AI system verification and validation",
     "policy verdicts; evals referenced by {with_evals} change(s)", "changes"),
    ("ISO/IEC 42001", "A.6.2.5", "AI system deployment",
     "changes approved before merge", "approved_before"),
    ("ISO/IEC 42001", "A.6.2.8", "AI system recording of event logs",
     "hash-chained audit ledger, head seq {head_seq}", "entries"),
)  # fmt: skip


def _stats(
    changes: Sequence[Change],
    exceptions: Sequence[Exception_],
    ledger: LedgerHead,
    entries: Sequence[Mapping[str, Any]],
) -> dict[str, int]:
    categories = [e.category for e in exceptions]
    period = {s for c in changes for s in c.records}
    pins = _pins(entries)
    return {
        "changes": len(changes),
        "records": len(period),
        "passed": sum(c.verdict == "pass" for c in changes),
        "failed": sum(c.verdict != "pass" for c in changes),
        "with_evals": sum(bool(c.evals) for c in changes),
        "approved_before": sum(c.approved_before_merge == "yes" for c in changes),
        "approved": sum(any(not a.self_approval for a in c.counted) for c in changes),
        "after": categories.count("approval after merge"),
        "unapproved": categories.count("unapproved merge"),
        "unauthorized": categories.count("unapproved merge")
        + categories.count("approval after merge"),
        "self": categories.count("self-approval"),
        "break_glass": categories.count("break-glass"),
        "reviewed": sum(c.reviewed_seq is not None for c in changes),
        "pins": sum(p.in_force for p in pins),
        "model_changes": sum(len(p.events) for p in pins),
        "gaps": len(_gaps(entries)),
        "open_gaps": sum(g.resolved_seq is None for g in _gaps(entries)),
        "entries": ledger.entries,
        "head_seq": ledger.seq,
        "with_rules": sum(
            bool(((_pred(e).get("rules") or {}).get("config") or {}).get("sha256"))
            for e in entries
            if e["seq"] in period
        ),
    }


def _controls(
    changes: Sequence[Change],
    exceptions: Sequence[Exception_],
    ledger: LedgerHead,
    entries: Sequence[Mapping[str, Any]],
) -> tuple[Control, ...]:
    stats = _stats(changes, exceptions, ledger, entries)
    return tuple(
        Control(framework, control, title, evidence.format(**stats), stats[counted])
        for framework, control, title, evidence, counted in CONTROL_TABLE
    )


# ---- the command (the only part that reads or writes) ----------------------------------------


def ledger_head(
    entries: Sequence[Mapping[str, Any]], count: int, problems: Sequence[str], source: str = ""
) -> LedgerHead:
    """The ledger's last entry and the command that re-verifies the chain up to it. `source`:
    the verify options naming the ledger (`--from-jsonl FILE`, `--ref REF`), empty for the
    default notes ref."""
    last = max(entries, key=lambda e: int(e["seq"])) if entries else None
    seq, digest = (int(last["seq"]), str(last["hash"])) if last else (0, "")
    command = f"llmward audit verify{source}" + (f" --anchor {seq}:{digest}" if last else "")
    return LedgerHead(seq, digest, count, not problems, tuple(problems), command)


def add_report_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", metavar="DATE", help="first day of the period, YYYY-MM-DD (UTC)")
    p.add_argument("--until", metavar="DATE", help="last day of the period, inclusive")
    p.add_argument("--format", choices=FORMATS, default="html", help="default: html")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    p.add_argument("--from-jsonl", metavar="FILE", help="read an export instead of the notes")


def run_report(args: argparse.Namespace) -> int:
    """Write the report; exit 1 when the ledger does not verify (the report says why)."""
    from llmward.errors import EXIT_FINDINGS, EXIT_OK

    found, head = _read_ledger(args)
    since, until = _period(args, found)
    report = build(found, since, until, head)
    _write(render(report, args.format), args.output)
    return EXIT_OK if head.intact else EXIT_FINDINGS


def render(report: AuditReport, fmt: str) -> str:
    from importlib import import_module

    if fmt not in FORMATS:
        raise ValueError(f"unknown audit report format {fmt!r}")
    module = import_module(f"llmward.report.audit_{fmt}_format")
    text: str = module.render(report)
    return text


def _read_ledger(args: argparse.Namespace) -> tuple[list[dict[str, Any]], LedgerHead]:
    from llmward import audit

    source = ""
    if getattr(args, "from_jsonl", None):
        from pathlib import Path

        lines = audit.read_jsonl(Path(args.from_jsonl))
        source = f" --from-jsonl {args.from_jsonl}"
    else:
        from llmward.commands._common import git_root
        from llmward.git import Repository

        repo = Repository(git_root(getattr(args, "root", None)))
        ref = repo.notes_ref(getattr(args, "ref", None) or audit.NOTES_REF)
        lines = audit.read_notes(repo, ref)
        source = f" --ref {args.ref}" if getattr(args, "ref", None) else ""
    result = audit.verify(lines, ordered=bool(source.startswith(" --from")))
    found = audit.entries(lines)
    problems = [p.text() for p in result.problems]
    return found, ledger_head(found, result.count, problems, source)


def _period(args: argparse.Namespace, found: Sequence[Mapping[str, Any]]) -> tuple[date, date]:
    """--since/--until, defaulting to the first and last record's days."""
    times = sorted(_when(e).date() for e in found if parse_time(_pred(e).get("time")))
    today = datetime.now(timezone.utc).date()
    since = _day(args.since, "--since") or (times[0] if times else today)
    until = _day(args.until, "--until") or (times[-1] if times else today)
    if until < since:
        from llmward.errors import UsageError

        raise UsageError(f"--until {until} is before --since {since}")
    return since, until


def _day(text: str | None, option: str) -> date | None:
    from llmward.errors import UsageError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text}: give a day as YYYY-MM-DD") from None


def _write(text: str, output: str | None) -> None:
    import sys

    if output and output != "-":
        from pathlib import Path

        from llmward.output import write_atomic

        write_atomic(Path(output), text)
        sys.stderr.write(f"wrote the audit report to {output}\n")
    else:
        sys.stdout.write(text)
