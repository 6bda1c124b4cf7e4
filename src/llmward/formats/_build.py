"""Tools every format adapter shares: front matter, role sections, ids from paths, indirection, and
the projection of a file's own structure onto the canonical artifact shapes.

A projection is a `Document` whose `data` has the canonical shape (a `Prompt`, a `ModelPins`
file or a `Guardrail`) and whose `nodes` map each canonical pointer to the span of the value it
came from in the original file. Every policy, diff and report then works unchanged, and a finding
about `/models/0/model` points at `litellm_params.model` on its real line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from llmward.indirection import Indirection, indirection
from llmward.parse.document import Document, Node, Problem, Span
from llmward.parse.yaml_doc import load_yaml

__all__ = ["Indirection", "indirection"]  # re-exported for adapters

# canonical pointer -> the original file's pointer, or a Node made for a value with no pointer
Where = dict[str, "str | Node"]


def project(src: Document, data: Any, where: Mapping[str, str | Node]) -> Document:
    """The canonical `data`, with each pointer in `where` placed where its source value sits.

    The root always maps to the source's root. Canonical pointers left out fall back to their
    nearest mapped parent when a finding is placed (Document.location).
    """
    nodes: dict[str, Node] = {}
    root = src.nodes.get("")
    if root is not None:
        nodes[""] = root
    for pointer, origin in where.items():
        node = origin if isinstance(origin, Node) else src.nodes.get(origin)
        if node is not None:
            nodes[pointer] = node
    return Document(src.path, src.text, data, nodes, (), src.scalar_ranges)


def subtree(where: Where, src: Document, dst: str, origin: str) -> None:
    """Map every node at and below the source pointer `origin` to the same place below `dst`."""
    prefix = origin + "/"
    for pointer in src.nodes:
        if pointer == origin:
            where[dst] = pointer
        elif pointer.startswith(prefix):
            where[dst + pointer[len(origin) :]] = pointer


def text_at(src: Document, pointer: str, value: Any) -> Any:
    """A plain scalar as written: `version: 001` and `api_version: 2024-06-01` stay text."""
    node = src.nodes.get(pointer)
    if isinstance(value, (bool, int, float)) and node is not None and node.style is None:
        return src.raw(pointer)
    return value


def problem(kind: str, message: str, span: Span, pointer: str = "") -> Problem:
    return Problem(kind, message, span, pointer)


# ---- front matter ------------------------------------------------------------------------------

_FENCE = re.compile(r"^---[ \t]*$", re.M)


@dataclass(frozen=True)
class FrontMatter:
    """Character offsets: the YAML between the fences, and the body after the closing fence."""

    yaml_start: int
    yaml_end: int
    body_start: int
    closing_line: int  # 1-based line of the closing `---`


def front_matter(text: str, *, comments_before: bool = False) -> FrontMatter | None:
    """The `---` fenced YAML block at the top of `text`. `comments_before`: `#` and blank lines
    may come before the opening fence (Dotprompt's licence headers)."""
    pos = 0
    if comments_before:
        while pos < len(text):
            end = text.find("\n", pos)
            end = len(text) if end == -1 else end
            line = text[pos:end].strip()
            if line and not line.startswith("#"):
                break
            pos = end + 1
    opening = _FENCE.match(text, pos)
    if opening is None:
        return None
    start = opening.end() + 1
    closing = _FENCE.search(text, min(start, len(text)))
    if closing is None or start > len(text):
        return None
    body = text.find("\n", closing.end())
    body = len(text) if body == -1 else body + 1
    return FrontMatter(start, closing.start(), body, text.count("\n", 0, closing.start()) + 1)


def unclosed(path: str, text: str, *, comments_before: bool = False) -> Document | None:
    """A file that opens front matter (`---` first) and never closes it: a syntax problem at the
    opening fence, rather than the YAML read as prompt text. None when that is not the case."""
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        line = text[pos:end].strip()
        if line == "---":
            number = text.count("\n", 0, pos) + 1
            message = f"front matter opened on line {number} is never closed: end it with `---`"
            found = problem("syntax", message, Span(number, 1, number, 4))
            return Document(path, text, None, {}, (found,))
        if line and not (comments_before and line.startswith("#")):
            return None
        pos = end + 1
    return None


def load_front_matter(path: str, text: str, fm: FrontMatter) -> Document:
    """Parse the front matter in place: offsets, lines and columns are those of the whole file.

    Everything outside the YAML becomes blanks (newlines kept) and the closing fence becomes
    `...`, so libyaml sees one document at the right positions. The body counts as text, not as
    comments, so a `# Heading` in a prompt is never read as an inline ignore.
    """
    masked = _mask(text, fm.yaml_start, fm.yaml_end)
    empty = all(
        not line.strip() or line.lstrip().startswith("#")
        for line in text[fm.yaml_start : fm.yaml_end].split("\n")
    )
    if not empty:  # `...` after nothing at all is a syntax error to libyaml
        closing = text.find("---", fm.yaml_end)
        masked = masked[:closing] + "..." + masked[closing + 3 :]
    doc = load_yaml(path, masked)
    ranges = tuple(sorted((*doc.scalar_ranges, (fm.body_start, len(text)))))
    data = {} if empty else doc.data  # front matter with no keys sets nothing
    return replace(doc, text=text, data=data, scalar_ranges=ranges, _line_starts=[])


def _mask(text: str, start: int, end: int) -> str:
    def blank(part: str) -> str:
        return re.sub(r"[^\n]", " ", part)

    return blank(text[:start]) + text[start:end] + blank(text[end:])


# ---- body sections -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One role's text in a prompt body: offsets of the content, and the line that opened it."""

    role: str
    start: int
    end: int
    header_line: int


def sections(
    text: str, start: int, end: int, header: re.Pattern[str], default_role: str
) -> list[Section]:
    """Split `text[start:end]` at lines matching `header` (group "role" names the role). Text
    before the first header belongs to `default_role`; empty sections are dropped."""
    found: list[Section] = []
    role, content_start = default_role, start
    header_line = text.count("\n", 0, start)  # the line before the body: the closing fence
    for m in header.finditer(text, start, end):
        found.append(Section(role, content_start, m.start(), header_line))
        role = m.group("role").lower()
        header_line = text.count("\n", 0, m.start()) + 1
        content_start = min(m.end() + 1, end) if text[m.end() : m.end() + 1] == "\n" else m.end()
    found.append(Section(role, content_start, end, header_line))
    return [s for s in found if text[s.start : s.end].strip()]


def offsets_node(doc: Document, start: int, end: int, style: str | None = '"') -> Node:
    return Node(doc.span_of_offsets(start, end), None, start, end, style)


# ---- ids ---------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._/-]+")


def safe_id(name: str) -> str:
    """A name as an artifact id (ID_PATTERN): other characters become `_`, `*` becomes `any`."""
    cleaned = _UNSAFE.sub("_", name.replace("*", "any")).strip("/")
    if not cleaned or not cleaned[0].isalnum():
        cleaned = "x" + cleaned
    return cleaned[:200]


def path_id(path: str, *suffixes: str) -> str:
    """An id from the file's path without its format suffix: unique in the repository, stable
    while the file stays where it is (`prompts/support.prompty` -> `prompts/support`)."""
    for suffix in suffixes:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return safe_id(path)


def folder_id(path: str) -> str:
    """An id from the file's folder: for formats whose unit is a folder (NeMo, Semantic Kernel)."""
    folder = path.rpartition("/")[0]
    return safe_id(folder or path.rpartition(".")[0] or path)
