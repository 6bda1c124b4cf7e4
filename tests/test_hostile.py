"""Hostile input: properties that hold for any bytes, and files named to confuse."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import make_repo
from llmward.cli import main
from llmward.diff import diff_artifacts
from llmward.parse import parse_bytes
from llmward.parse.document import Span
from llmward.repository import artifacts_of

YAMLISH = st.lists(
    st.sampled_from(
        [
            "id: a\n",
            "messages:\n",
            "  - role: system\n",
            "    content: |\n",
            "      {{ x }}\n",
            "      # llmward: ignore[PRM009] r\n",
            '  - {role: user, content: "{{ y }}"}\n',
            "a: &x [1, 2]\n",
            "b: *x\n",
            "<<: {c: 1}\n",
            "key: 'quoted'\n",
            'k: "\\u00e9"\n',
            "\t- tab\n",
            "- dash\n",
            "? complex\n",
            ": value\n",
            "---\n",
            "...\n",
            "!!python/object x\n",
            "on: yes\n",
            "t: 1:20\n",
            "v: 1.10\n",
            "[1, 2\n",
            "{a: b}\n",
            "x: y: z\n",
            "\r\n",
            "é: ü\n",
            "😀: 🎉\n",
            "\x00\n",
            "a: a\n",
            "a: b\n",
        ]
    ),
    max_size=12,
)


def _inside(span: Span, text: str) -> bool:
    lines = text.split("\n")
    if not (1 <= span.line <= max(len(lines), 1) and span.col >= 1):
        return False
    return (span.end_line, span.end_col) >= (span.line, span.col)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=YAMLISH, extra=st.binary(max_size=40))
def test_parsing_any_bytes_never_raises_and_spans_stay_inside(
    parts: list[str], extra: bytes
) -> None:
    raw = "".join(parts).encode("utf-8") + extra
    doc = parse_bytes("f.yaml", raw, max_bytes=1 << 20)
    for problem in doc.problems:
        assert problem.span.line >= 1 and problem.span.col >= 1
    for node in doc.nodes.values():
        assert _inside(node.span, doc.text), node
    if doc.ok and isinstance(doc.data, dict):
        artifacts = artifacts_of("prompt", doc, ())
        assert [d.status for d in diff_artifacts(artifacts, artifacts)] == ["unchanged"] * len(
            artifacts
        )


@settings(max_examples=100, deadline=None)
@given(parts=YAMLISH)
def test_diff_adds_are_the_reverse_diffs_removes(parts: list[str]) -> None:
    text = "".join(parts)
    doc = parse_bytes("p.prompt.yaml", text.encode(), max_bytes=1 << 20)
    other = parse_bytes("q.prompt.yaml", b"id: other\nmessages: []\n", max_bytes=1 << 20)
    if not (doc.ok and isinstance(doc.data, dict)):
        return
    a, b = artifacts_of("prompt", doc, ()), artifacts_of("prompt", other, ())
    forward = {(d.kind, d.id): d.status for d in diff_artifacts(a, b)}
    backward = {(d.kind, d.id): d.status for d in diff_artifacts(b, a)}
    swap = {"added": "removed", "removed": "added"}
    assert {k: swap.get(v, v) for k, v in forward.items()} == backward


PROMPT = "id: p\nversion: '1'\nowner: '@a'\ndescription: d\nmessages: [{role: user, content: hi}]\n"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("with space.prompt.yaml", id="space"),
        pytest.param("-dash.prompt.yaml", id="leading-dash"),
        pytest.param("new\nline.prompt.yaml", id="newline"),
        pytest.param("ünï cödé.prompt.yaml", id="unicode"),
        pytest.param("--config.prompt.yaml", id="looks-like-an-option"),
    ],
)
def test_odd_file_names_are_linted_not_executed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo = make_repo(tmp_path / "r", {name: PROMPT.replace("owner: '@a'\n", "")})
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["lint", "--format", "json"])
    finally:
        os.chdir(cwd)
    report = json.loads(capsys.readouterr().out)
    assert code == 0  # PRM001 is medium: below the default fail-on
    assert {(f["path"], f["code"]) for f in report["findings"]} == {(name, "PRM001")}


def test_output_is_byte_identical_across_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {f"p{i}.prompt.yaml": PROMPT.replace("id: p", f"id: p{i}") for i in range(30)}
    files["models.yaml"] = "models:\n  - {id: m, provider: openai, model: gpt-4o}\n"
    repo = make_repo(tmp_path / "r", files)
    outputs = []
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        for args in (["--no-cache", "-j", "1"], ["--no-cache", "-j", "2"], [], []):
            main(["lint", "--format", "sarif", *args])
            outputs.append(capsys.readouterr().out)
    finally:
        os.chdir(cwd)
    assert len(set(outputs)) == 1


def test_very_long_line_is_bounded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long = "id: p\nmessages: [{role: user, content: '" + "x" * 900_000 + "'}]\n"
    repo = make_repo(tmp_path / "r", {"p.prompt.yaml": long})
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["lint", "--format", "json", "--select", "GOV"])
    finally:
        os.chdir(cwd)
    assert code == 0, capsys.readouterr().out
