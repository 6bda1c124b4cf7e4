"""Named matchers: what a JSON Schema fragment cannot say. Each module registers its own."""

from __future__ import annotations

from collections.abc import Callable

from llmward.policy.evaluate import Matcher, MatcherSpec

MATCHERS: dict[str, MatcherSpec] = {}


def matcher(name: str) -> Callable[[Matcher], Matcher]:
    def register(fn: Matcher) -> Matcher:
        MATCHERS[name] = MatcherSpec(fn)
        return fn

    return register


from llmward.policy.matchers import (  # noqa: E402  (modules register themselves on import)
    files,
    indirect,
    pii,
    pins,
    references,
    secrets,
    templates,
)

__all__ = [
    "MATCHERS",
    "files",
    "indirect",
    "matcher",
    "pii",
    "pins",
    "references",
    "secrets",
    "templates",
]
