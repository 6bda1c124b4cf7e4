"""LiteLLM proxy config: routes are model pins, `guardrails:` a guardrail config."""

from __future__ import annotations

from format_helpers import at, keys, scan

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
