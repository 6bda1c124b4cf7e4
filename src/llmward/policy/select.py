"""JSON pointer patterns: `/messages/*/content` selects every message's content."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llmward.parse.document import escape, split_pointer


def select(data: Any, pattern: str, base: str = "") -> Iterator[tuple[str, Any]]:
    """(absolute pointer, value) for every existing value the pattern reaches."""
    yield from _walk(data, split_pointer(pattern), base)


def _walk(value: Any, tokens: list[str], pointer: str) -> Iterator[tuple[str, Any]]:
    if not tokens:
        yield pointer, value
        return
    head, rest = tokens[0], tokens[1:]
    if isinstance(value, dict):
        keys = list(value) if head == "*" else ([head] if head in value else [])
        for key in keys:
            yield from _walk(value[key], rest, f"{pointer}/{escape(str(key))}")
    elif isinstance(value, list):
        if head == "*":
            indexes: list[int] = list(range(len(value)))
        else:
            indexes = [int(head)] if head.isdigit() and int(head) < len(value) else []
        for index in indexes:
            yield from _walk(value[index], rest, f"{pointer}/{index}")


def patterns(select_: str | tuple[str, ...]) -> tuple[str, ...]:
    return (select_,) if isinstance(select_, str) else select_
