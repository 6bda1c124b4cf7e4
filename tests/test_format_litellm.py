"""LiteLLM proxy config: routes are model pins, `guardrails:` a guardrail config."""

from __future__ import annotations

from pathlib import Path

from format_helpers import at, change_types, compare_edit, keys, scan

P = "BerriAI__litellm/"
CORPUS_EXPECTED = {
    P + "proxy_server_config.yaml": [
        "model:BerriAI__litellm/proxy_server_config/gpt-3.5-turbo-end-user-test",
        "model:BerriAI__litellm/proxy_server_config/gpt-3.5-turbo-end-user-test/2",
        "model:BerriAI__litellm/proxy_server_config/gpt-3.5-turbo",
        "model:BerriAI__litellm/proxy_server_config/gpt-3.5-turbo-large",
        "model:BerriAI__litellm/proxy_server_config/gpt-4",
        "model:BerriAI__litellm/proxy_server_config/sagemaker-completion-model",
        "model:BerriAI__litellm/proxy_server_config/text-embedding-ada-002",
        "model:BerriAI__litellm/proxy_server_config/dall-e-2",
        "model:BerriAI__litellm/proxy_server_config/openai-dall-e-3",
        "model:BerriAI__litellm/proxy_server_config/fake-openai-endpoint",
        "model:BerriAI__litellm/proxy_server_config/fake-openai-endpoint-2",
        "model:BerriAI__litellm/proxy_server_config/fake-openai-endpoint-3",
        "model:BerriAI__litellm/proxy_server_config/fake-openai-endpoint-3/2",
        "model:BerriAI__litellm/proxy_server_config/bad-model",
        "model:BerriAI__litellm/proxy_server_config/any",
        "model:BerriAI__litellm/proxy_server_config/anthropic/any",
        "model:BerriAI__litellm/proxy_server_config/groq/any",
        "model:BerriAI__litellm/proxy_server_config/mistral-embed",
        "model:BerriAI__litellm/proxy_server_config/gpt-instruct",
    ],
    P + "litellm/proxy/example_config_yaml/aliases_config.yaml": [
        "model:BerriAI__litellm/litellm/proxy/example_config_yaml/aliases_config/text-davinci-003",
        "model:BerriAI__litellm/litellm/proxy/example_config_yaml/aliases_config/gpt-4",
        "model:BerriAI__litellm/litellm/proxy/example_config_yaml/aliases_config/gpt-3.5-turbo",
    ],
    P + "litellm/proxy/example_config_yaml/guardrails_eu_ai_act.yaml": [
        "model:BerriAI__litellm/litellm/proxy/example_config_yaml/guardrails_eu_ai_act/gpt-4o-mini",
        "guardrail:BerriAI__litellm/litellm/proxy/example_config_yaml/guardrails_eu_ai_act/guardrails",
    ],
}

PROXY = """\
model_list:
  - model_name: support
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      max_tokens: 400
  - model_name: support
    litellm_params:
      model: azure/support-deploy
      api_version: "2024-06-01"
      max_tokens: 400
  - model_name: claude
    litellm_params:
      model: anthropic/claude-sonnet-4-5-20250929
      max_tokens: 400
router_settings:
  fallbacks: [{"support": ["claude"]}]
guardrails:
  - guardrail_name: injection
    litellm_params:
      guardrail: lakera_v2
      mode: pre_call
      default_on: true
  - guardrail_name: pii
    litellm_params:
      guardrail: presidio
      mode: [pre_call, post_call]
      pii_entities_config: {CREDIT_CARD: MASK}
"""


def test_routes_are_pins_with_positions_of_their_own_fields() -> None:
    result, artifacts = scan("deploy/proxy.yaml", PROXY)
    assert keys(artifacts) == [
        "model:deploy/proxy/support",
        "model:deploy/proxy/support/2",
        "model:deploy/proxy/claude",
        "guardrail:deploy/proxy/guardrails",
    ]
    first, azure, claude, guard = artifacts
    assert (first.get("provider"), first.get("model")) == ("openai", "gpt-4o")
    assert first.get("fallbacks") == ["deploy/proxy/claude"]
    assert (azure.get("provider"), azure.get("deployment"), azure.get("api_version")) == (
        "azure",
        "support-deploy",
        "2024-06-01",
    )
    # the floating OpenAI alias is reported on the line of `model: openai/gpt-4o`
    assert at(result.findings, "PIN001") == [4]
    assert first.doc.location("/models/0/model").line == 4
    assert claude.doc.location("/models/2/params/max_tokens").line == 15
    rails = guard.get("input")
    assert [(r["type"], r["enabled"]) for r in rails] == [
        ("prompt_injection", True),
        ("pii", False),
    ]
    assert [r["type"] for r in guard.get("output")] == ["pii"]
    assert guard.doc.location("/input/0/type").line == 21


def test_an_environment_key_is_not_a_secret_and_a_file_without_routes_is_no_artifact() -> None:
    result, artifacts = scan("deploy/proxy.yaml", PROXY)
    assert not [f for f in result.findings if f.code in ("PIN014", "GOV013")]
    result, artifacts = scan("deploy/other.yaml", "name: not litellm\nitems: [1, 2]\n")
    assert artifacts == [] and not result.recognised


def test_a_route_pointing_at_a_new_underlying_model_is_a_model_change(tmp_path: Path) -> None:
    """The issue's example: `model_name: gpt-4` now served by another vendor's model."""
    swapped = PROXY.replace("model: anthropic/claude-sonnet-4-5-20250929", "model: ollama/llama2")
    result = compare_edit(tmp_path, {"deploy/proxy.yaml": PROXY}, {"deploy/proxy.yaml": swapped})
    assert ("model-changed", "deploy/proxy/claude") in change_types(result)
    change = next(c for c in result.changes if c.type == "model-changed")
    assert change.details["scope"] == "other-provider" and change.span is not None
    assert change.span.line == 14
    assert "CHG014" in {f.code for f in result.change_findings}  # model provider changed
    assert result.risk.tier in ("high", "critical")


def test_an_environment_variable_hiding_a_model_swap_is_a_pin_made_floating(
    tmp_path: Path,
) -> None:
    hidden = PROXY.replace(
        "model: anthropic/claude-sonnet-4-5-20250929", "model: os.environ/CLAUDE_MODEL"
    )
    result = compare_edit(tmp_path, {"deploy/proxy.yaml": PROXY}, {"deploy/proxy.yaml": hidden})
    assert ("pin-made-floating", "deploy/proxy/claude") in change_types(result)
    introduced = {(f.code, f.line) for f in result.introduced}
    assert ("PIN015", 14) in introduced
    assert result.risk.tier in ("high", "critical")


def test_wildcards_and_literal_keys_are_reported_where_they_are_written() -> None:
    text = PROXY + "general_settings:\n  master_key: sk-1234\n"
    text = text.replace("model: openai/gpt-4o\n", "model: openai/*\n")
    result, _ = scan("deploy/proxy.yaml", text)
    assert at(result.findings, "PIN016") == [4]
    assert at(result.findings, "GOV013") == [30]
    assert at(result.findings, "PIN001") == []  # a wildcard is not judged as an OpenAI alias


def test_a_live_key_anywhere_in_the_config_is_reported() -> None:
    """Not only in routes: `general_settings.master_key` maps to no artifact, yet is reported."""
    key = "sk-proj-" + "Zq7xR2mK9vL4tB8nW3cY6pD1fH5jS0aE"
    result, _ = scan("deploy/proxy.yaml", PROXY + f"general_settings:\n  master_key: {key}\n")
    assert at(result.findings, "GOV013") == [30]


def test_a_guardrail_that_only_logs_is_a_warning_rail() -> None:
    text = PROXY.replace("mode: pre_call\n", "mode: logging_only\n")
    _, artifacts = scan("deploy/proxy.yaml", text)
    rail = artifacts[-1].get("input")[0]
    assert (rail["type"], rail["action"]) == ("prompt_injection", "warn")
    text = PROXY.replace("mode: pre_call\n", "mode: pre_mcp_call\n")
    _, artifacts = scan("deploy/proxy.yaml", text)
    assert artifacts[-1].get("input")[0]["action"] == "block"
