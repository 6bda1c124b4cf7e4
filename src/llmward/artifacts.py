"""The canonical artifact model: prompts, model pins and guardrail configs.

Every format adapter produces these shapes. The JSON Schemas in `schemas/` are generated from
these classes (`llmward schema --write`), and tests prove both accept and reject the same documents,
so the lint path can validate with the compiled schema and build these models only when needed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]*$"
Identifier = Field(pattern=ID_PATTERN, min_length=1, max_length=200)

Kind = Literal["prompt", "model", "guardrail"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Input(_Frozen):
    """A template variable the application fills in."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    trusted: bool = False
    max_length: int | None = Field(default=None, ge=1)
    description: str | None = None


class Message(_Frozen):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str


class Prompt(_Frozen):
    """A prompt template (`*.prompt.yaml`)."""

    id: str = Identifier
    version: str | None = None
    owner: str | None = None
    description: str | None = None
    model: str | None = Field(default=None, description="id of a model pin")
    template_format: Literal["jinja2", "mustache", "fstring"] = "jinja2"
    inputs: tuple[Input, ...] = ()
    messages: tuple[Message, ...] = Field(min_length=1)
    guardrails: tuple[str, ...] = Field(default=(), description="ids of guardrail configs")
    evals: tuple[str, ...] = Field(default=(), description="paths of eval suites")
    metadata: dict[str, Any] = Field(default_factory=dict)


class Params(BaseModel):
    """Sampling parameters. Known ones are typed; provider-specific extras are kept."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_tokens: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    seed: int | None = None


class ModelPin(_Frozen):
    """One pinned model (an entry under `models:` in `models.yaml` / `*.models.yaml`)."""

    id: str = Identifier
    provider: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    model: str = Field(min_length=1)
    revision: str | None = Field(default=None, description="Hugging Face commit (40 hex)")
    digest: str | None = Field(
        default=None, description="content digest, where the provider has one"
    )
    api_version: str | None = None
    deployment: str | None = None
    description: str | None = None
    owner: str | None = None
    params: Params = Field(default_factory=Params)
    context_window: int | None = Field(default=None, ge=1)
    environments: tuple[str, ...] = ()
    fallbacks: tuple[str, ...] = Field(default=(), description="ids of other model pins")
    metadata: dict[str, Any] = Field(default_factory=dict)


class ModelPins(_Frozen):
    """A model pin file: a list of pins under `models:`."""

    models: tuple[ModelPin, ...] = Field(min_length=1)


class Rail(_Frozen):
    type: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        description="prompt_injection, jailbreak, pii, toxicity, topic, secrets, ...",
    )
    id: str | None = None
    enabled: bool = True
    threshold: float | None = None
    action: Literal["block", "redact", "warn"] = "block"
    options: dict[str, Any] = Field(default_factory=dict)


class Guardrail(_Frozen):
    """A guardrail config (`*.guardrails.yaml`)."""

    id: str = Identifier
    description: str | None = None
    owner: str | None = None
    applies_to: tuple[str, ...] = Field(default=(), description="ids of prompts")
    on_error: Literal["block", "allow"] = "block"
    input: tuple[Rail, ...] = ()
    output: tuple[Rail, ...] = ()
    metadata: dict[str, Any] = Field(default_factory=dict)


FILE_MODELS: dict[str, type[BaseModel]] = {
    "prompt": Prompt,
    "model": ModelPins,
    "guardrail": Guardrail,
}
ARTIFACT_MODELS: dict[str, type[BaseModel]] = {
    "prompt": Prompt,
    "model": ModelPin,
    "guardrail": Guardrail,
}
