"""discover -> parse -> policy -> suppress -> baseline: the one function that composes lint.

Phase A (`scan_file`) reads one file alone: parse, run every policy, note its suppressions. It is
pure in the file's bytes, so results are cached by content hash and spread over processes.
Phase B (`lint`) builds the repository index from the summaries, decides the findings that depend
on other files, then applies suppressions and the baseline.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from llmward import suppress
from llmward.config import Config
from llmward.discover import Candidate, Classifier, discover, list_files, walk
from llmward.findings import Finding, value_hash
from llmward.formats import Files, Reading
from llmward.parse.document import Document, Problem, Span
from llmward.policy.evaluate import Compiled, render, run_policy
from llmward.policy.load import PolicySet
from llmward.policy.model import MatcherMatch
from llmward.repository import (
    KINDS,
    Artifact,
    RepoIndex,
    Summary,
    artifacts_of,
    read_as_strings,
)


@dataclass(frozen=True)
class FileResult:
    path: str
    kind: str
    summaries: tuple[Summary, ...]
    findings: tuple[Finding, ...]
    suppressions: tuple[suppress.Suppression, ...]
    source: tuple[tuple[int, ...], str] | None = None  # (stat, sha256) of the bytes scanned
    recognised: bool = True  # False: a `detect:` file in no format llmward reads


@dataclass(frozen=True)
class LintResult:
    findings: tuple[Finding, ...]  # every finding in scope, suppressed and baselined ones included
    files: int
    artifacts: int
    policies: PolicySet
    fail_on: str = "high"  # the config's threshold
    unread: tuple[str, ...] = ()  # `detect:` files in scope that are in no format llmward reads


@dataclass(frozen=True)
class Settings:
    root: Path
    config: Config
    classifier: Classifier
    policies: PolicySet
    cache: bool = True

    def by_kind(self) -> dict[str, list[Compiled]]:
        """Policies by the kind they run on: `file` ones once per file, `any` on every artifact."""
        groups: dict[str, list[Compiled]] = {k: [] for k in ("file", "any", *KINDS)}
        for compiled in self.policies.policies:
            if _matcher_name(compiled) == "suppression" or compiled.policy.kind == "change":
                continue  # suppressions: decided in phase B; change policies: by `llmward diff`
            groups[compiled.policy.kind].append(compiled)
        for kind in KINDS:
            groups[kind] += groups["any"]
        return groups


def _matcher_name(compiled: Compiled) -> str:
    match = compiled.policy.match
    return match.matcher if isinstance(match, MatcherMatch) else ""


def read_document(
    root: Path, cand: Candidate, max_bytes: int
) -> tuple[Reading, tuple[tuple[int, ...], str] | None]:
    """The file read in its format, and the (stat, sha256) of what was read, for the cache. The
    stat is taken first: a file changed while being read is seen as changed on the next run."""
    from llmward import formats

    full = root / cand.path
    kind = cand.kind
    try:
        st = full.stat()
        # git lists no file below a linked folder and the walker follows none, so only the file
        # itself can be a link; resolving every path would cost more than parsing it
        real = full.resolve() if full.is_symlink() else full
        if real is not full and not real.is_relative_to(root.resolve()):
            message = f"symbolic link outside the repository, not read: {real}"
            return _problem_reading(cand.path, "outside-root", message), None
        with full.open("rb") as handle:
            if kind == formats.AUTO:
                head = handle.read(formats.SNIFF_BYTES)
                found = formats.sniff(cand.path, head.decode("utf-8", "replace").lstrip("\ufeff"))
                if found is None:
                    return formats.Reading(Document(cand.path, "", None, {})), None
                kind = found
                handle.seek(0)
            raw = handle.read(max_bytes + 1)
    except OSError as err:
        message = f"cannot read file: {err.strerror or err}"
        return _problem_reading(cand.path, "unreadable", message), None
    files = disk_files(root, max_bytes)
    reading = formats.read(cand.path, kind, raw, max_bytes, files, size=st.st_size)
    if reading.siblings:
        return reading, None  # depends on other files too: never served from the cache
    return reading, ((st.st_size, st.st_mtime_ns, st.st_ino), hashlib.sha256(raw).hexdigest())


def disk_files(root: Path, max_bytes: int) -> Files:
    """Read another file of the working tree for an adapter: inside the root, or nothing. Made
    for every file scanned, so the root is resolved only when an adapter asks for a file."""
    from llmward.formats import Snapshot

    def below(folder: str) -> list[str]:
        base = root / folder if folder else root
        if not base.resolve().is_relative_to(root.resolve()) or not base.is_dir():
            return []
        prefix = folder.rstrip("/") + "/" if folder else ""
        return [prefix + p for p in walk(base)]

    def read(path: str) -> bytes | None:
        top = root.resolve()
        full = (root / path).resolve()
        if not full.is_relative_to(top) or not full.is_file():
            return None
        try:
            with full.open("rb") as handle:
                return handle.read(max_bytes + 1)
        except OSError:
            return None

    return Snapshot(read, below)


def _problem_reading(path: str, kind: str, message: str) -> Reading:
    doc = Document(path, "", None, {}, (Problem(kind, message, Span(1, 1, 1, 1)),))
    return Reading(doc, format="unreadable")


def scan_file(settings: Settings, groups: dict[str, list[Compiled]], cand: Candidate) -> FileResult:
    max_bytes = settings.config.limits.max_file_bytes
    reading, source = read_document(settings.root, cand, max_bytes)
    return replace(scan_document(settings, groups, cand, reading)[0], source=source)


def scan_document(
    settings: Settings, groups: dict[str, list[Compiled]], cand: Candidate, reading: Reading
) -> tuple[FileResult, list[Artifact]]:
    """Every policy over one file read in its format; its artifacts too, for callers that diff."""
    if reading.format is None:
        return FileResult(cand.path, cand.kind, (), (), (), recognised=False), []
    config = settings.config
    doc = reading.doc
    catalog = settings.policies.catalog
    native = cand.kind in KINDS
    # file policies: the file as written (its syntax), then each projection's canonical schema
    checked = [(doc, cand.kind if native else None)]
    checked += [(p.doc, p.kind) for p in reading.projections if not native and doc.ok]
    findings: list[Finding] = []
    artifacts: list[Artifact] = []
    environments = settings.classifier.environments_of(cand.path)
    for target, kind in checked:
        if kind is not None and target.ok and target.data is not None:
            read_as_strings(kind, target)
        extras: dict[str, Any] = {"kind": kind, "catalog": catalog, "format": reading.format}
        findings += [f for c in groups["file"] for f in run_policy(c, target, None, config, extras)]
        if kind is not None and doc.ok and target.ok:
            artifacts += artifacts_of(kind, target, environments)
    for artifact in artifacts:
        extras = {"kind": artifact.kind, "catalog": catalog, "format": reading.format}
        for compiled in groups[artifact.kind]:
            findings += run_policy(compiled, artifact.doc, artifact, config, extras)
    sups = suppress.parse_suppressions(doc) if doc.ok else []
    summaries = tuple(a.summary() for a in artifacts)
    return FileResult(
        cand.path, cand.kind, summaries, tuple(sorted(_once(findings))), tuple(sups)
    ), artifacts


def _once(findings: list[Finding]) -> list[Finding]:
    """One finding per code, place and message. In another tool's format one written value can
    stand for two canonical fields (a Prompty Azure deployment is the pin's `deployment` and its
    `model`; a LiteLLM guardrail in both modes is an input and an output rail): it is reported
    once, and scored once."""
    seen: dict[tuple[object, ...], Finding] = {}
    for f in findings:
        seen.setdefault((f.code, f.line, f.col, f.end_line, f.end_col, f.message), f)
    return list(seen.values())


def lint(
    settings: Settings,
    scope: Sequence[str] | None = None,
    baseline: Any = None,
    jobs: int | None = None,
    files: list[str] | None = None,
) -> LintResult:
    files = list_files(settings.root) if files is None else files
    candidates = discover(settings.root, settings.classifier, files)
    results = scan_all(settings, candidates, jobs, files)
    index = RepoIndex(s for r in results for s in r.summaries)
    wanted = _in_scope(scope)
    findings: list[Finding] = []
    for result in results:
        if wanted(result.path):
            findings += decide(settings.policies, result, index)
    if baseline is not None:
        from llmward import baseline as baselines

        findings = baselines.apply(findings, baseline)
    return LintResult(
        tuple(sorted(findings)),
        sum(1 for r in results if wanted(r.path) and r.recognised),
        sum(len(r.summaries) for r in results if wanted(r.path)),
        settings.policies,
        settings.config.fail_on,
        tuple(r.path for r in results if wanted(r.path) and not r.recognised),
    )


def scan_all(
    settings: Settings, candidates: list[Candidate], jobs: int | None, listed: Iterable[str] = ()
) -> list[FileResult]:
    from llmward.cache import Cache

    groups = settings.by_kind()
    cache = Cache.open(settings, set(listed))
    results: dict[str, FileResult] = {}
    todo: list[Candidate] = []
    for cand in candidates:
        hit = cache.get(cand) if cache is not None else None
        if hit is not None:
            results[cand.path] = hit
        else:
            todo.append(cand)
    for result in _run(settings, groups, todo, jobs):
        results[result.path] = result
        if cache is not None:
            cache.put(result)
    if cache is not None:
        cache.save()
    return [results[c.path] for c in candidates]


def _run(
    settings: Settings, groups: dict[str, list[Compiled]], todo: list[Candidate], jobs: int | None
) -> Iterable[FileResult]:
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(todo) < 200:
        return [scan_file(settings, groups, cand) for cand in todo]
    from llmward.parallel import scan_parallel

    return scan_parallel(settings, groups, todo, workers)


def decide(policies: PolicySet, result: FileResult, index: RepoIndex) -> list[Finding]:
    kept = [f for f in result.findings if index.holds(f.condition)]
    ran = frozenset(c.policy.code for c in policies.policies)
    kept, problems = suppress.apply(kept, list(result.suppressions), policies.known_codes, ran)
    return kept + suppression_findings(policies, result.path, problems)


def suppression_findings(
    policies: PolicySet, path: str, problems: list[suppress.SuppressionProblem]
) -> list[Finding]:
    by_problem: dict[str, Compiled] = {}
    for compiled in policies.policies:
        match = compiled.policy.match
        if isinstance(match, MatcherMatch) and match.matcher == "suppression":
            by_problem[str(match.options.get("problem"))] = compiled
    out = []
    for problem in problems:
        found = by_problem.get(problem.kind)
        if found is None:
            continue
        compiled = found
        s = problem.suppression
        fields = {"detail": problem.detail, "reason": s.reason, "value": s.text, "path": path}
        out.append(
            Finding(
                path=path,
                line=s.span.line,
                col=s.span.col,
                code=compiled.policy.code,
                end_line=s.span.end_line,
                end_col=s.span.end_col,
                severity=compiled.severity,
                message=render(compiled.policy.message, fields),
                policy=compiled.policy.id,
                pointer="",
                value_hash=value_hash([problem.kind, s.text]),
                anchor=s.span.line,
            )
        )
    return out


def _in_scope(scope: Sequence[str] | None) -> Any:
    if not scope:
        return lambda path: True
    files = {s for s in scope}
    folders = tuple(s.rstrip("/") + "/" for s in scope)
    return lambda path: path in files or path.startswith(folders) or "." in files
