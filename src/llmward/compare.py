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
from llmward.git import INDEX, WORKTREE, PathChange, Repository
from llmward.parse import parse_bytes
from llmward.parse.document import Span
from llmward.pipeline import FileResult, Settings, decide, scan_document
from llmward.policy.changes import ChangeFinding, evaluate_changes
from llmward.repository import Artifact, RepoIndex
from llmward.rules import load_rules
from llmward.score import Item, RiskScore, score
from llmward.sources import TreeSource


@dataclass(frozen=True)
class Side:
    """One ref: what its changed files hold, the unchanged files that name the ids involved
    (their findings can still change: a pin they use was deleted), and the index around them."""

    ref: str
    results: dict[str, FileResult]
    artifacts: list[Artifact]
    index: RepoIndex
    neighbours: dict[str, FileResult] = field(default_factory=dict)

    def files(self) -> list[FileResult]:
        return [*self.results.values(), *self.neighbours.values()]

    def environments(self, key: str) -> set[str]:
        """The environments of the artifact `kind:id`, as the files at this ref say."""
        found = {
            e
            for r in self.files()
            for s in r.summaries
            if f"{s.kind}:{s.id}" == key
            for e in s.environments
        }
        kind, _, id_ = key.partition(":")
        if kind == "guardrail":
            applies = {
                p
                for r in self.files()
                for s in r.summaries
                if s.kind == "guardrail" and s.id == id_
                for p in s.applies_to
            }
            found |= self.index.guardrail_environments(id_, applies)
        return found


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
    settings: Settings | None = None  # the rules in force (from BASE)


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
    old = _scan(settings, base_src, [c.old_path for c in changed if c.old_path])
    new = _scan(settings, head_src, [c.new_path for c in changed if c.new_path])
    words = _ids(r for r, _ in [*old.values(), *new.values()])
    old_side = _side(repo, settings, base_src, old, words)
    new_side = _side(repo, settings, head_src, new, words)
    diffs = diff_artifacts(old_side.artifacts, new_side.artifacts)
    head_rules = load_rules(head_src, repo.root, config_path, strict=False)
    changes = [c for d in diffs for c in d.changes]
    changes += governance_changes(rules.governance, head_rules.governance)
    changes += _approval_files(settings.config, changed)
    return _judge(settings, diffs, changes, old_side, new_side)


def _approval_files(config: Config, changed: list[PathChange]) -> list[Change]:
    """CODEOWNERS, the teams file and allowed_signers decide who may approve: a change to one is
    a change to the approval rules (judged, like everything, by the copy at BASE)."""
    from llmward.owners import DEFAULT_LOCATIONS

    a = config.approvals
    files = {a.owners_file} if a.owners_file else set(DEFAULT_LOCATIONS)
    files |= {f for f in (a.teams_file, a.allowed_signers) if f}
    out = []
    for c in changed:
        for path in sorted({p for p in (c.old_path, c.new_path) if p} & files):
            out.append(
                Change(
                    "approval-rules-changed",
                    "config",
                    path,
                    path,
                    "",
                    c.old_path,
                    c.new_path,
                    Span(1, 1, 1, 1) if c.new_path else None,
                    Span(1, 1, 1, 1) if c.old_path else None,
                )
            )
    return out


def _judge(
    settings: Settings, diffs: list[ArtifactDiff], changes: list[Change], old: Side, new: Side
) -> Comparison:
    radius = {(d.kind, d.id): _radius(d, old, new) for d in diffs}
    changes = [_served(c, diffs, old, new) for c in changes]
    found = evaluate_changes(settings.policies, changes)
    before, after = _findings(settings, old), _findings(settings, new)
    introduced, resolved = _delta(before, after), _delta(after, before)
    items = [_item(f, radius) for f in found] + [
        _lint_item(f, settings.config.risk, old, new) for f in introduced
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
        settings=settings,
    )


Scanned = dict[str, tuple[FileResult, list[Artifact]]]


def _scan(settings: Settings, source: TreeSource, paths: Iterable[str]) -> Scanned:
    groups = settings.by_kind()
    out: Scanned = {}
    for path in sorted(set(paths)):
        kind = settings.classifier.kind(path)
        if kind is not None:
            raw = source.read(path)
            doc = parse_bytes(path, raw, max_bytes=settings.config.limits.max_file_bytes)
            out[path] = scan_document(settings, groups, Candidate(path, kind), doc)
    return out


def _side(
    repo: Repository, settings: Settings, source: TreeSource, scanned: Scanned, words: set[str]
) -> Side:
    """A ref's changed files, plus every unchanged file naming one of `words` (found by git
    grep): together they hold everything the changed files' conditions and blast radius ask."""
    hits = repo.grep(source.snapshot, sorted(words), ["."]) - scanned.keys()
    neighbours = {path: result for path, (result, _) in _scan(settings, source, hits).items()}
    results = {path: result for path, (result, _) in scanned.items()}
    summaries = [s for r in [*results.values(), *neighbours.values()] for s in r.summaries]
    artifacts = [a for _, found in scanned.values() for a in found]
    return Side(source.snapshot, results, artifacts, RepoIndex(summaries), neighbours)


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


def _findings(settings: Settings, side: Side) -> list[Finding]:
    return [f for r in side.files() for f in decide(settings.policies, r, side.index) if f.active]


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


# Changes that concern one prompt, not every prompt using the pin or guardrail.
ONE_PROMPT = frozenset({"guardrail-detached", "guardrail-attached"})


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
        1 if c.type in ONE_PROMPT else radius.get((c.kind, c.artifact), 1),
        found.message,
        c.path,
        span.line if span else 1,
    )


def _lint_item(f: Finding, risk: RiskConfig, old: Side, new: Side) -> Item:
    """An introduced lint finding, weighted by the environments of its artifact at either ref."""
    kind, _, artifact = f.artifact.partition(":")
    envs = tuple(sorted(old.environments(f.artifact) | new.environments(f.artifact)))
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
