"""Approval requirements: CODEOWNERS as GitHub reads it, and who counts as an approver."""

from __future__ import annotations

import pytest

from llmward.approve import Case, decide
from llmward.config import ApprovalConfig, Requirement
from llmward.evidence import Approval
from llmward.owners import owners_of, parse

CODEOWNERS = """\
# comments and blank lines are skipped

*                       @acme/platform
prompts/                @acme/support
/prompts/live/*.yaml    @acme/support-leads @dana
models.yaml             @acme/ml
docs/*                  @acme/docs
guardrails/legacy/
!guardrails/x.yaml      @nobody
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        pytest.param("README.md", ("@acme/platform",), id="catch-all"),
        pytest.param("prompts/a.prompt.yaml", ("@acme/support",), id="directory-anywhere"),
        pytest.param("svc/prompts/a.prompt.yaml", ("@acme/support",), id="directory-nested"),
        pytest.param("prompts/live/t.yaml", ("@acme/support-leads", "@dana"), id="last-wins"),
        pytest.param("x/prompts/live/t.yaml", ("@acme/support",), id="anchored-root-only"),
        pytest.param("prompts/live/deep/t.yaml", ("@acme/support",), id="star-one-level"),
        pytest.param("svc/models.yaml", ("@acme/ml",), id="name-at-any-depth"),
        pytest.param("docs/a.md", ("@acme/docs",), id="docs-one-level"),
        pytest.param("docs/sub/a.md", ("@acme/platform",), id="docs-not-nested"),
        pytest.param("guardrails/legacy/a.yaml", (), id="no-owners-clears"),
        pytest.param("guardrails/x.yaml", ("@acme/platform",), id="negation-skipped"),
    ],
)
def test_codeowners_semantics(path: str, owners: tuple[str, ...]) -> None:
    assert owners_of(parse(CODEOWNERS), path) == owners


@pytest.mark.parametrize(
    "line",
    [
        "models.yaml @acme/ml # the ML team",
        "models.yaml\t@acme/ml\t# after a tab",
        "models.yaml @acme/ml\t#tight",
    ],
)
def test_codeowners_comments_after_space_or_tab(line: str) -> None:
    assert owners_of(parse(line), "models.yaml") == ("@acme/ml",)


def approval(who: str, counts: bool = True, reason: str = "") -> Approval:
    return Approval(
        who, "github-review", f"review-{who}", "head", "2026-11-20T10:00:00Z", counts, reason
    )


TEAMS = {"acme/support": {"erin", "frank"}, "acme/ml": {"gus"}}


def member(user: str, team: str) -> bool | None:
    return user.lower() in TEAMS[team] if team in TEAMS else None


CONFIG = ApprovalConfig(
    required={
        "low": Requirement(0),
        "medium": Requirement(1),
        "high": Requirement(1, ("codeowners",)),
        "critical": Requirement(2, ("codeowners", "@carol")),
    }
)
RULES = parse("prompts/ @acme/support\nmodels.yaml @acme/ml @carol\n")


def judge(tier: str, paths: tuple[str, ...], *approvals: Approval, glass: str | None = None):
    case = Case(tier, paths, ("alice",), approvals, glass)
    return decide(case, CONFIG, RULES, member)


def test_low_needs_nothing() -> None:
    assert judge("low", ("prompts/a.yaml",)).satisfied


def test_the_author_never_counts() -> None:
    verdict = judge("medium", ("prompts/a.yaml",), approval("Alice"))
    assert not verdict.satisfied
    assert verdict.reasons == ("needs 1 approval(s) from anyone but the author; has 0",)


def test_evidence_the_source_rejected_never_counts() -> None:
    stale = approval("bob", counts=False, reason="approved an older commit (stale)")
    assert not judge("medium", ("prompts/a.yaml",), stale).satisfied
    assert judge("medium", ("prompts/a.yaml",), approval("bob")).satisfied


def test_codeowners_must_cover_every_owned_path() -> None:
    paths = ("prompts/a.yaml", "models.yaml")
    only_support = judge("high", paths, approval("erin"))
    assert not only_support.satisfied
    assert only_support.reasons == (
        "models.yaml: no approval from its code owners (@acme/ml @carol)",
    )
    assert judge("high", paths, approval("erin"), approval("gus")).satisfied


def test_team_membership_unknown_is_not_membership() -> None:
    assert not judge("high", ("prompts/a.yaml",), approval("mallory")).satisfied


def test_critical_needs_two_distinct_approvers() -> None:
    paths = ("models.yaml",)
    assert not judge("critical", paths, approval("carol"), approval("Carol")).satisfied
    assert judge("critical", paths, approval("carol"), approval("gus")).satisfied


def test_break_glass_passes_with_its_reason() -> None:
    verdict = judge("critical", ("models.yaml",), glass="provider outage, INC-4411")
    assert verdict.satisfied and verdict.break_glass == "provider outage, INC-4411"
    assert judge("low", ("models.yaml",), glass="not needed").break_glass is None
