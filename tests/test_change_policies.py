"""One generic test over every change policy: its fixture (a before/after pair in a real git
history) yields exactly the change findings it lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import copy_tree, git, make_repo
from llmward.compare import compare
from llmward.parse import parse_bytes
from llmward.policy.load import builtin_root, policy_files

POLICIES = builtin_root()
FILES = policy_files(POLICIES, ["changes"])


def _yaml(path: Path) -> Any:
    doc = parse_bytes(str(path), path.read_bytes(), max_bytes=1 << 20)
    assert doc.ok, doc.problems
    return doc.data


def _files(fixture: dict[str, Any], side: str) -> dict[str, str | None]:
    files = dict(fixture.get(f"{side}_files") or {})
    if "path" in fixture:
        files[fixture["path"]] = fixture.get(side)
    return files


def _write(repo: Path, files: dict[str, str | None]) -> None:
    for name, content in files.items():
        target = repo / name
        if content is None:
            if target.exists():
                git(repo, "rm", "-q", name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "change")


def run_fixture(fixture: dict[str, Any], tmp_path: Path) -> Any:
    repo = make_repo(tmp_path / "repo", {})
    copy_tree(POLICIES / "fixture-world", repo)
    (repo / ".llmward.yaml").write_bytes((POLICIES / "fixture-config.yaml").read_bytes())
    _write(repo, _files(fixture, "before"))
    _write(repo, _files(fixture, "after"))
    return compare(repo, "HEAD~1", "HEAD")


def test_there_are_change_policies() -> None:
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_change_fixture_is_exact(path: Path, tmp_path: Path) -> None:
    policy = _yaml(path)
    assert policy["kind"] == "change" and policy["code"].startswith("CHG")
    fixture = _yaml(path.with_name(path.stem + ".test.yaml"))
    expected = {(e["line"], e.get("at", "head")) for e in fixture["expect"]}
    assert expected, "a change fixture lists at least one expected finding"
    comparison = run_fixture(fixture, tmp_path)
    actual = set()
    for found in comparison.change_findings:
        if found.code == policy["code"]:
            change = found.change
            span, at = (change.span, "head") if change.span else (change.old_span, "base")
            actual.add((span.line if span else 0, at))
    assert actual == expected, [
        (f.code, f.change.type, f.change.pointer, f.message) for f in comparison.change_findings
    ]
