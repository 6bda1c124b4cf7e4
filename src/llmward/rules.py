"""The rules in force at one snapshot: its config and policy packs.

At BASE they must load (a broken base config is an error, exit 2). At HEAD they are only compared
with BASE, so a failure to load is recorded as a change (config-invalid), never raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from llmward.config import CONFIG_NAMES, Config, parse_config
from llmward.diff.governance import Rules
from llmward.discover import Classifier
from llmward.errors import LlmwardError
from llmward.parse import parse_bytes
from llmward.pipeline import Settings
from llmward.policy.load import load_policies
from llmward.sources import TreeSource


@dataclass(frozen=True)
class Loaded:
    settings: Settings | None
    governance: Rules


def config_file(source: TreeSource, explicit: str | None) -> str | None:
    if explicit is not None:
        return explicit
    for name in CONFIG_NAMES:
        if name in source.files:
            return name
    if "pyproject.toml" in source.files and b"llmward" in source.read("pyproject.toml"):
        from llmward.config import has_tool_bytes

        return "pyproject.toml" if has_tool_bytes(source.read("pyproject.toml")) else None
    return None


def load_rules(source: TreeSource, root: Path, explicit: str | None, *, strict: bool) -> Loaded:
    name = config_file(source, explicit)
    label = source.label(name) if name else "(defaults)"
    doc = None
    try:
        raw = source.read(name) if name else b""
        config = parse_config(label if name else ".llmward.yaml", raw) if name else Config()
        if name and not name.endswith(".toml"):
            doc = parse_bytes(label, raw, max_bytes=1024 * 1024)
        policies = load_policies(config, root, source=source)
    except (LlmwardError, FileNotFoundError) as err:
        if strict:
            raise
        return Loaded(None, Rules(name or ".llmward.yaml", None, None, {}, str(err)))
    user = {p.code: (path, p) for path, p in policies.user}
    settings = Settings(root, config, Classifier(config), policies, cache=False)
    severities = {p.code: p.severity for _, p in policies.user}
    severities |= {c.policy.code: c.policy.severity for c in policies.policies}
    return Loaded(settings, Rules(name or ".llmward.yaml", config, doc, user, None, severities))
