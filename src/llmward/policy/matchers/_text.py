"""Walk the string values a matcher reads, place regex matches at exact file positions, and read
a scalar as the model receives it (quotes resolved; is a span delimited?)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
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


def unquoted(raw: str, style: str | None) -> tuple[str, list[int]]:
    """A quoted scalar's text without its outer quotes and with its quote escapes resolved
    (backslash-quote in double quotes, two single quotes in single quotes), plus the offset in
    `raw` of each character: delimiters are judged on the text the model receives, so triple
    quotes spelt with backslashes in a double-quoted scalar still count."""
    if style not in ('"', "'") or len(raw) < 2:
        return raw, list(range(len(raw)))
    escapes = ('\\"', "\\\\") if style == '"' else ("''",)
    out: list[str] = []
    where: list[int] = []
    i, end = 1, len(raw) - 1
    while i < end:
        if raw[i : i + 2] in escapes:
            out.append(raw[i + 1])
            where.append(i)
            i += 2
        else:
            out.append(raw[i])
            where.append(i)
            i += 1
    return "".join(out), where


@cache
def _open_tag() -> re.Pattern[str]:
    return re.compile(r"<([A-Za-z][\w:-]*)(?:\s[^<>]*)?>")


_FENCES = ("```", '"""', "'''", "<<<")


def delimited(text: str, start: int, end: int) -> bool:
    """Is text[start:end] enclosed by an XML-style tag pair, a code fence or triple quotes?"""
    before, after = text[:start], text[end:]
    for m in _open_tag().finditer(before):
        if f"</{m.group(1)}>" in after and f"</{m.group(1)}>" not in before[m.end() :]:
            return True
    for fence in _FENCES:
        closing = ">>>" if fence == "<<<" else fence
        if (
            before.count(fence) % 2 == 1
            or (fence == "<<<" and fence in before and closing in after)
        ) and closing in after:
            return True
    return False
