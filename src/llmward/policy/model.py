"""The policy format: one YAML file per policy, validated against `schemas/policy.schema.json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from llmward.config import CODE_PATTERN, Severity
from llmward.validation import FORBID, Constraint, Pattern

PolicyKind = Literal["prompt", "model", "guardrail", "any", "file", "change"]
OWASP = Literal[
    "LLM01", "LLM02", "LLM03", "LLM04", "LLM05", "LLM06", "LLM07", "LLM08", "LLM09", "LLM10"
]
Text = Annotated[str, Constraint(min_length=1)]


@dataclass(frozen=True)
class Docs:
    """Rule documentation, in ruff's shape."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    what: Text
    """What the policy finds."""
    why: Text
    """Why it matters."""
    example: Text
    """A file that is flagged."""
    use_instead: Text
    """The same file, fixed."""


@dataclass(frozen=True)
class References:
    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    owasp_llm: tuple[OWASP, ...] = ()
    """OWASP Top 10 for LLM Applications 2025 ids."""
    soc2: tuple[str, ...] = ()
    nist_ai_rmf: tuple[str, ...] = ()
    iso_42001: tuple[str, ...] = ()
    eu_ai_act: tuple[str, ...] = ()
    mitre_atlas: tuple[str, ...] = ()


Pointers = str | tuple[str, ...]


@dataclass(frozen=True)
class SchemaMatch:
    """A finding for every selected value that does NOT validate against `schema`."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    schema: dict[str, Any]
    """JSON Schema (draft-07) fragment each selected value must match."""
    select: Pointers = ""
    """JSON pointer pattern(s) relative to the artifact; '*' matches any key or index."""
    when: dict[str, Any] | None = None
    """JSON Schema the whole artifact must match for the policy to apply."""


@dataclass(frozen=True)
class MatcherMatch:
    """A named matcher, for what JSON Schema cannot say (see CONTRIBUTING.md)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    matcher: Annotated[str, Pattern(r"^[a-z][a-z0-9-]*$")]
    select: Pointers = ""
    when: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChangeMatch:
    """A change finding for every change of these types (matching `when`), worth `points`."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    change: str | tuple[str, ...]
    """Change types (see docs/risk.md), e.g. threshold-loosened."""
    points: Annotated[int, Constraint(ge=0, le=100)]
    """Risk points, before the environment weight and the blast radius."""
    kinds: tuple[Literal["prompt", "model", "guardrail", "config", "policy"], ...] = ()
    """Only changes to these kinds (default: any)."""
    when: dict[str, Any] | None = None
    """JSON Schema the change record must match (fields: type, old, new, delta, ...)."""


@dataclass(frozen=True)
class Policy:
    """llmward policy (policies/<kind>/<id>.yaml)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    id: Annotated[str, Pattern(r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    """Kebab-case name of the bad pattern; the file is named after it."""
    code: Annotated[str, Pattern(CODE_PATTERN)]
    """PRM/PIN/GRD/GOV/CHG + 3 digits; never renumbered."""
    kind: PolicyKind
    severity: Severity
    title: Annotated[str, Constraint(min_length=1, max_length=100)]
    """A short name for listings."""
    message: Text
    """The finding's message, with {placeholders}."""
    docs: Docs
    match: SchemaMatch | MatcherMatch | ChangeMatch
    references: References = field(default_factory=References)
    environments: tuple[str, ...] = ()
    """Apply only to artifacts in these environments."""
