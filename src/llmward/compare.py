"""BASE..HEAD: refs -> trusted rules -> changed artifacts -> diff -> change findings -> risk.

The config and policy packs are read from BASE, never from HEAD, so a change cannot weaken the rules
it is judged by; what HEAD would change in them is itself a change, and scored.

Only the changed files are parsed at both refs. What the rest of the repository contributes (does a
referenced guardrail exist? which prompts use this model pin?) comes from the files `git grep`
finds naming the ids involved, so the cost stays that of the change, not of the repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from llmward import formats
from llmward.config import Config, RiskConfig
from llmward.diff import ArtifactDiff, Change, diff_artifacts
from llmward.diff.governance import governance_changes
from llmward.discover import Candidate
from llmward.findings import Finding
from llmward.formats import Reading
from llmward.git import INDEX, WORKTREE, PathChange, Repository
from llmward.parse.document import Span
from llmward.pipeline import FileResult, Settings, decide, scan_document
from llmward.policy.changes import ChangeFinding, evaluate_changes
from llmward.repository import Artifact, RepoIndex, Summary
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
        """The environments of the artifact `kind:id`, as the files at this ref say (a
        guardrail's include those of the prompts it protects)."""
        found = set(self.index.envs.get(key, ()))
        kind, _, id_ = key.partition(":")
        if kind == "guardrail":
            found |= self.index.guardrail_environments(id_, self.index.guard_users.get(id_, ()))
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
    volatile = _volatile(old, new)
    words = _ids(r for r, _ in [*old.values(), *new.values()]) | volatile
    memo: dict[str, list[Summary]] = {}  # (path, blob) -> summaries: unchanged files parse once
    old_side = _side(repo, settings, base_src, old, words=words, volatile=volatile, memo=memo)
    new_side = _side(repo, settings, head_src, new, words=words, volatile=volatile, memo=memo)
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
            reading = _read(settings, source, Candidate(path, kind))
            result = scan_document(settings, groups, Candidate(path, kind), reading)
            if result[0].recognised:
                out[path] = result
    return out


def _side(
    repo: Repository,
    settings: Settings,
    source: TreeSource,
    scanned: Scanned,
    *,
    words: set[str],
    volatile: set[str],
    memo: dict[str, list[Summary]],
) -> Side:
    """A ref's changed files, plus the unchanged files naming one of `words` (found by git grep).
    Those naming a `volatile` id (one the change adds, removes or re-links) can gain or lose
    findings, and are scanned in full; the rest only lend their summaries to the index."""
    summaries = [s for r, _ in scanned.values() for s in r.summaries]
    volatile_hits = []
    for path, raw in _naming(repo, settings, source, scanned, words).items():
        kind = settings.classifier.kind(path)
        assert kind is not None
        key = f"{path}\0{source.files[path]}"  # the path too: it decides the environments
        if volatile & set(_tokens(raw)):
            volatile_hits.append(path)
        elif key in memo:
            summaries += memo[key]
        else:
            memo[key] = _summaries(settings, source, Candidate(path, kind), raw)
            summaries += memo[key]
    neighbours = {p: result for p, (result, _) in _scan(settings, source, volatile_hits).items()}
    summaries += [s for r in neighbours.values() for s in r.summaries]
    results = {path: result for path, (result, _) in scanned.items()}
    artifacts = [a for _, found in scanned.values() for a in found]
    return Side(source.snapshot, results, artifacts, RepoIndex(summaries), neighbours)


# Ids are whole tokens of these characters in YAML (ID_PATTERN), so a token set finds them.
_TOKEN = re.compile(rb"[A-Za-z0-9._/-]+")


def _tokens(raw: bytes) -> list[str]:
    return [t.decode() for t in _TOKEN.findall(raw)]


def _naming(
    repo: Repository, settings: Settings, source: TreeSource, scanned: Scanned, words: set[str]
) -> dict[str, bytes]:
    """The unchanged artifact files at this snapshot naming one of `words`, with their bytes: all
    of them read in one batch, then matched by token (faster than git grep for many ids)."""
    others = {
        p: b
        for p, b in source.files.items()
        if p not in scanned and settings.classifier.kind(p) is not None
    }
    if not words or not others:
        return {}
    contents = repo.read_many(source.snapshot, others)
    return {p: raw for p, raw in contents.items() if words & set(_tokens(raw))}


def _read(
    settings: Settings, source: TreeSource, cand: Candidate, raw: bytes | None = None
) -> Reading:
    """A file at this snapshot, read in its format; adapters read its neighbours at the same
    snapshot, never from the working tree."""

    def files(path: str) -> bytes | None:
        return source.read(path) if path in source.files else None

    data = source.read(cand.path) if raw is None else raw
    snapshot = formats.Snapshot(files, source.files_under)
    return formats.read(cand.path, cand.kind, data, settings.config.limits.max_file_bytes, snapshot)


def _summaries(
    settings: Settings, source: TreeSource, cand: Candidate, raw: bytes
) -> list[Summary]:
    from llmward.repository import artifacts_of, read_as_strings

    reading = _read(settings, source, cand, raw)
    if not reading.doc.ok:
        return []
    envs = settings.classifier.environments_of(cand.path)
    out = []
    for projection in reading.projections:
        if projection.doc.ok and projection.doc.data is not None:
            read_as_strings(projection.kind, projection.doc)
            out += [a.summary() for a in artifacts_of(projection.kind, projection.doc, envs)]
    return out


def _volatile(old: Scanned, new: Scanned) -> set[str]:
    """Ids whose existence or links differ between the refs: findings elsewhere can follow."""

    def defined(scanned: Scanned) -> set[tuple[str, str]]:
        return {(s.kind, s.id) for r, _ in scanned.values() for s in r.summaries}

    def links(scanned: Scanned) -> set[tuple[str, str]]:
        out: set[tuple[str, str]] = set()
        for r, _ in scanned.values():
            for s in r.summaries:
                out |= {(s.id, p) for p in s.applies_to} | {(g, s.id) for g in s.guardrails}
                out |= {(s.model, s.id)} if s.model else set()
        return out

    ids = {id_ for _, id_ in defined(old) ^ defined(new)}
    return ids | {x for pair in links(old) ^ links(new) for x in pair}


def _ids(results: Iterable[FileResult]) -> set[str]:
    """What the rest of the repository must say something about: the pins and guardrails the
    change touches (their blast radius) and every id the changed files' conditions name."""
    words: set[str] = set()
    for result in results:
        words |= {s.id for s in result.summaries if s.kind in ("model", "guardrail")}
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
