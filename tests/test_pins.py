"""pins.floating (what the diff calls "pin made floating") and the PIN lint policies give the same
answer for every provider rule (../shared/notes/formats.md section 3)."""

from __future__ import annotations

import json

import pytest

from format_helpers import codes, scan
from llmward import pins

POLICY_BY_PROVIDER = {
    "openai": "PIN001",
    "anthropic": "PIN002",
    "google": "PIN003",
    "vertex_ai": "PIN003",
    "huggingface": "PIN004",
    "ollama": "PIN005",
    "bedrock": "PIN017",
}
HEX40 = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4"
DIGEST = "sha256:" + "0123456789abcdef" * 4

CASES = [
    # OpenAI: only dated snapshots are pinned
    pytest.param("openai", "gpt-4o", {}, True, id="openai-undated"),
    pytest.param("openai", "gpt-4o-2024-08-06", {}, False, id="openai-dated"),
    pytest.param("openai", "gpt-4-0613", {}, False, id="openai-mmdd"),
    pytest.param("openai", "chatgpt-4o-latest", {}, True, id="openai-latest"),
    pytest.param("openai", "text-embedding-3-small", {}, False, id="openai-embedding-no-snapshots"),
    pytest.param("openai", "dall-e-3", {}, False, id="openai-image-no-snapshots"),
    # Anthropic: dated before 4.6, every id from 4.6
    pytest.param("anthropic", "claude-sonnet-4-5", {}, True, id="anthropic-alias"),
    pytest.param("anthropic", "claude-sonnet-4-5-20250929", {}, False, id="anthropic-dated"),
    pytest.param("anthropic", "claude-sonnet-4-6", {}, False, id="anthropic-4-6"),
    pytest.param("anthropic", "claude-opus-5", {}, False, id="anthropic-5"),
    pytest.param("anthropic", "claude-3-7-sonnet-latest", {}, True, id="anthropic-latest"),
    pytest.param("anthropic", "us.anthropic.claude-sonnet-4-5", {}, True, id="anthropic-profile"),
    pytest.param("anthropic", "claude-sonnet-4-5@20250929", {}, False, id="anthropic-vertex"),
    # Gemini: -NNN and 2.5+ stable names pinned; 1.x/2.0 bare names, latest/preview/exp float
    pytest.param("google", "gemini-2.0-flash", {}, True, id="gemini-2.0-bare"),
    pytest.param("google", "gemini-2.0-flash-001", {}, False, id="gemini-001"),
    pytest.param("vertex_ai", "gemini-1.5-pro-002", {}, False, id="vertex-002"),
    pytest.param("google", "gemini-2.5-flash", {}, False, id="gemini-2.5-stable"),
    pytest.param("google", "gemini-flash-latest", {}, True, id="gemini-latest"),
    pytest.param("google", "gemini-2.5-pro-preview-05-06", {}, True, id="gemini-preview"),
    # Hugging Face: a 40-hex revision
    pytest.param("huggingface", "BAAI/bge-m3", {}, True, id="hf-no-revision"),
    pytest.param("huggingface", "BAAI/bge-m3", {"revision": "main"}, True, id="hf-branch"),
    pytest.param("huggingface", "BAAI/bge-m3", {"revision": HEX40}, False, id="hf-commit"),
    # Ollama: a bare name is :latest; an explicit tag or a digest passes
    pytest.param("ollama", "llama3.1", {}, True, id="ollama-bare"),
    pytest.param("ollama", "llama3.1:latest", {}, True, id="ollama-latest"),
    pytest.param("ollama", "llama3.1:8b-instruct-q4_K_M", {}, False, id="ollama-tag"),
    pytest.param("ollama", "llama3.1", {"digest": DIGEST}, False, id="ollama-digest"),
    # Bedrock: routing prefixes and profile ARNs set aside, then the id judged
    pytest.param(
        "bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", {}, False, id="bedrock-dated"
    ),
    pytest.param("bedrock", "anthropic.claude-sonnet-4-6", {}, False, id="bedrock-4-6"),
    pytest.param("bedrock", "global.anthropic.claude-opus-4-6-v1", {}, False, id="bedrock-global"),
    pytest.param(
        "bedrock",
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        {},
        False,
        id="bedrock-us-profile",
    ),
    pytest.param("bedrock", "eu.anthropic.claude-sonnet-4-5", {}, True, id="bedrock-undated"),
    pytest.param("bedrock", "anthropic.claude-3-haiku-latest", {}, True, id="bedrock-latest"),
    pytest.param(
        "bedrock",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
        "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
        {},
        False,
        id="bedrock-profile-arn",
    ),
    pytest.param(
        "bedrock",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5",
        {},
        True,
        id="bedrock-model-arn-undated",
    ),
    pytest.param(
        "bedrock",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
        {},
        False,
        id="bedrock-application-profile-opaque",
    ),
    pytest.param("bedrock", "meta.llama3-1-70b-instruct-v1:0", {}, False, id="bedrock-llama"),
    pytest.param("bedrock", "apac.amazon.nova-pro-v1:0", {}, False, id="bedrock-nova"),
    pytest.param("bedrock", "mistral.mistral-large-2407-v1:0", {}, False, id="bedrock-mistral"),
    pytest.param("bedrock", "cohere.command-r-plus-v1:0", {}, False, id="bedrock-cohere"),
    pytest.param("bedrock", "amazon.titan-embed-text-v2:0", {}, False, id="bedrock-titan-v2"),
    pytest.param("bedrock", "openai.gpt-oss-120b-1:0", {}, False, id="bedrock-gpt-oss"),
    pytest.param("bedrock", "mistral.mistral-large-2407", {}, True, id="bedrock-unversioned"),
    pytest.param("bedrock", "us.meta.llama3-1-70b-instruct", {}, True, id="bedrock-profile-bare"),
    # read at run time or a wildcard: no provider rule judges it (PIN015, PIN016 do)
    pytest.param("openai", "${env:SUPPORT_MODEL}", {}, False, id="env-prompty"),
    pytest.param("anthropic", "os.environ/CLAUDE_MODEL", {}, False, id="env-litellm"),
    pytest.param("bedrock", "${BEDROCK_MODEL}", {}, False, id="env-plain"),
    pytest.param("ollama", "${OLLAMA_MODEL:llama3.1}", {}, False, id="env-default"),
    pytest.param("openai", "*", {}, False, id="wildcard"),
    pytest.param("anthropic", "claude-*", {}, False, id="wildcard-family"),
    pytest.param("huggingface", "${env:HF_MODEL}", {}, False, id="env-hf"),
]


@pytest.mark.parametrize(("provider", "model", "extra", "floating"), CASES)
def test_floating_and_the_policy_agree(
    provider: str, model: str, extra: dict[str, str], floating: bool
) -> None:
    assert pins.floating(provider, model, extra.get("revision"), extra.get("digest")) is floating
    pin = {"id": "pin", "provider": provider, "model": model, **extra}
    pin["params"] = {"max_tokens": 100}
    result, _ = scan("models/case.models.yaml", "models:\n  - " + json.dumps(pin) + "\n")
    assert (POLICY_BY_PROVIDER[provider] in codes(result.findings)) is floating


def test_azure_pins_by_deployment_and_api_version() -> None:
    assert pins.floating("azure", "gpt-4o") is False  # the model name is not what decides
    text = "models:\n  - {id: a, provider: azure, model: gpt-4o, params: {max_tokens: 1}}\n"
    result, _ = scan("models/case.models.yaml", text)
    assert "PIN013" in codes(result.findings)
    pinned = text.replace(
        "model: gpt-4o", 'model: gpt-4o, deployment: d, api_version: "2024-10-21"'
    )
    result, _ = scan("models/case.models.yaml", pinned)
    assert "PIN013" not in codes(result.findings)
