"""Semantic Kernel prompt configs: the prompt, one pin per service id, the unencoded-input flag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git, make_repo
from format_helpers import at, keys, scan
from test_diff_cli import diff

P = "microsoft__semantic-kernel/"
DOTNET = P + "dotnet/samples/Concepts/Resources/"
MOVIES = DOTNET + "Plugins/MoviePlugins/MoviePluginYaml/TopMovies"
CHAT = P + "python/samples/concepts/filtering/resources/chat/chat"
TOOLS = P + "python/samples/concepts/resources/function_choice_yaml/defined_function"
CORPUS_EXPECTED = {
    # BOM; no model_id: the pin names the service, `default`
    DOTNET + "GenerateStory.yaml": [
        f"prompt:{DOTNET}GenerateStory",
        f"model:{DOTNET}GenerateStory/default",
    ],
    # BOM and `!!bool` tags inside response_format
    MOVIES + ".yaml": [f"prompt:{MOVIES}", f"model:{MOVIES}/default"],
    # a legacy config.json without its skprompt.txt: the pins only
    P + "prompt_template_samples/ChatPlugin/ChatGPT/config.json": [
        f"model:{P}prompt_template_samples/ChatPlugin/ChatGPT/default"
    ],
    CHAT + ".yaml": ([f"prompt:{CHAT}", f"model:{CHAT}/default"], {"PRM020"}),
    TOOLS + ".yaml": ([f"prompt:{TOOLS}", f"model:{TOOLS}/chat"], {"PRM020"}),
}

CHAT_PROMPT = """\
\ufeffname: Chat
template: |
  <message role="system">You answer questions about Acme orders.</message>
  <message role="user">{{$user_input}} {{orders.lookup $order_id}}</message>
template_format: semantic-kernel
description: Answers questions about orders.
input_variables:
  - name: user_input
    description: The customer's question.
    allow_dangerously_set_content: !!bool true
  - name: order_id
    default: "0"
execution_settings:
  default:
    model_id: gpt-4o
    max_tokens: 500
  fast:
    model_id: claude-sonnet-4-5-20250929
    max_tokens: 300
    function_choice_behavior:
      type: auto
"""


def test_prompt_and_one_pin_per_service_with_positions() -> None:
    result, artifacts = scan("plugins/orders/chat.yaml", CHAT_PROMPT.encode("utf-8"))
    assert keys(artifacts) == [
        "prompt:plugins/orders/chat",
        "model:plugins/orders/chat/default",
        "model:plugins/orders/chat/fast",
    ]
    prompt, default, fast = artifacts
    assert prompt.get("model") == "plugins/orders/chat/default"
    assert prompt.get("template_format") == "jinja2"
    assert [i["name"] for i in prompt.get("inputs")] == ["user_input", "order_id"]
    assert prompt.get("metadata")["unencoded_inputs"] == ["user_input"]
    assert (fast.get("provider"), fast.get("model")) == ("anthropic", "claude-sonnet-4-5-20250929")
    assert fast.get("metadata")["function_choice"] == "auto"
    # `{{$var}}` and a function's `$arg` are the declared inputs: no undeclared or unused input
    assert not at(result.findings, "PRM005") and not at(result.findings, "PRM006")
    assert at(result.findings, "PRM020") == [10]  # the flag's own line
    assert at(result.findings, "PIN001") == [15]  # gpt-4o floats
    assert at(result.findings, "PRM021") == [21]  # auto calling, no function filter
    assert default.doc.location("/models/0/params/max_tokens").line == 16


def test_template_level_flag_and_handlebars() -> None:
    text = """\
name: Summary
template_format: handlebars
allow_dangerously_set_content: true
template: |
  {{#each documents}}<doc>{{this.text}}</doc>{{/each}}
  Summarise for {{audience}}. {{missing}}
input_variables:
  - name: documents
  - name: audience
"""
    result, (prompt,) = scan("plugins/summary.yaml", text)
    assert prompt.get("template_format") == "mustache"
    assert prompt.get("metadata")["unencoded_inputs"] == ["*"]
    assert at(result.findings, "PRM020") == [3]
    assert at(result.findings, "PRM005") == [6]  # `missing` is used, never declared


def test_legacy_skprompt_reads_its_config() -> None:
    config = json.dumps(
        {
            "schema": 1,
            "type": "completion",
            "description": "Summarise a text",
            "execution_settings": {"default": {"model_id": "gpt-4o-mini", "max_tokens": 256}},
            "input_variables": [{"name": "input", "description": "The text"}],
        },
        indent=2,
    )
    prompt_text = "Summarise this:\n\n{{$input}}\n\nAlso {{$tone}}.\n"
    files = {"plugins/Writer/Summarize/config.json": config}
    result, (prompt,) = scan("plugins/Writer/Summarize/skprompt.txt", prompt_text, files)
    assert prompt.key == "prompt:plugins/Writer/Summarize"
    assert prompt.get("model") == "plugins/Writer/Summarize/default"
    assert prompt.get("description") == "Summarise a text"
    assert at(result.findings, "PRM005") == [5]  # `tone` is not declared in config.json
    result, (pins,) = scan("plugins/Writer/Summarize/config.json", config)
    assert pins.key == "model:plugins/Writer/Summarize/default"
    assert at(result.findings, "PIN001") == [7]


def test_other_yaml_is_not_claimed() -> None:
    for text in (
        "template: x\nkind: Deployment\n",
        "_type: prompt\ntemplate: x\ninput_variables: []\n",
    ):
        _, artifacts = scan("deploy/x.yaml", text)
        assert not any(a.get("metadata", {}).get("format") == "semantic-kernel" for a in artifacts)


BASE = """\
name: Chat
template: |
  <message role="system">You answer questions about Acme orders.</message>
  <message role="user">{{$user_input}}</message>
template_format: semantic-kernel
description: Answers questions about orders.
input_variables:
  - name: user_input
    description: The customer's question.
execution_settings:
  default:
    model_id: gpt-4o-2024-08-06
    max_tokens: 500
"""


def test_diff_flags_the_unencoded_input_and_the_floating_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {"plugins/chat/chat.yaml": BASE})
    risky = BASE.replace(
        "    description: The customer's question.\n",
        "    description: The customer's question.\n    allow_dangerously_set_content: true\n",
    ).replace("gpt-4o-2024-08-06", "gpt-4o")
    (repo / "plugins/chat/chat.yaml").write_text(risky)
    git(repo, "commit", "-qam", "let the chat history carry messages")
    report = json.loads(diff(repo, capsys, "HEAD~1", "HEAD", "--format", "json")[1])
    changes = {(c["type"], c["pointer"], c["at"]["line"]) for c in report["changes"]}
    assert changes == {
        ("model-changed", "/model", 13),
        ("pin-made-floating", "/model", 13),
        ("field-changed", "/metadata/unencoded_inputs", 10),
    }
    scored = {(c["code"], c["line"]) for c in report["risk"]["contributions"]}
    assert {("CHG013", 13), ("PIN001", 13), ("PRM020", 10)} <= scored
    assert report["risk"]["tier"] == "high"
