"""Model references as each tool spells them, split into llmward's (provider, model).

LiteLLM writes `provider/model` (`azure/gpt4-deploy`, `bedrock/anthropic.claude-...`), promptfoo
`provider:rest` (`openai:gpt-4.1`, `bedrock:us.anthropic...`), Genkit `plugin/model`
(`googleai/gemini-2.5-flash`), NeMo an `engine` plus a model. The pin rules (pins.py and the PIN
policies) are keyed by llmward's provider names, so every adapter maps to the same names here.
"""

from __future__ import annotations

# tool-specific provider names -> llmward's
_ALIASES = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "chatgpt": "openai",
    "anthropic": "anthropic",
    "claude": "anthropic",
    "azure": "azure",
    "azure_ai": "azure",
    "azureopenai": "azure",
    "azure_openai": "azure",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
    "sagemaker": "sagemaker",
    "googleai": "google",
    "google": "google",
    "gemini": "gemini",
    "google-ai": "google",
    "vertexai": "vertex_ai",
    "vertex_ai": "vertex_ai",
    "vertex": "vertex_ai",
    "vertex_ai_beta": "vertex_ai",
    "huggingface": "huggingface",
    "hf": "huggingface",
    "hf_pipeline": "huggingface",
    "ollama": "ollama",
    "ollama_chat": "ollama",
    "nim": "nvidia",
    "nvidia_ai_endpoints": "nvidia",
    "nvidia_nim": "nvidia",
    "vllm": "vllm",
    "vllm_openai": "vllm",
    "hosted_vllm": "vllm",
    "mistral": "mistral",
    "cohere": "cohere",
    "groq": "groq",
    "together_ai": "together_ai",
    "deepseek": "deepseek",
    "xai": "xai",
    "fireworks_ai": "fireworks_ai",
    "openrouter": "openrouter",
    "watsonx": "watsonx",
}


def provider_name(name: str) -> str:
    """llmward's name for a tool's provider; an unknown one is kept, lower-cased and cleaned."""
    key = name.strip().lower()
    if key.startswith("hf_pipeline"):
        return "huggingface"
    cleaned = "".join(c if c.isalnum() or c in "_.-" else "_" for c in key).lstrip("_.-")
    return _ALIASES.get(key, cleaned or "unknown")


_OPENAI_PREFIXES = ("gpt-", "o1", "o3", "o4", "chatgpt", "dall-e", "text-embedding", "whisper")


def guess_provider(model: str) -> str:
    """The provider a bare model id belongs to, as LiteLLM and Genkit infer it."""
    name = model.lower()
    if name.startswith(
        ("gpt-", "o1", "o3", "o4", "chatgpt", "dall-e", "text-embedding", "whisper")
    ):
        return "openai"
    if name.startswith("claude"):
        return "anthropic"
    if name.startswith("gemini"):
        return "google"
    if name.startswith(("anthropic.", "amazon.", "meta.", "mistral.", "cohere.", "ai21.")):
        return "bedrock"
    for prefix in ("us.", "eu.", "apac.", "global.", "us-gov."):
        if name.startswith(prefix) and "." in name[len(prefix) :]:
            return "bedrock"
    return "unknown"


def split_slash(ref: str) -> tuple[str, str]:
    """`provider/model` (LiteLLM, Genkit). A bare id gets the provider it implies."""
    head, sep, rest = ref.partition("/")
    if sep and head.lower() in _ALIASES:
        return provider_name(head), rest
    return guess_provider(ref), ref


def split_colon(ref: str) -> tuple[str, str]:
    """`provider:rest` (promptfoo): split on the first colon only; `anthropic:messages:<id>` and
    `azure:chat:<deployment>` drop their API selector."""
    head, sep, rest = ref.partition(":")
    if not sep:
        return guess_provider(ref), ref
    provider = provider_name(head)
    api, sep2, tail = rest.partition(":")
    if sep2 and api in ("messages", "chat", "completion", "responses", "assistant", "embedding"):
        rest = tail
    return provider, rest
