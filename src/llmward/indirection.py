"""Values a tool reads from elsewhere at run time: `${env:VAR}`, `os.environ/VAR`, `{{$var}}`...

A credential read from the environment is not a secret in the file, and a model named by an
environment variable is not pinned in the repository: the lint policies (PIN015, GOV013) and
the diff (a pin made floating) decide both with `indirection()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Indirection:
    """A value the application reads from elsewhere at run time."""

    source: str  # "environment", "file", "template"
    name: str
    default: str | None = None


_INDIRECTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\$\{env:(?P<name>[A-Za-z_][\w.]*)(?::(?P<default>[^}]*))?\}"), "environment"),
    (re.compile(r"os\.environ/(?P<name>[A-Za-z_]\w*)"), "environment"),
    (re.compile(r"\$\{(?P<name>[A-Za-z_][\w.]*)(?::-?(?P<default>[^}]*))?\}"), "environment"),
    (re.compile(r"\$(?P<name>[A-Z_][A-Z0-9_]*)"), "environment"),
    (re.compile(r"\{\{\s*\$(?P<name>[A-Za-z_]\w*)\s*\}\}"), "template"),
    (re.compile(r"\{\{\s*(?P<name>[A-Za-z_][\w.]*)\s*\}\}"), "template"),
    (re.compile(r"\$\{\{\s*(?P<name>[A-Za-z_][\w.]*)\s*\}\}"), "template"),
    (re.compile(r"\$\{file:(?P<name>[^}]+)\}"), "file"),
    (re.compile(r"file://(?P<name>\S+)"), "file"),
)


def indirection(value: Any) -> Indirection | None:
    """The reference when `value` is exactly one indirection (`${env:VAR}`, `${VAR:default}`,
    `os.environ/VAR`, `$VAR`, `{{$var}}`, `${file:x}`, `file://x`), else None."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    for regex, source in _INDIRECTIONS:
        m = regex.fullmatch(stripped)
        if m is not None:
            default = m.groupdict().get("default")
            return Indirection(source, m.group("name"), default or None)
    return None
