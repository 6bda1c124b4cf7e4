"""Conformance: every real file in ../shared/corpus/ is read, and yields the artifacts a reader of
that file would list. The expected lists live beside each format's own tests
(`CORPUS_EXPECTED` in tests/test_format_*.py); this test checks that every corpus file has one."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

from format_helpers import ROOT, scan_corpus_file

# beside the project (../shared/corpus), as in CI; LLMWARD_CORPUS names another copy
CORPUS = Path(os.environ.get("LLMWARD_CORPUS") or ROOT.parent / "shared" / "corpus")
FORMAT_TESTS = sorted(p.stem for p in Path(__file__).parent.glob("test_format_*.py"))
# governance codes that mean "this file could not be read": never expected in the corpus
UNREADABLE = {"GOV001", "GOV003", "GOV004", "GOV005"}


def expected() -> dict[str, tuple[list[str], set[str]]]:
    """corpus path -> (artifact keys, codes that must be reported)."""
    merged: dict[str, tuple[list[str], set[str]]] = {}
    for name in FORMAT_TESTS:
        table = getattr(importlib.import_module(name), "CORPUS_EXPECTED", {})
        for path, value in table.items():
            assert path not in merged, f"{path} expected twice"
            keys, must = value if isinstance(value, tuple) else (value, set())
            merged[path] = (keys, set(must))
    return merged


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.name != "PROVENANCE.tsv"
    )


pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir() and not os.environ.get("CI"), reason="../shared/corpus/ is not present"
)


def test_the_corpus_is_there_in_ci() -> None:
    """CI has the corpus beside the project: a missing one must not turn conformance into a skip."""
    assert CORPUS.is_dir(), f"{CORPUS} is missing (set LLMWARD_CORPUS to its path)"


def test_every_corpus_file_has_an_expectation() -> None:
    """A file added to the corpus needs its expected artifacts here, or this test fails."""
    missing = sorted(set(corpus_files()) - set(expected()))
    assert not missing, f"corpus files without CORPUS_EXPECTED entries: {missing}"
    stale = sorted(set(expected()) - set(corpus_files()))
    assert not stale, f"CORPUS_EXPECTED entries for files not in the corpus: {stale}"


@pytest.mark.parametrize("rel", corpus_files())
def test_corpus_file_yields_its_artifacts(rel: str) -> None:
    keys, must = expected()[rel]
    result, artifacts = scan_corpus_file(CORPUS, rel)
    assert [a.key for a in artifacts] == keys
    codes = {f.code for f in result.findings}
    assert must <= codes, f"missing {must - codes}"
    unexpected = (codes & UNREADABLE) - must
    assert not unexpected, [f for f in result.findings if f.code in unexpected]
