"""Approval requirements and their evidence: does this change have the approvals its tier needs?

Pure: the tier, the changed paths, the author, the evidence records and the rules (all read from
the base ref) in; a verdict with every reason out. The author never counts; an approval that a
source marked as not counting (stale, dismissed, bad signature) never counts. Names are resolved
to people through `approvals.identities`: one person counts once, however many accounts or keys
they approve with, and never when they wrote the change under another name. A signing principal
is a name of its own choosing, so a signed approval counts only when the signer and every
author account are linked to people there; otherwise it is listed with what to add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from llmward.config import ApprovalConfig, Requirement, name_key
from llmward.evidence import SIGNED_SOURCE, Approval
from llmward.owners import Rule, owners_of

Membership = Callable[[str, str], bool | None]  # (user, "org/team") -> member? None: unknown


@dataclass(frozen=True)
class ApprovalVerdict:
    tier: str
    required: int
    approvers: tuple[str, ...]  # who may approve, as configured ("anyone but the author" if empty)
    counted: tuple[Approval, ...]  # approvals that satisfy the requirement
    evidence: tuple[Approval, ...]  # everything found, for the report and the audit record
    satisfied: bool
    reasons: tuple[str, ...]  # why not satisfied (empty when it is)
    break_glass: str | None = None  # the recorded reason, when the change passed by break-glass


def eligible(approver: str, entry: str, owners: set[str], member: Membership) -> bool:
    """Does one `approvers:` entry admit this approver? `owners`: owners of the changed paths."""
    if entry == "codeowners":
        return any(eligible(approver, owner, set(), member) for owner in owners)
    if "/" in entry:  # @org/team
        return member(approver, entry.lstrip("@")) is True
    return name_key(entry) == name_key(approver)


@dataclass(frozen=True)
class Case:
    """The change being judged: its tier, its paths, who wrote it, the evidence found."""

    tier: str
    paths: tuple[str, ...]
    authors: tuple[str, ...]
    evidence: tuple[Approval, ...]
    break_glass: str | None = None  # the reason given, when the break-glass label is set
    accounts: tuple[str, ...] = ()  # author accounts a signer must be told apart from (emails, PR)


def decide(
    case: Case, config: ApprovalConfig, rules: list[Rule], member: Membership
) -> ApprovalVerdict:
    requirement = config.required.get(case.tier, Requirement(0))  # type: ignore[call-overload]
    owned = {p: owners_of(rules, p) for p in sorted(set(case.paths))}
    owners = {o for found in owned.values() for o in found}
    known = config.people()
    evidence = _screened(case, known)
    ok = [a for a in evidence if a.counts and _admitted(a, requirement, owners, member)]
    counted = _one_each(ok, known)
    reasons = _missing(requirement, counted, owned, member)
    glass = case.break_glass if reasons else None
    return ApprovalVerdict(
        case.tier,
        requirement.count,
        requirement.approvers,
        counted,
        evidence,
        not reasons or glass is not None,
        () if glass else tuple(reasons),
        glass,
    )


def _person(name: str, known: dict[str, str]) -> str:
    return known.get(name_key(name), name_key(name))


def _screened(case: Case, known: dict[str, str]) -> tuple[Approval, ...]:
    """The evidence, with approvals by an author (under any of their names) or by an unlinked
    signer marked as not counting, and why. A signer must be told apart from the authors and
    from every other approver, so all of them must be linked."""
    authors = {_person(a, known) for a in case.authors}
    approvers = [a.approver for a in case.evidence if a.counts]
    screened = []
    for a in case.evidence:
        reason = ""
        if a.counts and _person(a.approver, known) in authors:
            reason = "the author cannot approve their own change"
        elif a.counts and a.source == SIGNED_SOURCE:
            names = (*approvers, *case.accounts)
            unlinked = [x for x in names if name_key(x) not in known]
            if unlinked:
                reason = (
                    "a signer cannot be told apart from the authors: list "
                    f"{', '.join(sorted(set(unlinked)))} in approvals.identities"
                )
        screened.append(replace(a, counts=False, reason=reason) if reason else a)
    return tuple(screened)


def _one_each(ok: list[Approval], known: dict[str, str]) -> tuple[Approval, ...]:
    """One approval per person and per signing key: the first found."""
    counted: dict[str, Approval] = {}
    keys: set[str] = set()
    for a in ok:
        person = _person(a.approver, known)
        key = a.reference.rsplit(" ", 1)[-1] if a.source == SIGNED_SOURCE else ""
        if person in counted or key in keys:
            continue
        counted[person] = a
        if key:
            keys.add(key)
    return tuple(counted.values())


def _admitted(a: Approval, req: Requirement, owners: set[str], member: Membership) -> bool:
    return not req.approvers or any(eligible(a.approver, e, owners, member) for e in req.approvers)


def _missing(
    req: Requirement,
    counted: tuple[Approval, ...],
    owned: dict[str, tuple[str, ...]],
    member: Membership,
) -> list[str]:
    reasons = []
    if len(counted) < req.count:
        who = ", ".join(req.approvers) or "anyone but the author"
        reasons.append(f"needs {req.count} approval(s) from {who}; has {len(counted)}")
    if req.count and "codeowners" in req.approvers:
        if not any(owned.values()):
            reasons.append(
                "no code owners for the changed files: add a CODEOWNERS file (read "
                "from the base ref) or name approvers in approvals.required"
            )
        for path, owners in sorted(owned.items()):
            if owners and not any(
                eligible(a.approver, o, set(), member) for a in counted for o in owners
            ):
                reasons.append(f"{path}: no approval from its code owners ({' '.join(owners)})")
    return reasons
