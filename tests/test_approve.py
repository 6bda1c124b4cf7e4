"""Approval requirements: CODEOWNERS as GitHub reads it, and who counts as an approver."""

from __future__ import annotations

import pytest

from llmward.approve import Case, decide
from llmward.config import ApprovalConfig, Requirement, parse_config
from llmward.errors import ConfigError
from llmward.evidence import SIGNED_SOURCE as SIGNED
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


# --- identities: one person, many names -------------------------------------------------------

TWO = ApprovalConfig(required={"high": Requirement(2)})


def signed(principal: str, key: str = "SHA256:k-bob") -> Approval:
    return Approval(principal, SIGNED, f"sha256:{'0' * 64} {key}", "head", None, True, "")


def judge_as(
    config: ApprovalConfig, *evidence: Approval, authors: tuple[str, ...] = ("alice@home.example",)
):
    accounts = tuple(a for a in authors if "@" in a)
    return decide(Case("high", ("p.yaml",), authors, evidence, None, accounts), config, [], member)


def linked(**identities: list[str]) -> ApprovalConfig:
    return ApprovalConfig(required=TWO.required, identities=identities)


def test_a_signer_not_linked_to_a_person_does_not_count() -> None:
    """The author signs with a principal of their own choosing: nothing ties it to them."""
    verdict = judge_as(TWO, signed("alice@corp.example"), approval("bob"))
    [s] = [a for a in verdict.evidence if a.source == SIGNED]
    assert not s.counts
    assert s.reason == (
        "a signer cannot be told apart from the authors: list alice@corp.example, "
        "alice@home.example, bob in approvals.identities"
    )
    assert not verdict.satisfied


def test_the_author_under_another_name_does_not_count() -> None:
    config = linked(alice=["alice@home.example", "alice@corp.example"], bob=["bob@corp.example"])
    verdict = judge_as(config, signed("alice@corp.example"), signed("bob@corp.example", "k2"))
    assert [(a.approver, a.counts, a.reason) for a in verdict.evidence] == [
        ("alice@corp.example", False, "the author cannot approve their own change"),
        ("bob@corp.example", True, ""),
    ]
    assert [a.approver for a in verdict.counted] == ["bob@corp.example"]


def test_one_person_counts_once_across_review_and_signature() -> None:
    config = linked(alice=["alice@home.example"], bob=["bob", "bob@corp.example"])
    verdict = judge_as(config, approval("bob"), signed("bob@corp.example"))
    assert len(verdict.counted) == 1 and not verdict.satisfied


def test_one_key_counts_once_under_two_principals() -> None:
    config = linked(
        alice=["alice@home.example"], bob=["bob@corp.example"], rob=["rob@corp.example"]
    )
    verdict = judge_as(config, signed("bob@corp.example"), signed("rob@corp.example"))
    assert len(verdict.counted) == 1 and not verdict.satisfied


def test_two_linked_people_with_two_keys_satisfy_two() -> None:
    config = linked(alice=["alice@home.example"], bob=["bob@corp.example"], cy=["cy@corp.example"])
    verdict = judge_as(config, signed("bob@corp.example", "k1"), signed("cy@corp.example", "k2"))
    assert verdict.satisfied and len(verdict.counted) == 2


def test_a_name_under_two_people_is_a_config_error() -> None:
    raw = b"approvals:\n  identities:\n    bob: [shared]\n    cy: ['@Shared']\n"
    with pytest.raises(ConfigError, match="'@Shared' is listed under both 'bob' and 'cy'"):
        parse_config(".llmward.yaml", raw)
