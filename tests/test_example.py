"""The bundled example repository (examples/support-bot): the README's command finds exactly its
deliberate violations, in every output format, in this checkout and in a copy of its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import jsonschema

from conftest import ROOT, copy_tree, git, make_repo

EXAMPLE = ROOT / "examples" / "support-bot"

# Every deliberate violation as (path, line, code), in report order. examples/support-bot/README.md
# lists the same ones; nothing else may be found (no noise).
EXPECTED = [
    ("guardrails/live/agent-assist.guardrails.yaml", 7, "GRD004"),
    ("guardrails/live/agent-assist.guardrails.yaml", 13, "GRD003"),
    ("guardrails/live/customer-facing.guardrails.yaml", 19, "GRD006"),
    ("models.yaml", 43, "PIN001"),
    ("models.yaml", 55, "PIN011"),
    ("prompts/experiments/auto-resolve.prompt.yaml", 12, "PRM009"),
    ("prompts/live/draft-reply.prompt.yaml", 24, "PRM007"),
    ("prompts/live/refund-policy.prompt.yaml", 38, "PRM005"),
    ("prompts/live/triage.prompt.yaml", 40, "PRM010"),
]
# The one inline ignore, with its reason: reported in JSON, silent in text, never failing.
SUPPRESSED = [
    (
        "models.yaml",
        64,
        "PIN001",
        "drift canary, floats on purpose (staging only, no prompt uses it)",
    ),
]

TEXT_LINE = re.compile(
    r"(?P<path>[^\s:]+):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): (?P<code>(?:PRM|PIN|GRD|GOV)\d{3}) "
    r"\[(?P<severity>low|medium|high|critical)\] (?P<message>\S.*)"
)
README_ROW = re.compile(r"^\| `(?P<path>[^`:]+):(?P<line>\d+)` \| (?P<code>[A-Z]{3}\d{3}) \|", re.M)


def llmward(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The console script installed beside this interpreter, as a user would run it."""
    script = Path(sysconfig.get_path("scripts")) / ("llmward.exe" if os.name == "nt" else "llmward")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "llmward"]
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def json_report(cwd: Path, target: str) -> dict[str, Any]:
    done = llmward("lint", target, "--format", "json", cwd=cwd)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == ""
    report: dict[str, Any] = json.loads(done.stdout)
    schema = json.loads((ROOT / "src/llmward/schemas/report.schema.json").read_text("utf-8"))
    jsonschema.validate(report, schema)
    return report


def active(report: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (f["path"], f["line"], f["code"])
        for f in report["findings"]
        if f["suppressed"] is None and not f["baselined"]
    ]


def suppressed(report: dict[str, Any]) -> list[tuple[str, int, str, str]]:
    return [
        (f["path"], f["line"], f["code"], f["suppressed"]["justification"])
        for f in report["findings"]
        if f["suppressed"] is not None
    ]


def text_findings(stdout: str) -> list[tuple[str, int, str]]:
    """(path, line, code) of each finding line; every line but the summary must be one."""
    lines = stdout.splitlines()[:-1]
    matches = [TEXT_LINE.fullmatch(line) for line in lines]
    assert all(matches), [line for line, m in zip(lines, matches, strict=True) if m is None]
    return [(m["path"], int(m["line"]), m["code"]) for m in matches if m is not None]


def from_top(rows: list[Any]) -> list[Any]:
    """Report paths are relative to the repository top: here, the llmward checkout."""
    return [(f"examples/support-bot/{row[0]}", *row[1:]) for row in rows]


def test_readme_command_prints_exactly_the_deliberate_violations() -> None:
    done = llmward("lint", "examples/support-bot", cwd=ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr == ""
    assert text_findings(done.stdout) == from_top(EXPECTED)
    summary = done.stdout.splitlines()[-1]
    assert summary.startswith(f"{len(EXPECTED)} findings (")
    assert summary.endswith(f"; {len(SUPPRESSED)} suppressed: failing at --fail-on high")


def test_the_top_readme_shows_what_the_command_prints() -> None:
    """Each output line the project README quotes (cut short with ...) begins a real line."""
    done = llmward("lint", "examples/support-bot", cwd=ROOT)
    block = (ROOT / "README.md").read_text("utf-8").split("$ llmward lint examples/support-bot\n")
    quoted = block[1].split("```", 1)[0].splitlines()
    shown = [line.removesuffix("...").rstrip() for line in quoted if line != "..."]
    real = done.stdout.splitlines()
    assert shown and all(any(r.startswith(s) for r in real) for s in shown), (shown, real)


def test_json_report_holds_the_same_findings_and_the_suppression() -> None:
    report = json_report(ROOT, "examples/support-bot")
    assert active(report) == from_top(EXPECTED)
    assert suppressed(report) == from_top(SUPPRESSED)
    assert report["summary"]["passed"] is False
    assert report["summary"]["suppressed"] == len(SUPPRESSED)
    assert sum(report["summary"]["findings"].values()) == len(EXPECTED)


def test_text_lines_are_the_json_findings() -> None:
    text = llmward("lint", "examples/support-bot", cwd=ROOT).stdout.splitlines()[:-1]
    report = json_report(ROOT, "examples/support-bot")
    assert text == [
        f"{f['path']}:{f['line']}:{f['column']}: {f['code']} [{f['severity']}] {f['message']}"
        for f in report["findings"]
        if f["suppressed"] is None
    ]


def test_example_readme_lists_every_violation() -> None:
    readme = (EXAMPLE / "README.md").read_text("utf-8")
    rows = [(m["path"], int(m["line"]), m["code"]) for m in README_ROW.finditer(readme)]
    assert sorted(rows) == sorted(EXPECTED)


def test_a_copy_in_its_own_repository_gives_the_same_findings(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "support-bot", {}, commit=False)
    copy_tree(EXAMPLE, repo)
    shutil.rmtree(repo / ".llmward_cache", ignore_errors=True)  # start cold, as a fresh clone does
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "support assistant: prompts, pins and guardrails")
    assert ".llmward.yaml" in git(repo, "ls-files").split()

    report = json_report(tmp_path, "support-bot")
    assert active(report) == EXPECTED
    assert suppressed(report) == SUPPRESSED

    done = llmward("lint", cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert text_findings(done.stdout) == EXPECTED


def test_diff_on_the_example_history_reads_like_a_review(tmp_path: Path) -> None:
    """examples/make-history.py builds four commits; `llmward diff` explains each one."""
    history = tmp_path / "history"
    subprocess.run(
        [sys.executable, str(ROOT / "examples/make-history.py"), str(history)],
        check=True,
        capture_output=True,
    )
    typo = llmward("diff", "HEAD~3", "HEAD~2", cwd=history)
    assert typo.returncode == 0, typo.stderr
    assert "Risk: low (score 4/100)" in typo.stdout
    assert "prompt-text-changed (system message, 2 words / 13 characters)" in typo.stdout
    risky = llmward("diff", "HEAD~1", "HEAD", "--fail-at", "high", cwd=history)
    assert risky.returncode == 1
    assert "Risk: critical (score 100/100)" in risky.stdout
    assert "rail-removed: input jailbreak" in risky.stdout and "[CHG003 critical]" in risky.stdout
    assert "+160 CHG003" in risky.stdout  # 40 points x2 production x2 prompts
