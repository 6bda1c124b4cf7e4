"""Prompty: one `.prompty` file is a prompt and the model pin it runs on (same id)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git, make_repo
from format_helpers import at, diff_json, keys, scan


def _both(path: str) -> list[str]:
    id_ = path.removesuffix(".prompty")
    return [f"prompt:{id_}", f"model:{id_}"]


P = "microsoft__prompty/"
CORPUS_EXPECTED = {
    # v2, dated Anthropic pin, mapping `inputs`
    P + "runtime/python/prompty/tests/prompts/anthropic_chat.prompty": _both(
        P + "runtime/python/prompty/tests/prompts/anthropic_chat.prompty"
    ),
    # v2 Azure: the id is the deployment, and no api_version (PIN013)
    P + "runtime/typescript/packages/foundry/tests/fixtures/azure-chat.prompty": (
        _both(P + "runtime/typescript/packages/foundry/tests/fixtures/azure-chat.prompty"),
        {"PIN013"},
    ),
    # v1 Azure deployment; `# Customer` is text of the system message
    P + "runtime/prompty/tests/prompts/basic.prompty": (
        _both(P + "runtime/prompty/tests/prompts/basic.prompty"),
        {"PIN013", "PRM007"},
    ),
    # v1 serverless; `${env:SERVERLESS_KEY:KEY}`: the default `KEY` is a literal
    P + "runtime/prompty/tests/prompts/serverless.prompty": (
        _both(P + "runtime/prompty/tests/prompts/serverless.prompty"),
        {"GOV013"},
    ),
    # v2 `model.id` without a provider: gpt-4 is an (undated, retired) OpenAI id
    P + "spec/fixtures/structured.prompty": (
        _both(P + "spec/fixtures/structured.prompty"),
        {"PIN001"},
    ),
    # v2 with a function tool and an environment key (no secret finding)
    P + "web/docs-examples/prompts/chat-agent.prompty": (
        _both(P + "web/docs-examples/prompts/chat-agent.prompty"),
        {"PIN001"},
    ),
}

V1 = """\
---
name: Support answer
description: Answers a customer's question
authors:
  - acme-support
version: 1.10
model:
  api: chat
  configuration:
    type: azure_openai
    azure_deployment: support-gpt4o
    azure_endpoint: https://acme.openai.azure.com
    api_key: sk-proj-Zq8rT2vLm4Xw9Kd7Np3Hs6Fb1Yc5Ju0AeRgTi
  parameters:
    max_tokens: 500
    temperature: 0.2
sample:
  customer: Jane
  question: Where is my order?
---
# Persona
You are a support assistant for {{customer}}.

user:


{{ question }
"""

V2 = """\
---
name: triage
description: Sorts tickets
model:
  id: gpt-4o-2024-08-06
  provider: openai
  connection:
    kind: key
    endpoint: ${env:OPENAI_ENDPOINT}
    apiKey: ${env:OPENAI_API_KEY}
  options:
    temperature: 0
    maxOutputTokens: 300
inputs:
  ticket:
    kind: string
    description: The ticket text
tools:
  - name: crm
    kind: mcp
    connection: {kind: remote, endpoint: https://mcp.example.com}
template:
  format:
    kind: nunjucks
---
system:
Sort the ticket into billing, delivery or other.

# user:
<ticket>{{ ticket }}</ticket>
"""


def test_v1_prompt_and_pin_with_positions() -> None:
    result, artifacts = scan("prompts/support.prompty", V1)
    assert keys(artifacts) == ["prompt:prompts/support", "model:prompts/support"]
    prompt, pin = artifacts
    assert prompt.get("model") == "prompts/support"
    assert (prompt.get("owner"), prompt.get("version")) == ("acme-support", "1.10")
    assert [m["role"] for m in prompt.get("messages")] == ["system", "user"]
    assert [i["name"] for i in prompt.get("inputs")] == ["customer", "question"]
    assert (pin.get("provider"), pin.get("model"), pin.get("deployment")) == (
        "azure",
        "support-gpt4o",
        "support-gpt4o",
    )
    assert pin.get("params") == {"max_tokens": 500, "temperature": 0.2}
    # the text before any role line (with its `# Persona` heading) is the system message
    assert at(result.findings, "PRM007") == [22]
    # the unclosed tag, two blank lines below `user:`
    assert at(result.findings, "PRM004") == [27]
    # the literal key, in the pin's metadata, at its own line
    assert at(result.findings, "PIN014") == [13]
    # no api_version on an Azure deployment: at the `model:` block
    assert at(result.findings, "PIN013") == [7]
    assert pin.doc.location("/models/0/params/temperature").line == 16


def test_v2_environment_values_tools_and_role_headings() -> None:
    result, artifacts = scan("prompts/triage.prompty", V2)
    prompt, pin = artifacts
    assert prompt.get("template_format") == "jinja2"  # nunjucks
    assert [m["role"] for m in prompt.get("messages")] == ["system", "user"]
    assert prompt.get("inputs") == [{"name": "ticket", "description": "The ticket text"}]
    assert pin.get("params") == {"temperature": 0, "max_tokens": 300}
    assert pin.get("metadata")["connection"]["apiKey"] == "${env:OPENAI_API_KEY}"
    assert not at(result.findings, "PIN014") and not at(result.findings, "GOV013")
    assert not at(result.findings, "PIN001")  # a dated snapshot
    assert at(result.findings, "PRM015") == [20]


def test_plain_string_model_and_a_file_without_front_matter() -> None:
    text = V2.replace(V2[V2.index("model:") : V2.index("inputs:")], "model: claude-3-5-haiku\n")
    result, artifacts = scan("p/short.prompty", text)
    pin = artifacts[1]
    assert (pin.get("provider"), pin.get("model")) == ("anthropic", "claude-3-5-haiku")
    assert at(result.findings, "PIN002") == [4]
    result, artifacts = scan("p/bare.prompty", "Summarise {{text}}.\n")
    assert keys(artifacts) == ["prompt:p/bare"]
    assert artifacts[0].get("messages") == [{"role": "system", "content": "Summarise {{text}}."}]


def test_a_yaml_error_is_a_finding_inside_the_front_matter() -> None:
    result, artifacts = scan("p/bad.prompty", "---\nname: x\nmodel:\n  id: [gpt\n---\nuser:\nhi\n")
    assert artifacts == []
    assert at(result.findings, "GOV001") == [5]


def test_diff_scores_a_pin_made_floating_and_a_remote_tool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            ".llmward.yaml": "environments: {production: ['prod/**']}\n",
            "prod/triage.prompty": V2.replace("tools:\n", "x_tools:\n"),
        },
    )
    (repo / "prod/triage.prompty").write_text(V2.replace("gpt-4o-2024-08-06", "gpt-4o"))
    git(repo, "commit", "-qam", "follow the latest model, add the CRM server")
    capsys.readouterr()
    report = diff_json(repo, capsys)
    assert {c["type"] for c in report["changes"]} >= {"pin-made-floating", "model-changed"}
    codes = {c["code"] for c in report["risk"]["contributions"]}
    # the pin now floats (CHG013) and the file introduces PIN001 and the MCP tool (PRM015)
    assert {"CHG013", "PIN001", "PRM015"} <= codes
    assert report["risk"]["tier"] == "critical"


def test_unknown_filters_and_odd_template_formats_are_findings_not_crashes() -> None:
    """A filter the application registers (`myfilter`) still lets the variables be read; a
    `template` that is a mapping of the wrong shape is a schema finding."""
    text = (
        "---\nmodel:\n  id: gpt-4o-2024-08-06\n  provider: openai\ntemplate:\n  type: {}\n"
        "---\nsystem:\nHi {{ name | myfilter }}\n"
    )
    result, _ = scan("prompts/odd.prompty", text)
    assert at(result.findings, "GOV005") == [6]
    assert at(result.findings, "PRM005") == [9]


def test_front_matter_that_is_never_closed_is_a_syntax_finding_at_its_fence() -> None:
    """Not YAML read as the system message: the file says where the front matter began."""
    text = "\n---\nname: x\nmodel:\n  id: gpt-4o\nsystem:\nHello.\n"
    result, artifacts = scan("prompts/open.prompty", text)
    assert artifacts == [] and at(result.findings, "GOV001") == [2]
