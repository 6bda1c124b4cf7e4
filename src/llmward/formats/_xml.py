"""A small, safe XML reader with positions, for adapters of XML formats (Guardrails AI `.rail`).

expat, not ElementTree: it reports where each element starts, and a DOCTYPE can be refused
before anything in it is read, so no entity is ever defined, expanded (the "billion laughs") or
fetched. A file that is not well-formed is a `syntax` problem at the line expat stops on.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field

from llmward.parse.document import Problem, Span


@dataclass
class Element:
    """One element: offsets are characters into the text; `content` spans what the tags enclose."""

    tag: str
    attrs: dict[str, str]
    start: int  # the `<` of the start tag
    tag_end: int  # just after the start tag's `>`
    end: int = -1  # the `<` of the end tag (tag_end for an empty element)
    children: list[Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # character data directly inside, decoded

    def find(self, tag: str) -> Element | None:
        return next((c for c in self.children if c.tag == tag), None)

    @property
    def content(self) -> str:
        return "".join(self.text)


class _Refused(Exception):
    """A DOCTYPE or entity declaration: raised inside expat's callback to stop the parse."""


@dataclass(frozen=True)
class XmlReading:
    root: Element | None
    problem: Problem | None = None


def parse(text: str) -> XmlReading:
    """The element tree of `text`, or the problem that stopped the parse."""
    raw = text.encode("utf-8")
    offsets = _Offsets(text, raw)
    parser = xml.parsers.expat.ParserCreate(encoding="utf-8")
    stack: list[Element] = []
    done: list[Element] = []

    def refuse(*_: object) -> None:
        raise _Refused

    def start(tag: str, attrs: dict[str, str]) -> None:
        at = offsets.char(parser.CurrentByteIndex)
        close = _tag_end(text, at)
        element = Element(tag, attrs, at, close)
        (stack[-1].children if stack else done).append(element)
        stack.append(element)

    def end(tag: str) -> None:
        element = stack.pop()
        element.end = max(offsets.char(parser.CurrentByteIndex), element.tag_end)

    def data(chars: str) -> None:
        if stack:
            stack[-1].text.append(chars)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.buffer_text = True
    try:
        parser.Parse(raw, True)
    except _Refused:
        line, col = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
        message = "DOCTYPE and entity declarations are not read (they can expand or fetch content)"
        return XmlReading(None, Problem("syntax", message, Span(line, col, line, col + 1)))
    except xml.parsers.expat.ExpatError as err:
        message = xml.parsers.expat.errors.messages.get(err.code, str(err))
        line, col = max(err.lineno, 1), err.offset + 1
        return XmlReading(None, Problem("syntax", message, Span(line, col, line, col + 1)))
    return XmlReading(done[0] if done else None)


class _Offsets:
    """expat counts UTF-8 bytes; positions in llmward are characters of the decoded text."""

    def __init__(self, text: str, raw: bytes) -> None:
        self._ascii = len(text) == len(raw)
        self._raw = raw

    def char(self, byte_index: int) -> int:
        if self._ascii or byte_index <= 0:
            return max(byte_index, 0)
        return len(self._raw[:byte_index].decode("utf-8", "ignore"))


_ATTR = re.compile(r"""([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")


def _tag_end(text: str, start: int) -> int:
    """The offset after the `>` closing the start tag at `start` (quoted `>` skipped)."""
    pos = start + 1
    for m in _ATTR.finditer(text, pos):
        if ">" in text[pos : m.start()]:
            break
        pos = m.end()
    close = text.find(">", pos)
    return len(text) if close == -1 else close + 1


def attribute(text: str, element: Element, name: str) -> tuple[int, int] | None:
    """Character offsets of attribute `name`'s value (inside the quotes), or None."""
    for m in _ATTR.finditer(text, element.start, element.tag_end):
        if m.group(1) == name:
            return m.start(2) + 1, m.end(2) - 1
    return None
