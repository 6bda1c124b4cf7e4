"""LangChain serialized prompts: `_type` prompt, few_shot and chat files, in YAML or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git, make_repo
from format_helpers import at, scan
from test_diff_cli import diff

P = "langchain-ai__langchain/libs/core/tests/unit_tests/examples/"
CORPUS_EXPECTED = {
    # names an examples.json that is not in the corpus: read, and reported
    P + "few_shot_prompt.yaml": ([f"prompt:{P}few_shot_prompt"], {"PRM024"}),
    # `human` role; `content` is a partial variable
    P + "simple_chat_prompt.json": [f"prompt:{P}simple_chat_prompt"],
}

CHAT = """\
{
  "_type": "chat",
  "input_variables": ["question"],
  "partial_variables": {"product": "Acme Router"},
  "template": [
    {"role": "system", "content": "You support {product} owners. Answer: {question}"},
    {"role": "human", "content": "<question>{question}</question>"},
    {"role": "ai", "content": "Let me check."}
  ]
}
"""


def test_chat_roles_and_positions() -> None:
    result, (prompt,) = scan("prompts/support.json", CHAT)
    assert prompt.key == "prompt:prompts/support"
    assert [m["role"] for m in prompt.get("messages")] == ["system", "user", "assistant"]
    assert prompt.get("template_format") == "fstring"
    assert prompt.get("inputs") == [{"name": "question"}, {"name": "product", "trusted": True}]
    assert at(result.findings, "PRM007") == [6]  # untrusted `question` in the system message
    assert not at(result.findings, "PRM005") and not at(result.findings, "PRM006")


JINJA = """\
_type: prompt
input_variables: [question]
template_format: jinja2
template: |
  Answer briefly.
  {{ question }} {{ extra }}
"""


def test_jinja2_and_paths_are_reported_on_their_lines() -> None:
    result, _ = scan("prompts/answer.yaml", JINJA)
    assert at(result.findings, "PRM022") == [3]
    assert at(result.findings, "PRM005") == [6]
    text = "_type: prompt\ninput_variables: [q]\ntemplate_path: ../../etc/answer.txt\n"
    result, artifacts = scan("prompts/escape.yaml", text, {"etc/answer.txt": "secret {q}"})
    assert at(result.findings, "PRM023") == [3]
    [prompt] = artifacts  # the file outside the folder is never read
    assert prompt.get("messages") == [{"role": "user", "content": ""}]
    assert prompt.get("metadata")["template_found"] is False
    text = "_type: few_shot\ninput_variables: [q]\nexamples: /etc/passwd\nsuffix: '{q}'\n"
    result, artifacts = scan("prompts/escape.yaml", text)
    assert at(result.findings, "PRM023") == [3] and not at(result.findings, "PRM024")


def test_template_path_and_examples_are_read_beside_the_file() -> None:
    text = "_type: prompt\ninput_variables: [q]\ntemplate_path: answer.txt\n"
    result, (prompt,) = scan("prompts/a.yaml", text, {"prompts/answer.txt": "Answer {q}."})
    assert prompt.get("messages") == [{"role": "user", "content": "Answer {q}."}]
    few = "_type: few_shot\ninput_variables: [q]\nexamples: ex.json\nsuffix: '{q}'\n"
    result, _ = scan("prompts/f.yaml", few, {"prompts/ex.json": "[]"})
    assert not at(result.findings, "PRM024")
    result, _ = scan("prompts/f.yaml", few)
    assert at(result.findings, "PRM024") == [3]


BASE = """\
_type: prompt
input_variables: [question]
template: "Answer briefly: <question>{question}</question>"
"""


def test_diff_flags_the_switch_to_jinja2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", {"prompts/answer.yaml": BASE})
    risky = (
        "_type: prompt\ninput_variables: [question]\ntemplate_format: jinja2\n"
        'template: "Answer briefly: <question>{{ question }}</question>"\n'
    )
    (repo / "prompts/answer.yaml").write_text(risky)
    git(repo, "commit", "-qam", "templates in jinja2")
    report = json.loads(diff(repo, capsys, "HEAD~1", "HEAD", "--format", "json")[1])
    changes = {(c["type"], c["pointer"]) for c in report["changes"]}
    assert changes == {
        ("template-format-changed", "/template_format"),
        ("prompt-text-changed", "/messages/0/content"),
    }
    scored = {(c["code"], c["line"]) for c in report["risk"]["contributions"]}
    assert ("PRM022", 3) in scored
    assert report["risk"]["tier"] == "high"
