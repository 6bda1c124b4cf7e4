"""Inline ignores (with reasons, never inside block scalars) and content-keyed baselines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, make_repo
from llmward.cli import main

SARIF_SCHEMA = json.loads((ROOT / "tests/data/sarif-2.1.0.json").read_text())


def lint(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["lint", "--format", "json", *args])
    finally:
        os.chdir(cwd)
    return code, json.loads(capsys.readouterr().out)


def active(report: dict) -> set[tuple[str, int, str]]:
    return {
        (f["path"], f["line"], f["code"])
        for f in report["findings"]
        if f["suppressed"] is None and not f["baselined"]
    }


PINS = """\
models:
  - id: a
    provider: openai
    model: gpt-4o  # llmward: ignore[PIN001] approved alias for the sandbox, ticket OPS-12
    params: {max_tokens: 100}
  - id: b
    provider: openai
    # llmward: ignore[PIN001] canary, re-pinned weekly by the platform team
    model: gpt-4o
    params: {max_tokens: 100}
  - id: c
    provider: openai
    model: gpt-4o  # llmward: ignore[PIN001]
    params: {max_tokens: 100}
  - id: d
    provider: openai
    model: gpt-4o  # llmward: ignore[PIN999] no such code
    params: {max_tokens: 100}
  - id: e
    provider: openai
    model: gpt-4o-2024-08-06  # llmward: ignore[PIN001] nothing to ignore here
    params: {max_tokens: 100}
"""


def test_suppressions_need_a_reason_and_a_known_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": PINS})
    code, report = lint(repo, capsys)
    assert code == 1
    assert active(report) == {
        ("models.yaml", 13, "PIN001"),
        ("models.yaml", 13, "GOV007"),  # no reason: not honoured
        ("models.yaml", 17, "PIN001"),
        ("models.yaml", 17, "GOV008"),  # unknown code
        ("models.yaml", 21, "GOV009"),  # suppresses nothing
    }
    suppressed = {
        (f["line"], f["suppressed"]["justification"]) for f in report["findings"] if f["suppressed"]
    }
    assert suppressed == {
        (4, "approved alias for the sandbox, ticket OPS-12"),
        (9, "canary, re-pinned weekly by the platform team"),
    }
    assert report["summary"]["suppressed"] == 2


def test_suppressions_reach_sarif_with_justification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": PINS})
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        main(["lint", "--format", "sarif"])
    finally:
        os.chdir(cwd)
    sarif = json.loads(capsys.readouterr().out)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    results = sarif["runs"][0]["results"]
    justified = [r["suppressions"][0] for r in results if "suppressions" in r]
    assert {
        "kind": "inSource",
        "justification": "approved alias for the sandbox, ticket OPS-12",
    } in justified


PROMPT = """\
id: support
version: "1.0.0"
owner: "@acme/support"
description: Answers questions.
messages:
  - role: system
    content: |
      You are Acme's assistant.
      # llmward: ignore[PRM009] this line is prompt text and must not silence anything
      Internal key for the billing tool: sk-proj-Zx8Qm2LpV7nR4tY9wK3sB6dF1hJ5gC0a
  - role: user
    content: "{{ question }}"
inputs:
  - {name: question, max_length: 2000}
"""


def test_directive_inside_block_scalar_is_not_honoured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"support.prompt.yaml": PROMPT})
    _, report = lint(repo, capsys, "--select", "PRM009,GOV009")
    assert ("support.prompt.yaml", 10, "PRM009") in active(report)
    assert report["summary"]["suppressed"] == 0


def test_suppression_on_the_key_of_a_block_covers_the_block(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = PROMPT.replace(
        "    content: |\n      You are",
        "    # llmward: ignore[PRM009] fake key used by the red-team eval, not a credential\n"
        "    content: |\n      You are",
    )
    repo = make_repo(tmp_path / "r", {"support.prompt.yaml": text})
    _, report = lint(repo, capsys, "--select", "PRM009,GOV009")
    assert active(report) == set()
    assert report["summary"]["suppressed"] == 1


BASE_PINS = """\
models:
  - id: a
    provider: openai
    model: gpt-4o
    params: {max_tokens: 100}
"""


def test_baseline_survives_moved_lines_and_catches_new_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": BASE_PINS})
    code, _ = lint(repo, capsys, "--write-baseline", "baseline.json")
    assert code == 0
    baseline = (repo / "baseline.json").read_text()
    assert "line" not in baseline and "time" not in baseline
    assert json.loads(baseline)["findings"][0]["pointer"] == "/models/0/model"
    assert lint(repo, capsys, "--baseline", "baseline.json")[0] == 0
    (repo / "models.yaml").write_text("# moved\n\n\n" + BASE_PINS)
    code, report = lint(repo, capsys, "--baseline", "baseline.json")
    assert code == 0 and report["summary"]["baselined"] == 1
    (repo / "models.yaml").write_text(BASE_PINS.replace("gpt-4o", "gpt-4-turbo"))
    code, report = lint(repo, capsys, "--baseline", "baseline.json")
    assert code == 1
    assert active(report) == {("models.yaml", 4, "PIN001")}


def test_baseline_is_sorted_and_stable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pins = BASE_PINS + BASE_PINS.split("\n", 1)[1].replace("id: a", "id: b")
    repo = make_repo(tmp_path / "r", {"models.yaml": pins})
    lint(repo, capsys, "--write-baseline", "one.json")
    lint(repo, capsys, "--write-baseline", "two.json")
    one = (repo / "one.json").read_text()
    assert one == (repo / "two.json").read_text()
    rows = json.loads(one)["findings"]
    assert rows == sorted(rows, key=lambda r: (r["code"], r["path"], r["pointer"], r["value_hash"]))


def test_bad_baseline_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": BASE_PINS, "b.json": "{not json"})
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        assert main(["lint", "--baseline", "b.json"]) == 2
    finally:
        os.chdir(cwd)
    assert "not an llmward baseline" in capsys.readouterr().err
