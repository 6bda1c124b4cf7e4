"""Approval requirements and their evidence: does this change have the approvals its tier needs?

Pure: the tier, the changed paths, the author, the evidence records and the rules (all read from
the base ref) in; a verdict with every reason out. The author never counts; an approval that a
source marked as not counting (stale, dismissed, bad signature) never counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmward.config import ApprovalConfig, Requirement
from llmward.evidence import Approval
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


def _identity(name: str) -> str:
    return name.lower().lstrip("@")


def eligible(approver: str, entry: str, owners: set[str], member: Membership) -> bool:
    """Does one `approvers:` entry admit this approver? `owners`: owners of the changed paths."""
    if entry == "codeowners":
        return any(eligible(approver, owner, set(), member) for owner in owners)
    if "/" in entry:  # @org/team
        return member(approver, entry.lstrip("@")) is True
    return _identity(entry) == _identity(approver)


@dataclass(frozen=True)
class Case:
    """The change being judged: its tier, its paths, who wrote it, the evidence found."""

    tier: str
    paths: tuple[str, ...]
    authors: tuple[str, ...]
    evidence: tuple[Approval, ...]
    break_glass: str | None = None  # the reason given, when the break-glass label is set


def decide(
    case: Case, config: ApprovalConfig, rules: list[Rule], member: Membership
) -> ApprovalVerdict:
    requirement = config.required.get(case.tier, Requirement(0))  # type: ignore[call-overload]
    authors = {_identity(a) for a in case.authors}
    owned = {p: owners_of(rules, p) for p in sorted(set(case.paths))}
    owners = {o for found in owned.values() for o in found}
    usable = [a for a in case.evidence if a.counts and _identity(a.approver) not in authors]
    ok = [a for a in usable if _admitted(a, requirement, owners, member)]
    counted = tuple({_identity(a.approver): a for a in ok}.values())
    reasons = _missing(requirement, counted, owned, member)
    glass = case.break_glass if reasons else None
    return ApprovalVerdict(
        case.tier,
        requirement.count,
        requirement.approvers,
        counted,
        case.evidence,
        not reasons or glass is not None,
        () if glass else tuple(reasons),
        glass,
    )


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
