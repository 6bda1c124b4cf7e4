"""`llmward check` exactly as the Action runs it: a pull_request event, the runner's summary and
output files, and GitHub's REST API served by a fake on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from conftest import GIT_ENV, ROOT, git, make_repo
from github_fake import FakeGitHub, commands_acted_on

SARIF_SCHEMA = json.loads((ROOT / "tests/data/sarif-2.1.0.json").read_text())
REPO, NUMBER = "acme/prompts", 7

CONFIG = """\
environments: {production: ["prod/**"]}
approvals:
  required:
    high: {count: 1, approvers: ["@acme/ml"]}
    critical: {count: 2, approvers: [codeowners]}
"""
PINS = """\
models:
  - id: support
    provider: openai
    model: gpt-4o-2024-08-06
    params: {temperature: 0.2, max_tokens: 500}
"""


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.add_pull(REPO, NUMBER)
        fake.set_membership("acme", "ml", "carol")
        yield fake


def history(
    tmp_path: Path, config: str = CONFIG, change: str | None = None
) -> tuple[Path, str, str]:
    repo = make_repo(
        tmp_path / "repo",
        {".llmward.yaml": config, "prod/models.yaml": PINS, "CODEOWNERS": "prod/ @acme/ml\n"},
    )
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "prod/models.yaml").write_text(change or PINS.replace("0.2,", "0.9,"))
    git(repo, "commit", "-qam", "raise temperature")
    return repo, base, git(repo, "rev-parse", "HEAD").strip()


def event(
    tmp_path: Path, base: str, head: str, labels: tuple[str, ...] = (), body: str = ""
) -> Path:
    payload = {
        "action": "synchronize",
        "number": NUMBER,
        "pull_request": {
            "number": NUMBER,
            "html_url": f"https://github.com/{REPO}/pull/{NUMBER}",
            "user": {"login": "alice", "type": "User"},
            "body": body,
            "labels": [{"name": name} for name in labels],
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": head, "ref": "temp"},
        },
        "repository": {"full_name": REPO},
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return path


def run_check(
    repo: Path, tmp_path: Path, fake: FakeGitHub, event_path: Path, *args: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
    outputs, summary = tmp_path / "output.txt", tmp_path / "summary.md"
    outputs.write_text("")
    summary.write_text("")
    env = {
        **os.environ,
        **GIT_ENV,
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_API_URL": fake.url,
        "GITHUB_TOKEN": "test-token",
        "GITHUB_REPOSITORY": REPO,
    }
    done = subprocess.run(
        [sys.executable, "-m", "llmward", "check", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return done, parse_outputs(outputs.read_text()), summary.read_text()


def parse_outputs(text: str) -> dict[str, str]:
    found = re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, flags=re.M | re.S)
    return {name: value for name, _, value in found}


def test_pass_with_a_fresh_approval_from_the_team(tmp_path: Path, github: FakeGitHub) -> None:
    repo, base, head = history(tmp_path)
    github.add_review(REPO, NUMBER, "alice", "APPROVED", head)  # the author: never counts
    github.add_review(REPO, NUMBER, "bob", "APPROVED", base)  # an older commit: stale
    github.add_review(REPO, NUMBER, "carol", "APPROVED", head)  # member of @acme/ml
    done, outputs, summary = run_check(
        repo,
        tmp_path,
        github,
        event(tmp_path, base, head),
        "--sarif",
        "llmward.sarif",
        "--audit-dir",
        "audit",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    record = outputs.pop("audit-record")
    assert outputs == {
        "verdict": "pass",
        "risk-score": "24",
        "risk-tier": "high",
        "sarif-file": "llmward.sarif",
    }
    entry = json.loads((repo / record).read_text())
    assert entry["seq"] == 1 and entry["statement"]["predicate"]["verdict"] == "pass"
    assert entry["statement"]["predicate"]["approvals"]["counted"] == ["carol"]
    verified = subprocess.run(
        [sys.executable, "-m", "llmward", "audit", "verify"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "## llmward check: **PASS**" in summary
    assert "| carol | github-review |" in summary and "| yes |" in summary
    assert "the author cannot approve" in summary and "stale" in summary
    jsonschema.validate(json.loads((repo / "llmward.sarif").read_text()), SARIF_SCHEMA)
    assert (
        "::error file=prod/models.yaml,line=5,title=CHG018 temperature-raised-sharply"
        in done.stdout
    )


def test_records_hold_hashes_unless_excerpts_are_asked_for(
    tmp_path: Path, github: FakeGitHub
) -> None:
    repo, base, head = history(tmp_path)
    path = event(tmp_path, base, head)
    _, hashed, _ = run_check(repo, tmp_path, github, path, "--audit-dir", "a", "--no-ledger")
    record = json.loads((repo / hashed["audit-record"]).read_text())
    (change,) = [
        c for c in record["statement"]["predicate"]["changes"] if c["type"] == "param-raised"
    ]
    assert "0.9" not in json.dumps(change) and change["new_sha256"]
    _, shown, _ = run_check(
        repo, tmp_path, github, path, "--audit-dir", "b", "--no-ledger", "--audit-excerpts"
    )
    record = json.loads((repo / shown["audit-record"]).read_text())
    (change,) = [
        c for c in record["statement"]["predicate"]["changes"] if c["type"] == "param-raised"
    ]
    assert change["new"] == 0.9


def test_the_sticky_comment_is_edited_not_duplicated(tmp_path: Path, github: FakeGitHub) -> None:
    repo, base, head = history(tmp_path)
    path = event(tmp_path, base, head)
    run_check(repo, tmp_path, github, path)
    run_check(repo, tmp_path, github, path)
    comments = f"/repos/{REPO}/issues/{NUMBER}/comments"
    assert len(github.calls("POST", comments)) == 1
    patched = [c for c in github.requests if c.method == "PATCH"]
    assert len(patched) == 1 and "<!-- llmward:report -->" in str(patched[0].body)
    assert len(github.comments[(REPO, NUMBER)]) == 1


@pytest.mark.parametrize(
    ("reviews", "reason"),
    [
        pytest.param([("carol", "APPROVED", "base")], "has 0", id="approval-on-an-older-commit"),
        pytest.param([("alice", "APPROVED", "head")], "has 0", id="self-approval"),
        pytest.param(
            [("carol", "APPROVED", "head"), ("carol", "CHANGES_REQUESTED", "head")],
            "has 0",
            id="approved-then-requested-changes",
        ),
        pytest.param([("dave", "APPROVED", "head")], "has 0", id="not-on-the-team"),
    ],
)
def test_forged_or_stale_approvals_fail(
    tmp_path: Path, github: FakeGitHub, reviews: list[tuple[str, str, str]], reason: str
) -> None:
    repo, base, head = history(tmp_path)
    for login, state, commit in reviews:
        github.add_review(REPO, NUMBER, login, state, head if commit == "head" else base)
    done, outputs, summary = run_check(repo, tmp_path, github, event(tmp_path, base, head))
    assert done.returncode == 1
    assert outputs["verdict"] == "fail"
    assert "needs 1 approval(s) from @acme/ml; " + reason in summary


def test_a_pr_that_rewrites_the_approval_rules_is_judged_by_base(
    tmp_path: Path, github: FakeGitHub
) -> None:
    repo, base, _ = history(tmp_path)
    (repo / ".llmward.yaml").write_text(CONFIG.replace('["@acme/ml"]', '["@alice"]'))
    (repo / "CODEOWNERS").write_text("* @alice\n")
    git(repo, "commit", "-qam", "let myself through")
    head = git(repo, "rev-parse", "HEAD").strip()
    github.add_review(REPO, NUMBER, "alice", "APPROVED", head)
    done, outputs, summary = run_check(repo, tmp_path, github, event(tmp_path, base, head))
    assert done.returncode == 1 and outputs["verdict"] == "fail"
    assert outputs["risk-tier"] == "critical"  # the config change itself is scored
    assert "needs 2 approval(s) from codeowners; has 0" in summary


def test_break_glass_passes_with_a_reason_and_says_so(tmp_path: Path, github: FakeGitHub) -> None:
    repo, base, head = history(tmp_path)
    path = event(
        tmp_path,
        base,
        head,
        labels=("llmward:break-glass",),
        body="Outage fix.\nBreak-glass: provider outage INC-4411, reviewed Monday\n",
    )
    done, _outputs, summary = run_check(repo, tmp_path, github, path)
    assert done.returncode == 0, done.stdout
    assert "**Break-glass:** provider outage INC-4411, reviewed Monday" in summary
    no_reason = event(tmp_path, base, head, labels=("llmward:break-glass",), body="Outage fix.")
    assert run_check(repo, tmp_path, github, no_reason)[0].returncode == 1


def test_api_errors_fail_closed(tmp_path: Path, github: FakeGitHub) -> None:
    repo, base, head = history(tmp_path)
    github.fail(f"/repos/{REPO}/pulls/{NUMBER}/reviews", 401, times=None)
    done, outputs, summary = run_check(repo, tmp_path, github, event(tmp_path, base, head))
    assert done.returncode == 1 and outputs["verdict"] == "fail"
    assert "evidence unreadable: github-review:" in summary


def test_names_from_the_pull_request_cannot_run_workflow_commands(
    tmp_path: Path, github: FakeGitHub
) -> None:
    """A file name is printed in the report; the runner must not take it for a command."""
    repo, base, _ = history(tmp_path)
    hostile = repo / "::error title=pwned::forged" / "models.yaml"
    hostile.parent.mkdir()
    hostile.write_text(PINS.replace("gpt-4o-2024-08-06", "gpt-4o").replace("support", "other"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a hostile name")
    head = git(repo, "rev-parse", "HEAD").strip()
    done, outputs, _ = run_check(repo, tmp_path, github, event(tmp_path, base, head))
    assert outputs["verdict"] in {"fail", "needs-approval"}, done.stdout + done.stderr
    assert "::error title=pwned::forged" in done.stdout  # printed, as text
    acted = commands_acted_on(done.stdout + done.stderr)
    assert acted and all(a.startswith(("::error file=", "::notice file=")) for a in acted), acted
