"""Walk the string values a matcher reads, and place regex matches at exact file positions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from llmward.parse.document import Document, Span, escape, resolve
from llmward.policy.evaluate import Context


def strings(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """(pointer, text) for every string below `value`."""
    stack = [(pointer, value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, str):
            yield here, item
        elif isinstance(item, dict):
            stack.extend((f"{here}/{escape(str(k))}", v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((f"{here}/{i}", v) for i, v in enumerate(item))


def selected_strings(ctx: Context) -> Iterator[tuple[str, str]]:
    for pointer, value in ctx.selected:
        yield from strings(value, pointer)


def find(
    doc: Document, pointer: str, regex: re.Pattern[str]
) -> Iterator[tuple[re.Match[str], Span]]:
    """Matches of `regex` in the source text of the scalar at `pointer`, with their spans.

    The source text (not the parsed value) is searched, so a match inside a block scalar gets its
    real line and column.
    """
    node = doc.nodes.get(pointer)
    if node is None or node.end <= node.start:
        return
    raw = doc.text[node.start : node.end]
    for m in regex.finditer(raw):
        yield m, doc.span_of_offsets(node.start + m.start(), node.start + m.end())


def line_in_scalar(doc: Document, pointer: str, line_index: int) -> Span | None:
    """The span of the n-th (0-based) line of a scalar's parsed text, for template errors.

    Only in a literal block (`|`) is line n of the text line n of the block: quoted and plain
    scalars spell newlines as escapes or blank lines, and folded blocks (`>`) join lines. For
    those the line's text is looked up in the scalar's source, falling back to the scalar itself.
    """
    node = doc.nodes.get(pointer)
    if node is None:
        return None
    if node.style != "|":
        return _line_by_text(doc, pointer, line_index) or node.span
    line = node.span.line + 1 + line_index
    starts = doc.line_starts()
    if line - 1 >= len(starts):
        return node.span
    return _whole_line(doc, line)


def _whole_line(doc: Document, line: int) -> Span:
    starts = doc.line_starts()
    text = doc.text[starts[line - 1] :].split("\n", 1)[0]
    indent = len(text) - len(text.lstrip(" "))
    return Span(line, indent + 1, line, len(text) + 1)


def _line_by_text(doc: Document, pointer: str, line_index: int) -> Span | None:
    node = doc.nodes[pointer]
    try:
        value = resolve(doc.data, pointer)
    except KeyError:
        return None
    lines = value.split("\n") if isinstance(value, str) else []
    if not 0 <= line_index < len(lines) or not lines[line_index].strip():
        return None
    wanted = lines[line_index].strip()[:40]
    raw = doc.text[node.start : node.end]
    at = raw.find(wanted)
    if at == -1 or raw.find(wanted, at + 1) != -1:
        return None  # not spelt verbatim in the source (escapes), or ambiguous
    line, col = doc.position(node.start + at)
    span = _whole_line(doc, line)
    return Span(line, col, line, span.end_col)
