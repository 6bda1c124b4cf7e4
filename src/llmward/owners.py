"""CODEOWNERS, as GitHub reads it: the last matching line wins; a line with no owners clears them.

Patterns follow gitignore rules: a pattern without a slash (other than a trailing one) matches at
any depth; one with a leading or inner slash is anchored at the root; a directory matches every
file below it; `*` stays within one folder, `**` crosses folders. `!`, `[ ]` and escaped `#` are
not supported by GitHub, and lines using them are skipped, as GitHub does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from llmward.discover import glob_to_regex

DEFAULT_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


@dataclass(frozen=True)
class Rule:
    line: int
    pattern: str
    regex: re.Pattern[str]
    owners: tuple[str, ...]


def _regex(pattern: str) -> re.Pattern[str]:
    directory = pattern.endswith("/")
    core = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in core
    body = glob_to_regex(core)
    prefix = "" if anchored else "(?:.*/)?"
    # a named folder owns everything below it; `docs/*` owns only the files directly in docs/
    suffix = "/.*" if directory else ("" if "*" in core.rsplit("/", 1)[-1] else "(?:/.*)?")
    return re.compile(f"{prefix}{body}{suffix}\\Z")


def parse(text: str) -> list[Rule]:
    rules = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        # a comment starts at the first word beginning with `#`, after a space or a tab alike
        pattern, *owners = next(
            (words[:i] for i, w in enumerate(words) if w.startswith("#")), words
        )
        if pattern.startswith("!") or "[" in pattern or "\\#" in pattern:
            continue  # GitHub skips lines it does not support
        rules.append(Rule(number, pattern, _regex(pattern), tuple(owners)))
    return rules


def owners_of(rules: list[Rule], path: str) -> tuple[str, ...]:
    """The owners of `path`: those of the last matching rule (possibly none)."""
    found: tuple[str, ...] = ()
    for rule in rules:
        if rule.regex.match(path):
            found = rule.owners
    return found
