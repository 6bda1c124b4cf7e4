"""Regexes in user policy packs run in linear time: RE2, never Python's backtracking `re`.

A JSON Schema `pattern` would be run by Python's `re`, where `(a+)+$` on a long string takes
minutes: a policy could hang CI. For a user pack, every `pattern` is moved into a `format` whose
checker is an RE2 regex, in the compiled validator and in the explaining one alike. RE2 has no
lookaround or backreferences; a pattern that needs them is an error at load time, with the reason.
The built-in packs are reviewed with the code and keep Python's regexes (they use lookahead).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

PREFIX = "llmward-re2-"
# format name -> the pattern it checks: names are digests, so no pattern text ever lands in the
# Python source fastjsonschema generates (a backslash there is an invalid escape)
PATTERNS: dict[str, str] = {}


@cache
def _re2() -> Any:
    import re2  # type: ignore[import-untyped]

    return re2


def compile_re2(pattern: str) -> Callable[[str], bool]:
    """An RE2 `search`, or ValueError saying why RE2 cannot run the pattern."""
    re2 = _re2()
    options = re2.Options()
    options.log_errors = False
    try:
        regex = re2.compile(pattern, options)
    except re2.error as err:
        raise ValueError(
            f"'{pattern}' cannot run in linear time (RE2: {err}); rewrite it "
            "without lookaround or backreferences"
        ) from None
    return lambda text: regex.search(text) is not None


def rewrite(schema: Any, formats: dict[str, Callable[[str], bool]]) -> Any:
    """A copy of `schema` whose `pattern`s are RE2 formats (added to `formats`)."""
    if isinstance(schema, list):
        return [rewrite(item, formats) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    if "patternProperties" in schema:
        raise ValueError(
            "patternProperties is not supported in user policy packs: its keys "
            "would run as Python regexes"
        )
    out = {key: rewrite(value, formats) for key, value in schema.items() if key != "pattern"}
    if isinstance(schema.get("pattern"), str):
        pattern = schema["pattern"]
        name = PREFIX + hashlib.sha256(pattern.encode()).hexdigest()[:16]
        PATTERNS[name] = pattern
        formats[name] = compile_re2(pattern)
        out["allOf"] = [*out.get("allOf", []), {"format": name}]
    return out


def friendly(message: str) -> str:
    """jsonschema says "'x' is not a 'llmward-re2-<digest>'": say which pattern it missed."""
    for name, pattern in PATTERNS.items():
        if f"is not a '{name}'" in message:
            return message.replace(f"is not a '{name}'", f"does not match '{pattern}'")
    return message
