"""`llmward diff` as users run it: refs, --staged, formats, errors, and the pre-commit risk hook."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, HookRepo, git, make_repo
from llmward.cli import main

REPORT_SCHEMA = json.loads((ROOT / "src/llmward/schemas/report.schema.json").read_text())

CONFIG = "environments: {production: ['prod/**']}\n"
RAILS = """\
id: rails
applies_to: [triage]
input:
  - {type: prompt_injection, threshold: 0.5}
  - {type: jailbreak, threshold: 0.5}
output:
  - {type: pii, action: redact}
"""
PROMPT = """\
id: triage
version: "1.0.0"
owner: "@acme/support"
description: Sorts tickets.
guardrails: [rails]
inputs:
  - {name: ticket, max_length: 2000}
messages:
  - role: system
    content: You sort tickets.
  - role: user
    content: "<ticket>{{ ticket }}</ticket>"
"""


def repo_with_history(tmp_path: Path) -> Path:
    repo = make_repo(
        tmp_path / "repo",
        {
            ".llmward.yaml": CONFIG,
            "prod/rails.guardrails.yaml": RAILS,
            "prod/triage.prompt.yaml": PROMPT,
        },
    )
    (repo / "prod/rails.guardrails.yaml").write_text(
        RAILS.replace("  - {type: jailbreak, threshold: 0.5}\n", "")
    )
    git(repo, "commit", "-qam", "drop the jailbreak rail")
    return repo


def diff(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["diff", *args])
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    return code, out, err


def test_text_report_names_the_change_and_the_risk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repo_with_history(tmp_path)
    code, out, _ = diff(repo, capsys, "HEAD~1", "HEAD")
    assert code == 0
    assert "Risk: critical" in out
    assert "rail-removed: input jailbreak  (prod/rails.guardrails.yaml:5)  [CHG003 critical]" in out


def test_fail_at_turns_the_tier_into_an_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repo_with_history(tmp_path)
    assert diff(repo, capsys, "HEAD~1", "HEAD", "--fail-at", "high")[0] == 1


def test_json_report_matches_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_with_history(tmp_path)
    _, out, _ = diff(repo, capsys, "HEAD~1", "HEAD", "--format", "json")
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    assert report["risk"]["tier"] == "critical"
    (removed,) = [c for c in report["changes"] if c["type"] == "rail-removed"]
    assert removed["at_base"] == {"line": 5, "column": 5}
    assert removed["details"] == {"stage": "input", "rail_type": "jailbreak"}
    assert removed["environments"] == ["production"]


def test_markdown_is_a_pr_comment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = repo_with_history(tmp_path)
    _, out, _ = diff(repo, capsys, "HEAD~1", "HEAD", "--format", "markdown")
    assert out.startswith("### llmward: **CRITICAL** risk, score")
    assert "| critical | CHG003 |" in out
    assert "<details><summary>How the score was computed</summary>" in out


def test_staged_compares_index_with_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repo_with_history(tmp_path)
    (repo / "prod/triage.prompt.yaml").write_text(PROMPT.replace("guardrails: [rails]\n", ""))
    _, unstaged, _ = diff(repo, capsys, "--staged")
    assert "No prompt, model pin or guardrail changed." in unstaged
    git(repo, "add", "-A")
    _, staged, _ = diff(repo, capsys, "--staged")
    assert "guardrail-detached" in staged


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--", "-x"], "'-x' is not a git ref", id="dash-ref"),
        pytest.param(["nope"], "'nope' does not name a commit here", id="unknown-ref"),
        pytest.param(["--staged", "HEAD"], "give no refs with them", id="staged-with-ref"),
    ],
)
def test_bad_refs_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    repo = repo_with_history(tmp_path)
    code, _, err = diff(repo, capsys, *args)
    assert code == 2
    assert message in err


def test_missing_base_in_a_shallow_clone_says_to_fetch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    origin = repo_with_history(tmp_path)
    base = git(origin, "rev-parse", "HEAD~1").strip()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    code, _, err = diff(clone, capsys, base, "HEAD")
    assert code == 2
    assert "not in this shallow clone" in err and "fetch-depth: 0" in err


def test_outside_a_repository_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain").mkdir()
    code, _, err = diff(tmp_path / "plain", capsys, "HEAD~1")
    assert code == 2
    assert "not inside a git repository" in err


@pytest.mark.slow
def test_risk_hook_informs_at_pre_commit_and_fails_at_the_configured_tier(
    tmp_path: Path, hook_repo: HookRepo
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            ".llmward.yaml": CONFIG,
            "prod/rails.guardrails.yaml": RAILS,
            "prod/triage.prompt.yaml": PROMPT,
        },
    )
    (repo / "prod/rails.guardrails.yaml").write_text(RAILS.replace("jailbreak", "toxicity"))
    git(repo, "add", "-A")

    def try_repo() -> subprocess.CompletedProcess[str]:
        return hook_repo.run(repo, "llmward-risk", "--verbose")

    informed = try_repo()
    assert informed.returncode == 0, informed.stdout + informed.stderr
    assert (
        "Risk: critical" in informed.stdout and "rail-removed: input jailbreak" in informed.stdout
    )
    (repo / ".llmward.yaml").write_text(CONFIG + "risk: {fail_at: high}\n")
    git(repo, "commit", "-qm", "fail at high", "--", ".llmward.yaml")
    blocked = try_repo()
    assert blocked.returncode == 1, blocked.stdout


def test_a_finding_about_a_whole_block_is_not_new_when_another_part_changes(
    tmp_path: Path,
) -> None:
    """PRM001 (no owner) is about the prompt as a whole: editing its text neither introduces
    nor resolves it. Its identity is what it says, not the hash of the whole prompt."""
    from format_helpers import compare_edit

    prompt = (
        "id: greet\nversion: '1'\ndescription: Greets.\ninputs: []\n"
        "messages:\n  - {role: system, content: Say hello.}\n"
    )
    edited = prompt.replace("Say hello.", "Say hello politely.")
    result = compare_edit(tmp_path, {"p.prompt.yaml": prompt}, {"p.prompt.yaml": edited})
    assert result.changes  # the edit itself is seen
    assert "PRM001" not in {f.code for f in result.introduced}
    assert "PRM001" not in {f.code for f in result.resolved}
