"""Dotprompt / Genkit: one `.prompt` file is a prompt and, with a `model`, its model pin."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git, make_repo
from format_helpers import at, codes, diff_json, keys, scan


def _both(path: str) -> list[str]:
    id_ = path.removesuffix(".prompt")
    return [f"prompt:{id_}", f"model:{id_}"]


D, G = "google__dotprompt/", "firebase__genkit/"
CORPUS_EXPECTED = {
    # deliberately invalid: `schema` without its colon, reported inside the front matter
    D + "examples/error-invalid-yaml.prompt": ([], {"GOV001"}),
    # bare model id (google), `{{#role}}…{{/role}}` blocks
    D + "examples/valid-customer-support.prompt": _both(
        D + "examples/valid-customer-support.prompt"
    ),
    # syntax-highlighting samples whose Picoschema is not YAML (`style?: "formal" | "casual"`,
    # `{ name: string }[]`): Dotprompt's own YAML parser rejects them too, so no artifact
    D + "packages/monaco/samples/02-schema-and-config.prompt": ([], {"GOV001"}),
    D + "packages/monaco/samples/10-kitchen-sink.prompt": ([], {"GOV001"}),
    # `output.schema` names a schema registered in code; gemini-2.0-flash floats
    G + "py/samples/fastapi-bugbot/prompts/analyze_security.prompt": (
        _both(G + "py/samples/fastapi-bugbot/prompts/analyze_security.prompt"),
        {"PIN003"},
    ),
    # a variant keeps `.robot` in its id; a preview model floats
    G + "py/samples/prompts/prompts/recipe.robot.prompt": (
        _both(G + "py/samples/prompts/prompts/recipe.robot.prompt"),
        {"PIN003"},
    ),
    # `{{media url=videoUrl …}}` reads declared inputs: no undeclared-variable finding
    G + "go/samples/prompts/prompts/multi-msg.prompt": _both(
        G + "go/samples/prompts/prompts/multi-msg.prompt"
    ),
    # an evaluator: the model is chosen at run time, so the prompt has no pin
    G + "js/plugins/evaluators/prompts/faithfulness_nli.prompt": [
        "prompt:" + G + "js/plugins/evaluators/prompts/faithfulness_nli"
    ],
}

PROMPT = """\
# Copyright 2026 Acme Inc.
# SPDX-License-Identifier: Apache-2.0

---
model: vertexai/gemini-1.5-flash
config:
  version: gemini-1.5-flash-latest
  temperature: 0.4
  maxOutputTokens: 800
  stopSequences: ["<<END>>"]
input:
  schema:
    customer: string, the customer's first name
    ticket: string
    history?(array, earlier messages): string
tools: [lookupOrder]
---
{{! the agent persona }}
{{role "system"}}
You answer for {{customer}}.
{{#if history}}
Earlier: {{#each history}}{{this}} {{@index}}{{/each}}
{{else}}
First contact.
{{/if}}

{{role "user"}}
<ticket>{{ticket}}</ticket>
{{media url=ticket}}
---
{{json ticket}} {{lookup @root "x"}}

{{role "model"}}
{{section "answer"}}
{{/section}}
"""


def test_prompt_and_pin_with_positions_after_a_licence_header() -> None:
    result, artifacts = scan("prompts/support.prompt", PROMPT)
    assert keys(artifacts) == ["prompt:prompts/support", "model:prompts/support"]
    prompt, pin = artifacts
    assert [m["role"] for m in prompt.get("messages")] == ["system", "user", "assistant"]
    assert [i["name"] for i in prompt.get("inputs")] == ["customer", "ticket", "history"]
    assert prompt.get("inputs")[2]["description"] == "earlier messages"
    # the `---` line in the body is text of the user message
    assert "---" in prompt.get("messages")[1]["content"]
    # the pin is config.version, and it floats: reported at that line
    assert (pin.get("provider"), pin.get("model")) == ("vertex_ai", "gemini-1.5-flash-latest")
    assert pin.get("params") == {
        "temperature": 0.4,
        "max_tokens": 800,
        "stopSequences": ["<<END>>"],
    }
    assert at(result.findings, "PIN003") == [7]
    # Handlebars helpers, `this`, `@index`, `{{else}}` are no undeclared variables
    assert not at(result.findings, "PRM005")
    # the untrusted input in the system message, on its line
    assert at(result.findings, "PRM007") == [20]
    # `{{/section}}` closes no block: Handlebars rejects it, at its line
    assert at(result.findings, "PRM004") == [35]


def test_undeclared_variable_and_a_prompt_without_model() -> None:
    text = "---\ninput:\n  schema:\n    name: string\n---\nHello {{name}}, {{surname}}!\n"
    result, artifacts = scan("evals/judge.prompt", text)
    assert keys(artifacts) == ["prompt:evals/judge"]
    assert artifacts[0].get("model") is None
    assert artifacts[0].get("messages") == [
        {"role": "user", "content": "Hello {{name}}, {{surname}}!"}
    ]
    assert at(result.findings, "PRM005") == [6]


def test_partials_and_variants() -> None:
    result, artifacts = scan("prompts/_signature.prompt", "Regards,\n{{agent}} from {{team}}\n")
    assert keys(artifacts) == ["prompt:prompts/_signature"]
    partial = artifacts[0]
    assert partial.get("metadata") == {"format": "dotprompt", "partial": True}
    # its includer declares the names it reads
    assert [i["name"] for i in partial.get("inputs")] == ["agent", "team"]
    assert "PRM005" not in codes(result.findings)
    _, artifacts = scan("prompts/support.formal.prompt", PROMPT)
    assert keys(artifacts)[0] == "prompt:prompts/support.formal"


def test_a_yaml_error_is_reported_in_the_front_matter() -> None:
    text = "# licence\n---\nmodel: googleai/gemini-2.5-flash\ninput:\n  schema\n    name: string\n"
    text += "---\nHi\n"
    result, artifacts = scan("prompts/bad.prompt", text)
    assert artifacts == []
    assert at(result.findings, "GOV001") == [6]


def test_diff_scores_a_switch_to_a_preview_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stable = PROMPT.replace("gemini-1.5-flash-latest", "gemini-1.5-flash-002")
    repo = make_repo(
        tmp_path / "repo",
        {".llmward.yaml": "environments: {production: ['prod/**']}\n", "prod/a.prompt": stable},
    )
    (repo / "prod/a.prompt").write_text(
        stable.replace("vertexai/gemini-1.5-flash", "googleai/gemini-3-flash-preview").replace(
            "  version: gemini-1.5-flash-002\n", ""
        )
    )
    git(repo, "commit", "-qam", "try the preview model")
    capsys.readouterr()
    report = diff_json(repo, capsys)
    types = {c["type"] for c in report["changes"]}
    assert {"pin-made-floating"} <= types
    contributions = {c["code"] for c in report["risk"]["contributions"]}
    # now floating (CHG013), another provider (CHG014), and the floating Gemini id (PIN003)
    assert {"CHG013", "CHG014", "PIN003"} <= contributions
    assert report["risk"]["tier"] == "critical"


def test_handlebars_comments_and_empty_front_matter_read_nothing() -> None:
    text = "---\nmodel: googleai/gemini-2.5-pro\n---\n{{!-- a note --}}\n{{! another }}\nHi.\n"
    result, (prompt, _) = scan("prompts/hi.prompt", text)
    assert prompt.get("messages")[0]["content"].strip() == "Hi."
    assert not at(result.findings, "PRM005")
    result, artifacts = scan("prompts/empty.prompt", "---\n# nothing yet\n---\nHello.\n")
    assert keys(artifacts) == ["prompt:prompts/empty"] and not at(result.findings, "GOV001")


def test_front_matter_that_is_never_closed_is_a_syntax_finding_at_its_fence() -> None:
    text = "# Copyright 2026\n---\nmodel: googleai/gemini-2.5-pro\nHello.\n"
    result, artifacts = scan("prompts/open.prompt", text)
    assert artifacts == [] and at(result.findings, "GOV001") == [2]
