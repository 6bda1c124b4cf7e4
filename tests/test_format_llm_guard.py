"""LLM Guard API scanners.yml: one guardrail, a rail per scanner, thresholds in both directions."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git, make_repo
from format_helpers import diff_json, keys, scan

CORPUS_EXPECTED = {
    # `${VAR:}` settings, commented-out scanners (not scanners), thresholds in both directions
    "protectai__llm-guard/llm_guard_api/config/scanners.yml": [
        "guardrail:protectai__llm-guard/llm_guard_api/config/scanners",
    ],
}

SCANNERS = """\
app:
  name: ${APP_NAME:Support Guard}
  scan_fail_fast: ${SCAN_FAIL_FAST:false}

auth:
  type: http_bearer
  token: ${AUTH_TOKEN:}

input_scanners:
  - type: Anonymize
    params:
      use_faker: false
      threshold: 0.75
  - type: PromptInjection
    params:
      threshold: ${PI_THRESHOLD:0.92}
      match_type: truncate_head_tail
#  - type: Code
#    params:
#      languages: ["Python"]
#      is_blocked: true
  - type: Regex
    params:
      patterns: ["Bearer [A-Za-z0-9-._~+/]+"]
      is_blocked: false

output_scanners:
  - type: Toxicity
    params:
      threshold: 0.5
  - type: FactualConsistency
    params:
      minimum_score: 0.7
  - type: Sentiment
    params:
      threshold: -0.2
"""


def test_scanners_are_rails_in_order_with_their_thresholds() -> None:
    _, artifacts = scan("guard/scanners.yml", SCANNERS)
    assert keys(artifacts) == ["guardrail:guard/scanners"]
    (guard,) = artifacts
    rails = guard.get("input")
    assert [(r["type"], r["id"], r["action"], r.get("threshold")) for r in rails] == [
        ("pii", "Anonymize", "redact", 0.75),
        ("prompt_injection", "PromptInjection", "block", 0.92),  # the ${VAR:default} literal
        ("regex", "Regex", "warn", None),
    ]
    toxicity, facts, sentiment = guard.get("output")
    assert toxicity["threshold"] == 0.5
    # fires below the value: inverted, so that higher is looser for every rail
    assert (facts["threshold"], facts["options"]["minimum_score"]) == (0.3, 0.7)
    assert (sentiment["threshold"], sentiment["options"]["fires"]) == (0.6, "below")
    assert guard.get("metadata") == {"format": "llm-guard", "auth": "http_bearer"}
    assert guard.doc.location("/input/1/threshold").line == 16
    assert guard.doc.location("/output/1/threshold").line == 33
    assert guard.doc.location("/input/2/action").line == 25


def test_findings_point_at_the_scanner() -> None:
    text = SCANNERS.replace("PromptInjection", "BanTopics").replace(
        "threshold: 0.5", "threshold: 5"
    )
    result, _ = scan("guard/scanners.yml", text)
    lines = {f.code: f.line for f in result.findings if f.code.startswith("GRD")}
    # no injection scanner left: reported at `input_scanners:`; 5 is out of 0..1 at its line
    assert lines == {"GRD001": 9, "GRD005": 30}


def test_a_yaml_file_without_scanners_is_not_claimed() -> None:
    result, artifacts = scan("deploy/values.yaml", "app:\n  name: x\nscanners: []\n")
    assert artifacts == [] and not result.recognised


def test_loosening_reads_the_same_in_both_directions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {"guard/scanners.yml": SCANNERS})
    head = (
        SCANNERS.replace("threshold: 0.5", "threshold: 0.6")  # Toxicity fires above: raised
        .replace("minimum_score: 0.7", "minimum_score: 0.4")  # fires below: lowered
        .replace("  - type: PromptInjection\n", "  - type: BanTopics\n")
    )
    (repo / "guard/scanners.yml").write_text(head)
    git(repo, "commit", "-qam", "loosen the guard")
    report = diff_json(repo, capsys)
    changes = report["changes"]
    assert isinstance(changes, list)
    typed = sorted(
        (c["type"], c["details"].get("rail_type"), c["at"] and c["at"]["line"])
        for c in changes
        if c["type"] != "field-changed"
    )
    assert typed == [
        ("rail-added", "topic", 14),
        ("rail-removed", "prompt_injection", None),
        ("threshold-loosened", "fact_check", 33),  # 0.7 -> 0.4: canonical 0.3 -> 0.6
        ("threshold-loosened", "toxicity", 30),  # 0.5 -> 0.6
    ]
    (native,) = [c for c in changes if c["type"] == "field-changed"]
    assert (native["pointer"], native["old"], native["new"]) == (
        "/output/1/options/minimum_score",
        0.7,
        0.4,
    )
    risk = report["risk"]
    assert isinstance(risk, dict) and risk["tier"] == "critical"
    codes = sorted(c["code"] for c in risk["contributions"])
    # the injection scanner removed (CHG003), both loosenings (CHG008 for the 0.3 step, CHG007),
    # and the guard now lacks an injection rail (GRD001, a finding the change introduces)
    assert codes == ["CHG003", "CHG007", "CHG008", "GRD001"]
