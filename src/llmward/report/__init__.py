"""One renderer per output format, looked up by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from llmward.findings import SEVERITY_RANK, Finding, at_or_above
from llmward.pipeline import LintResult

DOCS_URL = "https://github.com/llmward/llmward/blob/main/docs/policies.md"
FORMATS = ("text", "json", "sarif", "github")


@dataclass(frozen=True)
class Report:
    result: LintResult
    fail_on: str
    root: str = "."

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.result.findings if f.active]

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.active if at_or_above(f.severity, self.fail_on)]

    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in reversed(SEVERITY_RANK)}
        for f in self.active:
            counts[f.severity] += 1
        return counts

    @property
    def suppressed(self) -> int:
        return sum(1 for f in self.result.findings if f.suppressed is not None)

    @property
    def baselined(self) -> int:
        return sum(1 for f in self.result.findings if f.baselined and f.suppressed is None)


def renderer(name: str) -> Callable[[Report], str]:
    module = import_module(f"llmward.report.{name}_format")
    fn: Callable[[Report], str] = module.render
    return fn


def diff_renderer(name: str) -> Callable[[Any], str]:
    return any_renderer(f"diff_{name}")


def any_renderer(name: str) -> Callable[[Any], str]:
    """The `render` of report/<name>_format.py (check_text, check_markdown, diff_json, ...)."""
    module = import_module(f"llmward.report.{name}_format")
    fn: Callable[[Any], str] = module.render
    return fn


def help_uri(code: str) -> str:
    return f"{DOCS_URL}#{code.lower()}"
