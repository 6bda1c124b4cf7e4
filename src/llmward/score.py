"""Risk scoring: pure functions from changes and findings to a score, a tier and its explanation.

The formula (docs/risk.md has worked examples):

    contribution = points x environment weight x blast radius
      points       the change policy's points; for a lint finding the change introduces,
                   risk.finding_points[severity]
      weight       the largest risk.environment_weights entry among the artifact's environments
                   at base or head (default 1; production 2 unless configured)
      radius       for a model pin or guardrail, the number of prompts using it (at least 1);
                   1 for anything else
    score = min(100, round(sum of contributions))
    tier  = the higher of: the tier the score reaches (risk.tiers thresholds), and the highest
            severity among the change findings and the introduced lint findings.
            No contribution at all is tier "none".

Every contribution is listed, largest first, so a reviewer can redo the sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from llmward.config import RiskConfig

TIERS = ("none", "low", "medium", "high", "critical")
TIER_RANK = {t: i for i, t in enumerate(TIERS)}


@dataclass(frozen=True)
class Item:
    """One thing that adds risk: a change finding or an introduced lint finding."""

    code: str
    severity: str
    points: float
    kind: str  # artifact kind, or config / policy
    artifact: str
    environments: tuple[str, ...]
    radius: int
    message: str
    path: str
    line: int = 1


@dataclass(frozen=True)
class Contribution:
    item: Item
    weight: float
    points: float  # item.points x weight x radius


@dataclass(frozen=True)
class RiskScore:
    score: int
    tier: str
    contributions: tuple[Contribution, ...]  # largest first

    @property
    def explanation(self) -> list[str]:
        return [
            f"+{c.points:g} {c.item.code} {c.item.message} ({_why(c)})" for c in self.contributions
        ]


def _why(c: Contribution) -> str:
    parts = [f"{c.item.points:g} point{'' if c.item.points == 1 else 's'}"]
    if c.weight != 1:
        parts.append(f"x{c.weight:g} {'/'.join(c.item.environments)}")
    if c.item.radius > 1:
        parts.append(f"x{c.item.radius} prompts")
    return " ".join(parts)


def weight(environments: Iterable[str], weights: Mapping[str, float]) -> float:
    return max((weights.get(env, 1.0) for env in environments), default=1.0)


def score(items: Iterable[Item], config: RiskConfig) -> RiskScore:
    contributions = sorted(
        (
            Contribution(
                i,
                weight(i.environments, config.environment_weights),
                round(
                    i.points
                    * weight(i.environments, config.environment_weights)
                    * max(i.radius, 1),
                    2,
                ),
            )
            for i in items
        ),
        key=lambda c: (
            -c.points,
            -TIER_RANK.get(c.item.severity, 0),
            c.item.code,
            c.item.path,
            c.item.line,
        ),
    )
    total = min(100, round(sum(c.points for c in contributions)))
    return RiskScore(total, tier(total, contributions, config), tuple(contributions))


def tier(total: int, contributions: Iterable[Contribution], config: RiskConfig) -> str:
    contributions = list(contributions)
    if not contributions:
        return "none"
    by_score = "low"
    for name in ("medium", "high", "critical"):
        if total >= getattr(config.tiers, name):
            by_score = name
    floor = max((c.item.severity for c in contributions), key=lambda s: TIER_RANK[s])
    return max(by_score, floor, key=lambda t: TIER_RANK[t])


def at_or_above(tier_: str, threshold: str) -> bool:
    return TIER_RANK[tier_] >= TIER_RANK[threshold]
