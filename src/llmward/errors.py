"""One exception base, a few subclasses, and the exit codes they map to.

Problems in users' artifact files are findings (data); these are for the run itself: bad usage,
a broken config or policy file, a bad git ref. They carry a message meant for a person.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class LlmwardError(Exception):
    """Base class: a clear message, and the exit code it maps to."""

    exit_code = EXIT_USAGE


class UsageError(LlmwardError):
    """Bad command-line usage: an unknown option value, a path that does not exist."""


class ConfigError(LlmwardError):
    """The project config is invalid (file:line and what to do are in the message)."""


class PolicyError(LlmwardError):
    """A policy file is invalid, or no policy loaded."""


class GitError(LlmwardError):
    """A git ref is bad or missing, or the repository cannot be read."""


class OutputError(LlmwardError):
    """An output file could not be written (nothing half-written is left behind)."""
