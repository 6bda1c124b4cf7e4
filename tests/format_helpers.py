"""Read a file the way `llmward lint` does: for the format tests and the corpus conformance test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmward import formats
from llmward.compare import Comparison, compare
from llmward.config import Config
from llmward.discover import Candidate, Classifier
from llmward.findings import Finding
from llmward.pipeline import FileResult, Settings, scan_document
from llmward.policy.load import load_policies
from llmward.repository import Artifact

CONFIG = Config()
ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(ROOT, CONFIG, Classifier(CONFIG), load_policies(CONFIG, ROOT), False)
GROUPS = SETTINGS.by_kind()


def scan(
    path: str, text: str | bytes, siblings: dict[str, str] | None = None, kind: str | None = None
) -> tuple[FileResult, list[Artifact]]:
    """One file through discover's classification, its format's reader and every policy."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    kind = kind or SETTINGS.classifier.kind(path)
    assert kind is not None, f"{path} is not a candidate file"
    others = {p: t.encode("utf-8") for p, t in (siblings or {}).items()}
    reading = formats.read(path, kind, raw, 1 << 20, others.get)
    return scan_document(SETTINGS, GROUPS, Candidate(path, kind), reading)


def scan_corpus_file(root: Path, rel: str) -> tuple[FileResult, list[Artifact]]:
    def read(path: str) -> bytes | None:
        full = root / path
        return full.read_bytes() if full.is_file() else None

    kind = SETTINGS.classifier.kind(rel)
    assert kind is not None, f"{rel} is not a candidate file"
    raw = (root / rel).read_bytes()
    reading = formats.read(rel, kind, raw, 1 << 20, read)
    return scan_document(SETTINGS, GROUPS, Candidate(rel, kind), reading)


def keys(artifacts: list[Artifact]) -> list[str]:
    return [a.key for a in artifacts]


def at(findings: tuple[Finding, ...], code: str) -> list[int]:
    """The lines a code was reported on."""
    return sorted(f.line for f in findings if f.code == code)


def codes(findings: tuple[Finding, ...]) -> set[str]:
    return {f.code for f in findings}


Reader = Callable[[str], bytes | None]


def compare_edit(repo: Path, files: dict[str, str], edits: dict[str, str | None]) -> Comparison:
    """A real git history: BASE holds `files`, HEAD applies `edits` (None deletes); the
    comparison `llmward diff HEAD~1 HEAD` makes of it."""
    from conftest import git, make_repo

    make_repo(repo, dict(files))
    for path, text in edits.items():
        target = repo / path
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "edit")
    return compare(repo, "HEAD~1", "HEAD")


def change_types(comparison: Comparison) -> set[tuple[str, str]]:
    """(change type, artifact) for every classified change."""
    return {(c.type, c.artifact) for c in comparison.changes}


def diff_json(repo: Path, capsys: Any) -> dict[str, Any]:
    """`llmward diff HEAD~1 HEAD --format json` in `repo`, as users run it, parsed."""
    import json
    import os

    from llmward.cli import main

    cwd = Path.cwd()
    os.chdir(repo)
    try:
        assert main(["diff", "HEAD~1", "HEAD", "--format", "json"]) == 0
    finally:
        os.chdir(cwd)
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report
