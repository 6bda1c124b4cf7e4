"""Hostile pull requests, one test each: a real history BASE -> HEAD, judged by `llmward diff`
(change types, the contributions of the score, tier and score) or `llmward check` (the verdict).

BASE is the Acme support assistant of test_risk_scenarios.py, whose docstring explains the
formula; each total below is points x environment weight x blast radius.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import git, make_repo
from llmward.cli import main
from llmward.git import Repository
from llmward.signed import NOTES_REF, approve
from test_risk_scenarios import (
    BASE,
    RAILS,
    REFUND,
    SUPPORT_RAILS,
    Edit,
    M,
    _history,
    mv,
    sub,
)
from test_signed import LINKED, check, checked_repo

ACME_POLICY = "policies/acme/model/max-output-tokens.yaml"


def diff(repo: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """`llmward diff HEAD~1 HEAD --format json` in `repo`: the report (exit 0: it informs)."""
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["diff", "HEAD~1", "HEAD", "--format", "json"])
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


def judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edits: list[Edit]
) -> tuple[set[str], list[tuple[str, float]], str, int]:
    """Change types, (code, total) of every contribution, tier and score of one hostile edit."""
    report = diff(_history(tmp_path, edits), capsys)
    risk = report["risk"]
    contributions = sorted((c["code"], c["total"]) for c in risk["contributions"])
    return {c["type"] for c in report["changes"]}, contributions, risk["tier"], risk["score"]


def test_pr_weakens_a_policy_in_the_same_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The PR raises the budget in ACM001 and breaks the old budget: BASE's ACM001 judges it."""
    edits = [
        sub(ACME_POLICY, "schema: {maximum: 1024}", "schema: {maximum: 8192}"),
        sub(M, "max_tokens: 800, seed", "max_tokens: 4096, seed"),
    ]
    types, contributions, tier, score = judged(tmp_path, capsys, edits)
    assert types == {"policy-modified", "param-raised"}
    # CHG049 10 x1 (a policy) + introduced ACM001 (high) 10 x2 production
    # + CHG020 2 x2 production x2 prompts = 8; 10 + 20 + 8 = 38 -> medium by score, ACM001 high
    assert contributions == [("ACM001", 20.0), ("CHG020", 8.0), ("CHG049", 10.0)]
    assert (tier, score) == ("high", 38)


def test_pr_adds_a_suppression_without_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ignore with no reason is GOV007 and does not suppress: ACM001 still counts."""
    edits = [
        sub(
            M,
            "max_tokens: 800, seed: 1234}\n",
            "max_tokens: 4096, seed: 1234}  # llmward: ignore[ACM001]\n",
        )
    ]
    types, contributions, tier, score = judged(tmp_path, capsys, edits)
    assert types == {"param-raised"}
    # introduced ACM001 (high) 10 x2 production + CHG020 2 x2 x2 prompts = 8 + introduced GOV007
    # (medium) 4 x1 (a finding on the file, not on a pin: no environment); 20 + 8 + 4 = 32
    assert contributions == [("ACM001", 20.0), ("CHG020", 8.0), ("GOV007", 4.0)]
    assert (tier, score) == ("high", 32)


def test_pr_renames_file_to_escape_glob(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """support.guardrails.yaml -> support-guardrails.yaml, made to fail open on the way: the
    renamed file is no artifact, so the guardrail is gone and three production prompts lose it."""
    escaped = "prod/guardrails/support-guardrails.yaml"
    edits = [mv(RAILS, escaped), sub(escaped, "on_error: block", "on_error: allow")]
    types, contributions, tier, score = judged(tmp_path, capsys, edits)
    assert types == {"artifact-removed"}
    # CHG028 30 x2 production x3 prompts = 180; in each of the three prompts, PRM012 and PRM013
    # (high) 10 x2 = 20; 180 + 120 = 300 -> 100 -> critical
    assert contributions == [("CHG028", 180.0)] + [("PRM012", 20.0)] * 3 + [("PRM013", 20.0)] * 3
    assert (tier, score) == ("critical", 100)


def test_pr_moves_prompt_out_of_production_while_changing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = "drafts/refund-policy.prompt.yaml"
    edits = [
        mv(REFUND, moved),
        sub(moved, "about returns and refunds for Acme.", "about returns and refunds, Acme."),
    ]
    types, contributions, tier, score = judged(tmp_path, capsys, edits)
    assert types == {"artifact-moved", "left-environment", "prompt-text-changed"}
    # the edit weighs as production (BASE's environment): CHG001 2 x2 = 4; CHG031 6 x2 = 12
    assert contributions == [("CHG001", 4.0), ("CHG031", 12.0)]
    assert (tier, score) == ("medium", 16)


def test_pr_replaces_an_artifact_with_a_symlink(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The production guardrail becomes a link to a weakened copy outside prod/: git stores the
    link's target text, which is what llmward reads; the link is never followed."""
    repo = make_repo(tmp_path / "repo", dict(BASE))
    weakened = repo / "drafts/rails.guardrails.yml.txt"
    weakened.parent.mkdir()
    weakened.write_text(SUPPORT_RAILS.replace("on_error: block", "on_error: allow"))
    (repo / RAILS).unlink()
    (repo / RAILS).symlink_to("../../drafts/rails.guardrails.yml.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "share the rails")
    report = diff(repo, capsys)
    risk = report["risk"]
    assert {c["type"] for c in report["changes"]} == {"artifact-removed"}
    assert sorted((c["code"], c["total"]) for c in risk["contributions"]) == (
        # CHG028 30 x2 production x3 prompts = 180; GOV005 (high) 10 x1 on the link's text (no
        # artifact, so no environment); PRM012 and PRM013 20 each in the three prompts -> 100
        [("CHG028", 180.0), ("GOV005", 10.0)] + [("PRM012", 20.0)] * 3 + [("PRM013", 20.0)] * 3
    )
    assert (risk["tier"], risk["score"]) == ("critical", 100)
    [gov005] = [f for f in report["findings"] if f["code"] == "GOV005"]
    assert (gov005["path"], gov005["line"]) == (RAILS, 1)
    assert "'../../drafts/rails.guardrails.yml.txt' is not of type 'object'" in gov005["message"]


@pytest.fixture
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("keys")
    for name in ("alice", "bob", "mallory"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)],
            check=True,
            capture_output=True,
        )
    yield {name: folder / name for name in ("alice", "bob", "mallory")}


def test_pr_carries_a_fake_approval_note(tmp_path: Path, keys: dict[str, Path]) -> None:
    """The author signs with their own key in bob's name, and writes "approved" in the note:
    neither counts, and the check fails with the reason."""
    root = checked_repo(tmp_path, keys, LINKED)
    approve(Repository(root), "main", "HEAD", keys["mallory"], "bob@example.com")
    git(root, "notes", f"--ref={NOTES_REF}", "append", "-m", "Approved-by: bob@example.com")
    done = check(root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "needs 1 approval(s) from anyone but the author; has 0" in done.stdout
    assert (
        "does not count: signature does not verify for bob@example.com against allowed_signers"
        " at base" in done.stdout
    )
    assert "(signed-note refs/notes/llmward/approvals:3): does not count: malformed" in done.stdout


@pytest.mark.parametrize(
    "indirection",
    [
        pytest.param("${OPENAI_MODEL}", id="shell-variable"),
        pytest.param("os.environ/OPENAI_MODEL", id="litellm-environ"),
    ],
)
def test_pr_hides_a_model_swap_behind_an_env_var(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], indirection: str
) -> None:
    """The dated snapshot becomes whatever OPENAI_MODEL says at run time: the pin is no longer
    pinned in the repository, and the diff scores it as a pin made floating."""
    edits = [sub(M, "model: gpt-4o-2024-05-13", f'model: "{indirection}"')]
    report = diff(_history(tmp_path, edits), capsys)
    risk = report["risk"]
    assert {c["type"] for c in report["changes"]} == {"model-changed", "pin-made-floating"}
    changes = sorted(
        (c["code"], c["total"]) for c in risk["contributions"] if c["code"][:3] == "CHG"
    )
    # CHG013 25 x2 production x2 prompts = 100; CHG015 (another model family) 12 x2 x2 = 48
    assert changes == [("CHG013", 100.0), ("CHG015", 48.0)]
    assert (risk["tier"], risk["score"]) == ("critical", 100)
    at_line_4 = {f["code"] for f in report["findings"] if (f["path"], f["line"]) == (M, 4)}
    # PIN015 names the environment variable; PIN006 (not on the allowlist) the value as written;
    # the OpenAI snapshot rule (PIN001) leaves a value read at run time to PIN015
    assert {"PIN015", "PIN006"} <= at_line_4 and "PIN001" not in at_line_4
    [pin015] = [f for f in report["findings"] if f["code"] == "PIN015"]
    assert "OPENAI_MODEL" in pin015["message"]
    assert all(indirection in f["message"] for f in report["findings"] if f["code"] == "PIN006")
