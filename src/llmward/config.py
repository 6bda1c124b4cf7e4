"""The project config: `.llmward.yaml` at the repository root, or `[tool.llmward]` in pyproject.

Never read from the user's home directory: the same repository gives the same verdict on every
machine. Unknown keys and wrong types are errors with file:line and the allowed keys (exit 2).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from llmward.errors import ConfigError
from llmward.validation import FORBID, PATTERN_HELP, Constraint, Invalid

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
CODE_PATTERN = r"^[A-Z]{2,5}[0-9]{3}$"  # built-ins use PRM, PIN, GRD, GOV and CHG
Code = Annotated[str, Constraint(pattern=CODE_PATTERN)]
PATTERN_HELP[CODE_PATTERN] = "is not a policy code (2-5 capital letters and 3 digits, e.g. PIN001)"
APPROVER_PATTERN = r"^(codeowners|@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+)$"
PATTERN_HELP[APPROVER_PATTERN] = "is not an approver: use codeowners, @user, @org/team or an email"
CONFIG_NAMES = (".llmward.yaml", ".llmward.yml")

DEFAULT_EXCLUDE: tuple[str, ...] = (
    "**/.git/**",
    "**/node_modules/**",
    "**/.venv/**",
    "**/venv/**",
    "**/.tox/**",
    "**/__pycache__/**",
    "**/.llmward_cache/**",
)


@dataclass(frozen=True)
class ArtifactGlobs:
    """Which files are which kind of artifact: gitignore-style globs relative to the root."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    prompt: tuple[str, ...] = ("**/*.prompt.yaml", "**/*.prompt.yml")
    """Prompt templates."""
    model: tuple[str, ...] = (
        "**/models.yaml",
        "**/models.yml",
        "**/*.models.yaml",
        "**/*.models.yml",
    )
    """Model pin files."""
    guardrail: tuple[str, ...] = ("**/*.guardrails.yaml", "**/*.guardrails.yml")
    """Guardrail configs."""


FormatName = Literal[
    "prompty",
    "dotprompt",
    "semantic-kernel",
    "langchain",
    "promptfoo",
    "litellm",
    "nemo",
    "llm-guard",
    "guardrails-ai",
]
DEFAULT_DETECT: tuple[str, ...] = ("**/*.yaml", "**/*.yml", "**/*.json")


@dataclass(frozen=True)
class PolicyConfig:
    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    packs: tuple[str, ...] = ("builtin",)
    """Built-in packs to enable: builtin (all), or prompt, model, guardrail, governance."""
    paths: tuple[str, ...] = ()
    """Folders of extra policy packs, in the built-in format."""
    catalogs: tuple[str, ...] = ()
    """Extra model catalog files (deprecated and retired models)."""


@dataclass(frozen=True)
class Allowlist:
    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    providers: tuple[str, ...] | None = None
    """Providers allowed anywhere in the repository (omit to allow all)."""
    models: tuple[str, ...] | None = None
    """Globs over provider/model, e.g. 'openai/gpt-4o-2024-*' (omit to allow all)."""


@dataclass(frozen=True)
class GuardrailConfig:
    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    threshold_floor: dict[str, Annotated[float, Constraint(ge=0, le=1)]] = field(
        default_factory=dict
    )
    """Per rail type (or 'default'): the loosest threshold allowed."""


@dataclass(frozen=True)
class Limits:
    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    max_file_bytes: Annotated[int, Constraint(ge=1024)] = 1024 * 1024
    """Files larger than this are not parsed: they are reported instead."""


@dataclass(frozen=True)
class RiskTiers:
    """Score thresholds: a score at or above one reaches that tier."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    medium: Annotated[int, Constraint(ge=1, le=100)] = 20
    high: Annotated[int, Constraint(ge=1, le=100)] = 45
    critical: Annotated[int, Constraint(ge=1, le=100)] = 70

    def __post_init__(self) -> None:
        if not self.medium < self.high < self.critical:
            raise ValueError("risk tiers must rise: medium < high < critical")


@dataclass(frozen=True)
class RiskConfig:
    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    tiers: RiskTiers = field(default_factory=RiskTiers)
    environment_weights: dict[str, Annotated[float, Constraint(ge=0, le=10)]] = field(
        default_factory=lambda: {"production": 2.0}
    )
    """Multiplier for changes to artifacts in each environment (default 1)."""
    finding_points: dict[Severity, Annotated[float, Constraint(ge=0, le=100)]] = field(
        default_factory=lambda: {"low": 1.0, "medium": 4.0, "high": 10.0, "critical": 25.0}
    )
    """Points for each lint finding a change introduces, by severity."""
    fail_at: Literal["low", "medium", "high", "critical"] | None = None
    """The risk hook fails at or above this tier (default: it only informs)."""


Tier = Literal["none", "low", "medium", "high", "critical"]


@dataclass(frozen=True)
class Requirement:
    """How many approvals a tier needs, and from whom."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    count: Annotated[int, Constraint(ge=0, le=20)] = 1
    """Distinct approvers needed (never the author)."""
    approvers: tuple[Annotated[str, Constraint(pattern=APPROVER_PATTERN)], ...] = ()
    """Who may approve: codeowners, @user, @org/team, or a signer's email; empty: anyone."""


def _default_requirements() -> dict[Tier, Requirement]:
    return {
        "none": Requirement(0),
        "low": Requirement(0),
        "medium": Requirement(1),
        "high": Requirement(1, ("codeowners",)),
        "critical": Requirement(2, ("codeowners",)),
    }


@dataclass(frozen=True)
class ApprovalConfig:
    """Approvals each risk tier needs, read from the base ref like every other rule."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    required: dict[Tier, Requirement] = field(default_factory=_default_requirements)
    """Per tier. Default: medium 1 approval, high 1 code owner, critical 2 code owners. Setting
    `required` replaces the defaults, and a tier it leaves out needs none."""
    owners_file: str | None = None
    """CODEOWNERS-format file; default: .github/CODEOWNERS, CODEOWNERS or docs/CODEOWNERS."""
    teams_file: str | None = None
    """YAML {org/team: [logins]}, for when the token cannot read team membership."""
    allowed_signers: str | None = None
    """ssh allowed_signers file for git-native signed approvals (namespace llmward)."""
    break_glass_label: str = "llmward:break-glass"
    """A pull request with this label passes without approvals, recorded for review after
    merge; its description must hold a line 'Break-glass: <reason>'."""
    identities: dict[str, list[str]] = field(default_factory=dict)
    """Person -> the names they go by: GitHub logins, commit emails and names, signing
    principals. One person counts once, and never when they wrote the change under another
    name. Signed approvals count only when the signer and every author account (commit emails,
    the pull request's author) are listed here."""

    def __post_init__(self) -> None:
        self.people()  # a name under two people is a config error, named with its setting

    def people(self) -> dict[str, str]:
        """alias -> person, both as `name_key` gives them; a person is an alias of themselves."""
        found: dict[str, str] = {}
        for person, aliases in self.identities.items():
            for alias in (person, *aliases):
                if found.setdefault(name_key(alias), name_key(person)) != name_key(person):
                    raise ValueError(
                        f"identities: {alias!r} is listed under both {found[name_key(alias)]!r} "
                        f"and {person!r}: a name must belong to one person"
                    )
        return found


def name_key(name: str) -> str:
    """A login, email, principal or @team as compared: case-insensitive, without a leading @."""
    return name.lower().lstrip("@")


@dataclass(frozen=True)
class Config:
    """llmward project config (.llmward.yaml, or [tool.llmward] in pyproject.toml)."""

    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    version: Literal[1] = 1
    """Config format version."""
    artifacts: ArtifactGlobs = field(default_factory=ArtifactGlobs)
    exclude: tuple[str, ...] = ()
    """Globs of files never read."""
    formats: dict[FormatName, tuple[str, ...]] = field(default_factory=dict)
    """Files in other tools' formats, by glob: replaces that format's default globs
    (e.g. {litellm: ['deploy/proxy.yaml']})."""
    detect: tuple[str, ...] = DEFAULT_DETECT
    """Globs of files whose format is detected from their content; [] switches detection off."""
    policies: PolicyConfig = field(default_factory=PolicyConfig)
    severity: dict[Code, Severity] = field(default_factory=dict)
    """Per-code severity overrides, e.g. {PIN001: critical}."""
    disable: tuple[Code, ...] = ()
    """Codes switched off entirely."""
    environments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Path-based environments, e.g. {production: ['prod/**']}."""
    allow: Allowlist = field(default_factory=Allowlist)
    guardrails: GuardrailConfig = field(default_factory=GuardrailConfig)
    limits: Limits = field(default_factory=Limits)
    fail_on: Severity = "high"
    """The lowest severity that fails a run."""
    risk: RiskConfig = field(default_factory=RiskConfig)
    approvals: ApprovalConfig = field(default_factory=ApprovalConfig)


class LoadedConfig:
    """The validated config and where it came from (None: defaults)."""

    def __init__(self, config: Config, source: Path | None, raw: bytes = b"") -> None:
        self.config = config
        self.source = source
        self.raw = raw


def find_config(root: Path, explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        return explicit
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            return root / name
    pyproject = root / "pyproject.toml"
    return pyproject if has_tool_table(pyproject) else None


def has_tool_table(pyproject: Path) -> bool:
    """Does pyproject.toml configure llmward (a [tool.llmward] table, or dotted keys)?"""
    return pyproject.is_file() and has_tool_bytes(pyproject.read_bytes())


def has_tool_bytes(raw: bytes) -> bool:
    if b"llmward" not in raw:
        return False
    try:
        return "llmward" in _toml(raw).get("tool", {})
    except ValueError:
        return True  # let the loader report the syntax error with its position


def load_config(root: Path, explicit: Path | None = None) -> LoadedConfig:
    path = find_config(root, explicit)
    if path is None:
        return LoadedConfig(Config(), None)
    raw = path.read_bytes()
    return LoadedConfig(parse_config(str(path), raw), path, raw)


def parse_config(name: str, raw: bytes) -> Config:
    from llmward.validation import build, validate
    from llmward.verified import verified

    kind = "config-toml" if name.endswith(".toml") else "config"
    with verified(raw, kind) as seen:
        if seen.ok:
            return build(Config, seen.data)
        data, doc = _read(name, raw)
        try:
            config = validate(Config, data, name, doc)
        except Invalid as err:
            raise ConfigError(str(err)) from None
        seen.mark(data)
    return config


def _read(name: str, raw: bytes) -> tuple[dict[str, Any], Any]:
    if name.endswith(".toml"):
        return _from_toml(name, raw), _toml_locator(raw.decode("utf-8-sig", "replace"))
    from llmward.parse import parse_bytes

    doc = parse_bytes(name, raw, max_bytes=1024 * 1024)
    for problem in doc.problems:
        raise ConfigError(f"{name}:{problem.span.line}:{problem.span.col}: {problem.message}")
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        raise ConfigError(f"{name}:1:1: the config must be a mapping of settings")
    return data, doc


def _toml(raw: bytes) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    table: dict[str, Any] = tomllib.loads(raw.decode("utf-8-sig"))
    return table


def _from_toml(name: str, raw: bytes) -> dict[str, Any]:
    try:
        document = _toml(raw)
    except ValueError as err:  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        raise ConfigError(f"{name}: invalid TOML: {err}") from None
    table = document.get("tool", {}).get("llmward")
    if table is None:
        if Path(name).name == "pyproject.toml":
            raise ConfigError(f"{name}: no [tool.llmward] table in this file")
        table = document  # a dedicated llmward.toml holds the settings at the top level
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: [tool.llmward] must be a table")
    return table


def _toml_locator(text: str) -> Any:
    """tomllib keeps no positions: find the line of a key inside [tool.llmward...] by its text."""
    lines = text.splitlines()

    def locate(loc: list[str]) -> tuple[int, int]:
        table, best = "", (1, 1)
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if stripped.startswith("["):
                table = stripped.strip("[]").strip()
                if table == ".".join(["tool", "llmward", *loc]):
                    return number, 1
                continue
            key = stripped.split("=", 1)[0].strip().strip('"')
            if table.startswith("tool.llmward") and loc:
                path = [*table.split(".")[2:], key]
                if path == loc[: len(path)]:
                    best = (number, line.index(key) + 1 if key in line else 1)
        return best

    return locate
