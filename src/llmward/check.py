"""lint + diff + risk + approvals -> one verdict, with every reason.

Everything that decides the verdict is read from BASE: the config and policies (compare.py), the
owners file, the teams file and the allowed_signers file (here). A pull request cannot add an
approver, a key or an owner that would let itself through.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmward.approve import ApprovalVerdict, Case, Membership, decide
from llmward.compare import Comparison, compare
from llmward.evidence import Approval, EvidenceError, EvidenceSource
from llmward.findings import Finding, at_or_above
from llmward.git import Repository
from llmward.owners import DEFAULT_LOCATIONS, Rule, parse
from llmward.sources import TreeSource


@dataclass(frozen=True)
class PullRequest:
    """What the CI run knows about the pull request (from GITHUB_EVENT_PATH)."""

    repository: str  # owner/name
    number: int
    base: str
    head: str
    author: str
    labels: tuple[str, ...] = ()
    body: str = ""
    url: str = ""


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...]
    comparison: Comparison
    approvals: ApprovalVerdict
    blocking: tuple[Finding, ...]  # introduced findings at or above fail_on
    fail_on: str
    errors: tuple[str, ...] = ()  # evidence that could not be read (the check fails closed)

    @property
    def name(self) -> str:
        return "pass" if self.passed else "fail"


def run_check(
    root: Path,
    base: str,
    head: str,
    *,
    pr: PullRequest | None,
    fail_on: str | None,
    config_path: str | None,
    github: EvidenceSource | None,
) -> Verdict:
    comparison = compare(root, base, head, config_path)
    source = _base_source(root, comparison.base)
    sources: list[EvidenceSource] = [s for s in (github, _signed(root, comparison, source)) if s]
    evidence, errors = _evidence(sources)
    member = _membership(sources, _teams(source, comparison))
    authors = _authors(root, comparison, pr)
    case = Case(
        comparison.risk.tier,
        _paths(comparison),
        authors,
        tuple(evidence),
        _break_glass(pr, comparison),
        _accounts(authors, pr),
    )
    approvals = decide(case, comparison.config.approvals, _owners(source, comparison), member)
    threshold = fail_on or comparison.config.fail_on
    blocking = tuple(f for f in comparison.introduced if at_or_above(f.severity, threshold))
    reasons = [f"{len(blocking)} finding(s) introduced at or above {threshold}"] if blocking else []
    reasons += list(approvals.reasons) + [f"evidence unreadable: {e}" for e in errors]
    return Verdict(
        not reasons, tuple(reasons), comparison, approvals, blocking, threshold, tuple(errors)
    )


def _base_source(root: Path, base: str) -> TreeSource:
    repo = Repository(root)
    return TreeSource(repo, base, repo.tree_files(base))


def _read(source: TreeSource, path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return source.read(path)
    except FileNotFoundError:
        return None


def _owners(source: TreeSource, comparison: Comparison) -> list[Rule]:
    configured = comparison.config.approvals.owners_file
    for path in (configured,) if configured else DEFAULT_LOCATIONS:
        raw = _read(source, path)
        if raw is not None and len(raw) < 3 * 1024 * 1024:  # GitHub ignores larger files
            return parse(raw.decode("utf-8", "replace"))
    return []


def _teams(source: TreeSource, comparison: Comparison) -> dict[str, set[str]]:
    raw = _read(source, comparison.config.approvals.teams_file)
    if raw is None:
        return {}
    from llmward.parse import parse_bytes

    data = parse_bytes("teams", raw, max_bytes=1024 * 1024).data
    if not isinstance(data, dict):
        return {}
    return {
        str(team).lstrip("@"): {str(u).lower().lstrip("@") for u in users}
        for team, users in data.items()
        if isinstance(users, list)
    }


def _membership(sources: list[EvidenceSource], teams: dict[str, set[str]]) -> Membership:
    """Team membership from the API where the token can read it, else the teams file at base."""

    def member(user: str, team: str) -> bool | None:
        for source in sources:
            try:
                known = source.is_member(user, team)
            except EvidenceError:
                known = None  # cannot tell: not a member, so the approval does not count
            if known is not None:
                return known
        return user.lower() in teams[team] if team in teams else None

    return member


def _signed(root: Path, comparison: Comparison, source: TreeSource) -> EvidenceSource | None:
    signers = _read(source, comparison.config.approvals.allowed_signers)
    if signers is None:
        return None
    from llmward.signed import SignedApprovals

    return SignedApprovals(Repository(root), comparison.base, comparison.head, signers)


def _evidence(sources: list[EvidenceSource]) -> tuple[list[Approval], list[str]]:
    found: list[Approval] = []
    errors: list[str] = []
    for source in sources:
        try:
            found += source.approvals()
        except EvidenceError as err:
            errors.append(f"{source.name}: {err}")
    return found, errors


def _paths(comparison: Comparison) -> tuple[str, ...]:
    paths = {c.path for c in comparison.changes}
    for d in comparison.diffs:
        paths |= {a.path for a in (d.old, d.new) if a is not None}
    return tuple(sorted(p for p in paths if p))


def _authors(root: Path, comparison: Comparison, pr: PullRequest | None) -> tuple[str, ...]:
    """Who wrote the change: the pull request's author, and every commit author in the range."""
    authors = set(Repository(root).authors(comparison.base, comparison.head))
    return tuple(sorted(authors | ({pr.author} if pr else set())))


def _accounts(authors: tuple[str, ...], pr: PullRequest | None) -> tuple[str, ...]:
    """The author accounts a signer must be told apart from: commit emails (names are not
    accounts) and the pull request's author."""
    return tuple(a for a in authors if "@" in a or (pr is not None and a == pr.author))


GLASS_PREFIX = "break-glass:"


def _break_glass(pr: PullRequest | None, comparison: Comparison) -> str | None:
    """The reason given in the description, when the break-glass label is set; no reason, no
    break-glass."""
    if pr is None or comparison.config.approvals.break_glass_label not in pr.labels:
        return None
    for line in pr.body.splitlines():
        if line.strip().lower().startswith(GLASS_PREFIX):
            reason = line.strip()[len(GLASS_PREFIX) :].strip()
            return reason or None
    return None


def pull_request_from_event(path: str | None = None) -> PullRequest | None:
    """The pull request of a `pull_request` event payload (GITHUB_EVENT_PATH), else None."""
    import json

    event_path = path or os.environ.get("GITHUB_EVENT_PATH")
    if not event_path:
        return None
    try:
        event: dict[str, Any] = json.loads(Path(event_path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    pr = event.get("pull_request")
    if not isinstance(pr, dict):
        return None
    return PullRequest(
        repository=str(event.get("repository", {}).get("full_name", "")),
        number=int(pr.get("number", 0)),
        base=str(pr["base"]["sha"]),
        head=str(pr["head"]["sha"]),
        author=str((pr.get("user") or {}).get("login", "")),
        labels=tuple(str(label.get("name")) for label in pr.get("labels", [])),
        body=str(pr.get("body") or ""),
        url=str(pr.get("html_url", "")),
    )
