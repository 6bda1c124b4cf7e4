"""Guardrails AI: a `.rail` is a guardrail (its validators) plus a prompt; guard templates too."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import git, make_repo
from format_helpers import at, keys, scan
from llmward.cli import main

P = "guardrails-ai__guardrails/"
T = P + "tests/integration_tests/test_assets/"
CORPUS_EXPECTED = {
    # validators only in `format=` (inactive, GRD020) and an on-fail for no validator (GRD021)
    P + "guardrails/applications/text2sql.rail": (
        [
            "guardrail:guardrails-ai__guardrails/guardrails/applications/text2sql",
            "prompt:guardrails-ai__guardrails/guardrails/applications/text2sql",
        ],
        {"GRD020", "GRD021"},
    ),
    T + "entity_extraction/fix.rail": [
        "guardrail:" + T.removesuffix("/") + "/entity_extraction/fix",
        "prompt:" + T.removesuffix("/") + "/entity_extraction/fix",
    ],
    # the same guard written for an older release: its validators sit in format= and never run
    T + "rail_specs/credit_card_agreement.rail": (
        [
            "guardrail:" + T.removesuffix("/") + "/rail_specs/credit_card_agreement",
            "prompt:" + T.removesuffix("/") + "/rail_specs/credit_card_agreement",
        ],
        {"GRD020"},
    ),
}

RAIL = """\
<rail version="0.1">
<output>
    <object name="ticket">
        <string
            name="summary"
            validators="toxic-language; hub://guardrails/detect_pii: EMAIL_ADDRESS"
            on-fail-toxic-language="exception"
            on-fail-guardrails_detect_pii="fix"
        />
        <string name="kind" format="valid-choices: {['bill', 'ux']}" on-fail-valid-choices="reask"/>
        <list name="tags">
            <string validators="lower-case" />
        </list>
        <string name="reply" validators="one-line" on-fail-two-words="fix"/>
    </object>
</output>

<instructions validators="detect-prompt-injection" on-fail-detect-prompt-injection="custom">
You triage support tickets for Acme.
</instructions>

<prompt>
Summarise this ticket:

${ticket}

${gr.complete_json_suffix_v2}
</prompt>
</rail>
"""


def test_a_rail_is_a_guardrail_and_a_prompt_with_positions() -> None:
    result, artifacts = scan("guards/triage.rail", RAIL)
    assert keys(artifacts) == ["guardrail:guards/triage", "prompt:guards/triage"]
    guard, prompt = artifacts
    output = guard.get("output")
    assert [(r["type"], r["action"], r["options"]["on_fail"]) for r in output] == [
        ("toxicity", "block", "exception"),
        ("pii", "redact", "fix"),
        ("lower_case", "warn", "noop"),
        ("one_line", "warn", "noop"),
    ]
    assert [r["options"]["on"] for r in output] == [
        "$.ticket.summary",
        "$.ticket.summary",
        "$.ticket.tags.*",
        "$.ticket.reply",
    ]
    assert guard.get("input")[0]["type"] == "prompt_injection"
    assert guard.doc.location("/output/1/action").line == 8
    # format= validators never run (GRD020); a handler for no validator of its element (GRD021)
    assert at(result.findings, "GRD020") == [10]
    assert at(result.findings, "GRD021") == [14]
    assert at(result.findings, "GRD022") == [12, 14]  # no on-fail: noop in a rail
    assert at(result.findings, "GRD023") == [18]  # custom handler
    assert [m["role"] for m in prompt.get("messages")] == ["system", "user"]
    assert prompt.get("guardrails") == ["guards/triage"]
    assert prompt.get("metadata")["variables"] == ["gr.complete_json_suffix_v2", "ticket"]


def test_prompt_findings_point_into_the_prompt_text() -> None:
    text = RAIL.replace("${ticket}", "Contact jane.doe@acme-corp.com, card 4111 1111 1111 1111")
    result, _ = scan("guards/triage.rail", text)
    assert at(result.findings, "PRM010") == [25, 25]  # an email address and a card number


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param("<rail>\n<output>\n<string name='a'>\n</output>\n</rail>\n", 4, id="mismatch"),
        pytest.param("<rail>\n<output>\n", 3, id="truncated"),
        pytest.param(
            '<?xml version="1.0"?>\n<!DOCTYPE rail [<!ENTITY a "aaaa">]>\n<rail>&a;</rail>\n',
            2,
            id="doctype-refused",
        ),
        pytest.param(
            '<!DOCTYPE r [\n<!ENTITY a "xxxxxxxxxx">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n<rail>&c;</rail>\n',
            1,
            id="entity-expansion",
        ),
        pytest.param(
            '<!DOCTYPE r [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n<rail>&x;</rail>\n',
            1,
            id="external-entity",
        ),
    ],
)
def test_bad_xml_is_a_syntax_finding(text: str, line: int) -> None:
    result, artifacts = scan("guards/bad.rail", text)
    assert artifacts == []
    assert at(result.findings, "GOV001") == [line]


TEMPLATE = {
    "name": "chatbot",
    "namespace": "acme",
    "guards": [
        {
            "id": "chatbot",
            "name": "chatbot",
            "validators": [
                {
                    "id": "guardrails/detect_jailbreak",
                    "on": "messages",
                    "onFail": "exception",
                    "kwargs": {"threshold": 0.8},
                },
                {
                    "id": "guardrails/detect_pii",
                    "on": "$",
                    "onFail": "Fix",
                    "kwargs": {"pii_entities": ["EMAIL_ADDRESS", "PHONE_NUMBER"]},
                },
                {"id": "guardrails/toxic_language", "on": "$"},
            ],
        }
    ],
}


def test_a_guard_template_is_detected_by_content() -> None:
    text = json.dumps(TEMPLATE, indent=2) + "\n"
    result, artifacts = scan("config/chatbot.json", text)
    assert keys(artifacts) == ["guardrail:config/chatbot/chatbot"]
    (guard,) = artifacts
    assert [(r["type"], r["action"]) for r in guard.get("input")] == [("jailbreak", "block")]
    assert [(r["type"], r["action"]) for r in guard.get("output")] == [
        ("pii", "warn"),  # `Fix` is no action (case matters): GRD024
        ("toxicity", "block"),  # no onFail in a template: the validator default, exception
    ]
    assert at(result.findings, "GRD024") == [
        text.splitlines().index('          "onFail": "Fix",') + 1
    ]
    result, artifacts = scan("config/app.json", '{"guards": "none", "validators": []}\n')
    assert artifacts == [] and not result.recognised


def test_diff_reports_fix_lowered_to_noop_as_a_weakened_rail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """credit_card_agreement.rail beside fix.rail: the same guard with `fix` lowered to `noop`."""
    before = RAIL
    repo = make_repo(tmp_path / "repo", {"guards/triage.rail": before})
    after = before.replace(
        'on-fail-guardrails_detect_pii="fix"', 'on-fail-guardrails_detect_pii="noop"'
    )
    (repo / "guards/triage.rail").write_text(after)
    git(repo, "commit", "-qam", "stop fixing PII in summaries")
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["diff", "HEAD~1", "HEAD", "--format", "json"])
    finally:
        os.chdir(cwd)
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    changes = [(c["type"], c["old"], c["new"]) for c in report["changes"]]
    # the rank (fix -> redact, noop -> warn) and the on-fail value itself
    assert sorted(changes) == [
        ("action-weakened", "redact", "warn"),
        ("field-changed", "fix", "noop"),
    ]
    assert {c["at"]["line"] for c in report["changes"]} == {8}
    assert report["risk"]["tier"] == "medium"
    assert [(c["code"], c["line"]) for c in report["risk"]["contributions"]] == [("CHG011", 8)]
