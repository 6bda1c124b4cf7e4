"""BASE..HEAD: refs -> trusted rules -> changed artifacts -> diff -> change findings -> risk.

The config and policy packs are read from BASE, never from HEAD, so a change cannot weaken the rules
it is judged by; what HEAD would change in them is itself a change, and scored.

Only the changed files are parsed at both refs. What the rest of the repository contributes (does a
referenced guardrail exist? which prompts use this model pin?) comes from the files `git grep`
finds naming the ids involved, so the cost stays that of the change, not of the repository.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from llmward.config import Config, RiskConfig
from llmward.diff import ArtifactDiff, Change, diff_artifacts
from llmward.diff.governance import governance_changes
from llmward.discover import Candidate
from llmward.findings import Finding
from llmward.git import INDEX, WORKTREE, Repository
from llmward.parse import parse_bytes
from llmward.pipeline import FileResult, Settings, decide, scan_document
from llmward.policy.changes import ChangeFinding, evaluate_changes
from llmward.repository import Artifact, RepoIndex, Summary
from llmward.rules import load_rules
from llmward.score import Item, RiskScore, score
from llmward.sources import TreeSource


@dataclass(frozen=True)
class Side:
    """One ref: its label, what its changed files hold, and the index around them."""

    ref: str
    results: dict[str, FileResult]
    artifacts: list[Artifact]
    index: RepoIndex


@dataclass(frozen=True)
class Comparison:
    base: str
    head: str
    diffs: tuple[ArtifactDiff, ...]
    changes: tuple[Change, ...]
    change_findings: tuple[ChangeFinding, ...]
    introduced: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    risk: RiskScore
    config: Config
    rules_source: str = "base"
    radius: dict[tuple[str, str], int] = field(default_factory=dict)


def compare(root: Path, base_ref: str, head_ref: str, config_path: str | None = None) -> Comparison:
    repo = Repository(root)
    base = repo.resolve(base_ref)
    head = head_ref if head_ref in (INDEX, WORKTREE) else repo.resolve(head_ref)
    base_src = TreeSource(repo, base, repo.tree_files(base))
    head_src = TreeSource(repo, head, repo.tree_files(head))
    rules = load_rules(base_src, repo.root, config_path, strict=True)
    assert rules.settings is not None
    settings = rules.settings
    changed = repo.changes(base, head)
    old_side = _side(repo, settings, base_src, [c.old_path for c in changed if c.old_path])
    new_side = _side(repo, settings, head_src, [c.new_path for c in changed if c.new_path])
    diffs = diff_artifacts(old_side.artifacts, new_side.artifacts)
    head_rules = load_rules(head_src, repo.root, config_path, strict=False)
    changes = [c for d in diffs for c in d.changes]
    changes += governance_changes(rules.governance, head_rules.governance)
    return _judge(settings, diffs, changes, old_side, new_side)


def _judge(
    settings: Settings, diffs: list[ArtifactDiff], changes: list[Change], old: Side, new: Side
) -> Comparison:
    radius = {(d.kind, d.id): _radius(d, old, new) for d in diffs}
    changes = [_served(c, diffs, old, new) for c in changes]
    found = evaluate_changes(settings.policies, changes)
    before, after = _findings(settings, old), _findings(settings, new)
    introduced, resolved = _delta(before, after), _delta(after, before)
    items = [_item(f, radius) for f in found] + [
        _lint_item(f, settings.config.risk, new) for f in introduced
    ]
    return Comparison(
        old.ref,
        new.ref,
        tuple(diffs),
        tuple(changes),
        tuple(found),
        tuple(introduced),
        tuple(resolved),
        score(items, settings.config.risk),
        settings.config,
        radius=radius,
    )


def _side(repo: Repository, settings: Settings, source: TreeSource, paths: list[str]) -> Side:
    groups = settings.by_kind()
    results: dict[str, FileResult] = {}
    artifacts: list[Artifact] = []
    for path in sorted(set(paths)):
        kind = settings.classifier.kind(path)
        if kind is None:
            continue
        doc = parse_bytes(path, source.read(path), max_bytes=settings.config.limits.max_file_bytes)
        result, found = scan_document(settings, groups, Candidate(path, kind), doc)
        results[path], artifacts = result, artifacts + found
    index = _index(repo, settings, source, results)
    return Side(source.snapshot, results, artifacts, index)


def _index(
    repo: Repository, settings: Settings, source: TreeSource, results: dict[str, FileResult]
) -> RepoIndex:
    """The part of the repository index that the changed files' conditions can ask about."""
    words = _ids(results.values())
    summaries = [s for r in results.values() for s in r.summaries]
    for path in sorted(repo.grep(source.snapshot, sorted(words), ["."]) - results.keys()):
        kind = settings.classifier.kind(path)
        if kind is not None:
            summaries += _summaries(settings, source, Candidate(path, kind))
    return RepoIndex(summaries)


def _ids(results: Iterable[FileResult]) -> set[str]:
    """Every id a changed file defines or its findings' conditions name."""
    words: set[str] = set()
    for result in results:
        for summary in result.summaries:
            words |= {summary.id, *summary.guardrails, *summary.applies_to}
            words |= {summary.model} if summary.model else set()
        for finding in result.findings:
            words |= _condition_words(finding.condition)
    return {w for w in words if w}


def _condition_words(condition: tuple[object, ...]) -> set[str]:
    words: set[str] = set()
    for part in condition[1:]:
        if isinstance(part, str):
            words.add(part)
        elif (
            isinstance(part, tuple)
            and part
            and part[0] in ("missing", "unguarded", "duplicate", "serves", "all")
        ):
            words |= _condition_words(part)
        elif isinstance(part, tuple):
            words |= {p for p in part if isinstance(p, str)}
    return words


def _summaries(settings: Settings, source: TreeSource, cand: Candidate) -> list[Summary]:
    from llmward.repository import artifacts_of

    doc = parse_bytes(
        cand.path, source.read(cand.path), max_bytes=settings.config.limits.max_file_bytes
    )
    envs = settings.classifier.environments_of(cand.path)
    return [a.summary() for a in artifacts_of(cand.kind, doc, envs)] if doc.ok else []


def _findings(settings: Settings, side: Side) -> list[Finding]:
    return [
        f
        for r in side.results.values()
        for f in decide(settings.policies, r, side.index)
        if f.active
    ]


def _key(f: Finding) -> tuple[str, str, str, str]:
    pointer = f.pointer
    if f.artifact.startswith("model:") and pointer.startswith("/models/"):
        pointer = "/" + pointer.split("/", 3)[3] if pointer.count("/") > 2 else ""
    return (f.code, f.artifact or f.path, pointer, f.value_hash)


def _delta(before: list[Finding], after: list[Finding]) -> list[Finding]:
    """Findings in `after` with no counterpart in `before` (by code, artifact, place, value)."""
    seen = {_key(f) for f in before}
    return sorted(f for f in after if _key(f) not in seen)


def _served(change: Change, diffs: list[ArtifactDiff], old: Side, new: Side) -> Change:
    """A guardrail serves the environments of the prompts it protects, at either ref."""
    if change.kind != "guardrail":
        return change
    envs = set(change.environments)
    for d in diffs:
        if d.kind == "guardrail" and d.id == change.artifact:
            for side, artifact in ((old, d.old), (new, d.new)):
                applies = artifact.strings("applies_to") if artifact is not None else ()
                envs |= side.index.guardrail_environments(d.id, applies)
    return replace(change, environments=tuple(sorted(envs)))


def _radius(diff: ArtifactDiff, old: Side, new: Side) -> int:
    users = old.index.users(diff.kind, diff.id) | new.index.users(diff.kind, diff.id)
    return max(len(users), 1)


def _item(found: ChangeFinding, radius: dict[tuple[str, str], int]) -> Item:
    c = found.change
    span = c.span or c.old_span
    return Item(
        found.code,
        found.severity,
        found.points,
        c.kind,
        c.artifact,
        c.environments,
        radius.get((c.kind, c.artifact), 1),
        found.message,
        c.path,
        span.line if span else 1,
    )


def _lint_item(f: Finding, risk: RiskConfig, side: Side) -> Item:
    kind, _, artifact = f.artifact.partition(":")
    envs = next(
        (
            s.environments
            for r in side.results.values()
            for s in r.summaries
            if f"{s.kind}:{s.id}" == f.artifact
        ),
        (),
    )
    return Item(
        f.code,
        f.severity,
        next((v for k, v in risk.finding_points.items() if k == f.severity), 0.0),
        kind or "file",
        artifact or f.path,
        envs,
        1,
        f"introduces: {f.message}",
        f.path,
        f.line,
    )
