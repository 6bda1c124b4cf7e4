"""promptfoo configs: providers are model pins, inline prompts are prompts, asserts are metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git, make_repo
from format_helpers import at, keys, scan
from test_diff_cli import diff

P = "promptfoo__promptfoo/examples/amazon-bedrock/models/promptfooconfig.claude"
BEDROCK = [
    "Claude_Opus_4.6",
    "Claude_Opus_4.1",
    "Claude_Opus_5.5",
    "Claude_Sonnet_5.5",
    "Claude_Opus_5",
    "Claude_Opus_4.8",
    "Claude_Haiku_4.5",
    "Claude_Sonnet_4.6_with_Thinking",
    "Claude_Opus_4.6_inference_profile",
]
CORPUS_EXPECTED = {
    P + ".yaml": [f"prompt:{P}/prompt", *(f"model:{P}/{label}" for label in BEDROCK)],
}

CONFIG = """\
# yaml-language-server: $schema=https://promptfoo.dev/config-schema.json
description: Support answer eval
prompts:
  - 'Answer the customer: {{question}}'
  - file://prompts/support.txt
providers:
  - openai:gpt-4.1
  - id: anthropic:messages:claude-sonnet-4-5-20250929
    label: sonnet
    config: {temperature: 0.2, max_tokens: 512}
  - id: azure:chat:support-deploy
  - id: bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0
    config: {region: us-west-2}
  - file://providers/custom.py
defaultTest:
  assert:
    - {type: llm-rubric, value: is polite}
tests:
  - vars: {question: Where is my order?}
    assert:
      - {type: similar, value: It ships tomorrow, threshold: 0.8}
"""


def test_providers_are_pins_and_inline_prompts_are_prompts() -> None:
    result, artifacts = scan("evals/promptfooconfig.yaml", CONFIG)
    assert keys(artifacts) == [
        "prompt:evals/promptfooconfig/prompt",
        "model:evals/promptfooconfig/openai",
        "model:evals/promptfooconfig/sonnet",
        "model:evals/promptfooconfig/azure",
        "model:evals/promptfooconfig/bedrock",
    ]
    prompt, gpt, sonnet, azure, bedrock = artifacts
    assert [(p.get("provider"), p.get("model")) for p in (gpt, sonnet, azure, bedrock)] == [
        ("openai", "gpt-4.1"),
        ("anthropic", "claude-sonnet-4-5-20250929"),
        ("azure", "support-deploy"),
        ("bedrock", "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
    ]
    assert prompt.get("inputs") == [{"name": "question", "trusted": True}]
    evals = prompt.get("metadata")["evals"]
    assert evals["tests"] == 1
    assert [a.get("threshold") for a in evals["asserts"]] == [None, 0.8]
    assert at(result.findings, "PIN001") == [7]  # undated gpt-4.1, on its own line
    assert sonnet.doc.location("/models/1/params/temperature").line == 10
    assert prompt.doc.location("/messages/0/content").line == 4


def test_bedrock_ids_keep_routing_prefixes() -> None:
    arn = "arn:aws:bedrock:us-east-2::inference-profile/global.anthropic.claude-opus-4-6-v1"
    text = (
        "$schema: https://promptfoo.dev/config-schema.json\nproviders:\n"
        f"  - bedrock:{arn}\n"
        "  - bedrock:eu.anthropic.claude-sonnet-4-6\n"
    )
    _, pins = scan("evals/bedrock.yaml", text)
    assert [(p.get("provider"), p.get("model")) for p in pins] == [
        (
            "bedrock",
            "arn:aws:bedrock:us-east-2::inference-profile/global.anthropic.claude-opus-4-6-v1",
        ),
        ("bedrock", "eu.anthropic.claude-sonnet-4-6"),
    ]


BASE = """\
prompts: ['Summarise {{text}}']
providers:
  - id: openai:gpt-4o-2024-08-06
    label: main
    config: {temperature: 0.1, max_tokens: 300}
tests:
  - vars: {text: A long complaint}
    assert:
      - {type: similar, value: A short complaint, threshold: 0.9}
"""


def test_diff_shows_a_loosened_assert_and_a_floating_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {"evals/promptfooconfig.yaml": BASE})
    risky = BASE.replace("threshold: 0.9", "threshold: 0.3").replace("-2024-08-06", "")
    (repo / "evals/promptfooconfig.yaml").write_text(risky)
    git(repo, "commit", "-qam", "relax the eval")
    report = json.loads(diff(repo, capsys, "HEAD~1", "HEAD", "--format", "json")[1])
    changes = {(c["type"], c["artifact"]) for c in report["changes"]}
    assert ("pin-made-floating", "evals/promptfooconfig/main") in changes
    assert any(c["pointer"].startswith("/metadata/evals") for c in report["changes"])
    assert report["risk"]["tier"] == "high"


def test_a_new_model_for_an_unlabelled_provider_is_a_change_to_its_pin(tmp_path: Path) -> None:
    from format_helpers import change_types, compare_edit

    before = "prompts: ['Answer {{q}}']\nproviders: [openai:chat:gpt-4o-2024-08-06]\n"
    after = before.replace("gpt-4o-2024-08-06", "gpt-4o-mini")
    result = compare_edit(
        tmp_path, {"promptfooconfig.yaml": before}, {"promptfooconfig.yaml": after}
    )
    found = change_types(result)
    assert ("model-changed", "promptfooconfig/openai") in found
    assert ("pin-made-floating", "promptfooconfig/openai") in found
    assert not {t for t, _ in found} & {"artifact-removed", "artifact-added"}


def test_test_vars_are_inputs_only_of_the_prompts_that_read_them() -> None:
    """promptfoo shares test vars between prompts (and `file://` prompts): a var one prompt does
    not read is not an unused input of that prompt."""
    text = (
        "prompts:\n"
        "  - 'Greet {{name}}'\n"
        "  - file://prompts/reply.prompty\n"
        "providers: [openai:gpt-4o-2024-08-06]\n"
        "tests:\n"
        "  - vars: {name: Ada, ticket: late parcel}\n"
    )
    result, artifacts = scan("evals/promptfooconfig.yaml", text)
    [prompt] = [a for a in artifacts if a.kind == "prompt"]
    assert [i["name"] for i in prompt.get("inputs")] == ["name"]
    assert not at(result.findings, "PRM006")
