"""Parsed documents: plain JSON-like data plus a 1-based position for every JSON pointer."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

JSON = Any


class Span(NamedTuple):
    """A 1-based, end-exclusive region of a file (line, col) .. (end_line, end_col).

    A NamedTuple, not a dataclass: one is made for every value of every file parsed.
    """

    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class Problem:
    """Something wrong with the file itself (syntax, encoding, size), found while parsing."""

    kind: str  # e.g. "syntax", "duplicate-key", "encoding", "binary", "too-large", "alias-limit"
    message: str
    span: Span
    pointer: str = ""


class Node(NamedTuple):
    """Where one value sits: its own span, the span of the key that names it, its raw style."""

    span: Span
    key_span: Span | None
    start: int  # character offsets into Document.text
    end: int
    style: str | None = None  # None (plain), "'", '"', "|", ">" for scalars; "{" / "[" for flow


@dataclass(frozen=True)
class Document:
    path: str
    text: str
    data: JSON
    nodes: Mapping[str, Node]
    problems: tuple[Problem, ...] = ()
    # sorted (start, end) character ranges of every scalar, to tell comments from text
    scalar_ranges: tuple[tuple[int, int], ...] = ()
    _line_starts: list[int] = field(default_factory=list, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not any(p.kind in FATAL_PROBLEMS for p in self.problems)

    def line_starts(self) -> list[int]:
        if not self._line_starts:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts.extend(starts)
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, col) of a character offset."""
        starts = self.line_starts()
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def span_of_offsets(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(line, col, end_line, end_col)

    def location(self, pointer: str) -> Span:
        """Where a finding about `pointer` should point.

        A scalar points at its value; a mapping or sequence at the key that introduces it (the
        line a reviewer reads as "this block"). A pointer that does not exist (a missing key) falls
        back to its nearest existing parent.
        """
        node = self.nodes.get(pointer)
        while node is None and pointer:
            pointer = parent_pointer(pointer)
            node = self.nodes.get(pointer)
        if node is None:
            return Span(1, 1, 1, 1)
        if node.style in ("{", "[", "map", "seq") and node.key_span is not None:
            return node.key_span
        return node.span

    def key_line(self, pointer: str) -> int | None:
        node = self.nodes.get(pointer)
        if node is None:
            return None
        return (node.key_span or node.span).line

    def in_scalar(self, offset: int) -> bool:
        ranges = self.scalar_ranges
        i = bisect.bisect_right(ranges, (offset, 1 << 62)) - 1
        return i >= 0 and ranges[i][0] <= offset < ranges[i][1]

    def raw(self, pointer: str) -> str:
        node = self.nodes.get(pointer)
        return "" if node is None else self.text[node.start : node.end]

    def comments(self) -> Iterator[tuple[int, str]]:
        """(offset of '#', comment text) for every real YAML comment: never text inside a scalar."""
        text = self.text
        i = text.find("#")
        while i != -1:
            if (i == 0 or text[i - 1] in " \t\n\r") and not self.in_scalar(i):
                end = text.find("\n", i)
                end = len(text) if end == -1 else end
                yield i, text[i:end].rstrip("\r")
                i = end
            i = text.find("#", i + 1)


FATAL_PROBLEMS = frozenset(
    {
        "syntax",
        "encoding",
        "binary",
        "too-large",
        "alias-limit",
        "depth-limit",
        "outside-root",
        "unreadable",
    }
)


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(base: str, token: str | int) -> str:
    return f"{base}/{escape(str(token))}"


def parent_pointer(pointer: str) -> str:
    return pointer[: pointer.rfind("/")] if "/" in pointer else ""


def split_pointer(pointer: str) -> list[str]:
    return [unescape(t) for t in pointer.split("/")[1:]] if pointer else []


def resolve(data: JSON, pointer: str) -> JSON:
    """The value at `pointer`, or raise KeyError."""
    for token in split_pointer(pointer):
        if isinstance(data, Mapping):
            data = data[token]
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            raise KeyError(pointer)
    return data
