"""YAML -> Document in one pass over libyaml's events.

Why events and not a composed tree: the event stream is flat (10,000-deep nesting costs no
recursion), every event carries line/column marks, and one loop can build the data, the
pointer->span map, the duplicate-key and alias checks together. libyaml parses ~15x faster than
ruamel's round-trip parser (bench/); ruamel stays where comments must survive an edit.

Scalars resolve as YAML 1.1 does in PyYAML (what most Python consumers of these files use), except
that mapping keys keep their source text (`on:` stays "on") and timestamps stay strings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from llmward.parse.document import JSON, Document, Node, Problem, Span, join_pointer

try:  # libyaml is bundled in PyYAML's wheels; the pure-Python parser is the fallback.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the platform's wheel
    _Loader = yaml.SafeLoader

_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_T = "tag:yaml.org,2002:"
_KNOWN_TAGS = frozenset(
    _T + t
    for t in (
        "str",
        "int",
        "float",
        "bool",
        "null",
        "timestamp",
        "binary",
        "map",
        "seq",
        "omap",
        "pairs",
        "set",
        "merge",
        "value",
    )
)

# First characters of every plain scalar PyYAML may resolve to something other than text.
_MAYBE_TYPED = frozenset("yYnNtTfFoO~.-+0123456789<=")

DEFAULT_MAX_NODES = 200_000
DEFAULT_MAX_DEPTH = 200


@dataclass
class _Frame:
    value: dict[str, Any] | list[Any]
    pointer: str
    start: tuple[int, int]
    key_span: Span | None
    style: str
    depth: int
    size: int = 1
    anchor: str | None = None
    tag: str | None = None
    pending_key: tuple[str, Span, str] | None = None  # key text, key span, key pointer
    merges: list[tuple[Any, Span]] = field(default_factory=list)
    seen: dict[str, Span] = field(default_factory=dict)


class _Abort(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _Builder:
    def __init__(self, path: str, text: str, max_nodes: int, max_depth: int) -> None:
        self.path = path
        self.text = text
        self.max_nodes = max_nodes
        self.max_depth = max_depth
        self.nodes: dict[str, Node] = {}
        self.problems: list[Problem] = []
        self.scalar_ranges: list[tuple[int, int]] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # value, expanded size
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.root_set = False
        self.documents = 0
        self.line_starts = _line_starts(text)

    # -- positions -------------------------------------------------------------------------
    @staticmethod
    def offset(mark: Any) -> int:
        """libyaml's character index into the (LF-normalised) text; tests/test_parse.py checks
        it against line and column on multi-byte text."""
        index: int = mark.index
        return index

    def span(self, start: Any, end: Any) -> Span:
        last = len(self.line_starts) - 1
        if end.line > last:  # an empty value at the end of input: libyaml's mark is past the text
            return Span(*self.clamp(start.line, start.column), *self.clamp(end.line, end.column))
        return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def clamp(self, line: int, column: int) -> tuple[int, int]:
        """A 0-based libyaml mark as a 1-based position on a line of the text."""
        last = len(self.line_starts) - 1
        if line > last:
            return last + 1, len(self.text) - self.line_starts[last] + 1
        return line + 1, column + 1

    # -- event handlers ----------------------------------------------------------------------
    def feed(self, event: Any) -> None:
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def on_document(self, event: Any) -> None:
        self.documents += 1
        if self.documents == 2:
            self.problems.append(
                Problem(
                    "multiple-documents",
                    "more than one YAML document in this file; only the first is read",
                    self.span(event.start_mark, event.end_mark),
                )
            )

    def on_scalar(self, event: Any) -> None:
        sm, em = event.start_mark, event.end_mark
        start, end = sm.index, em.index
        self.scalar_ranges.append((start, end))
        if self.documents > 1:
            return
        if em.line < len(self.line_starts):
            span = Span(sm.line + 1, sm.column + 1, em.line + 1, em.column + 1)
        else:
            span = self.span(sm, em)
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.pending_key is None and isinstance(frame.value, dict):
            self.set_key(frame, event.value, span)
            return
        value = self.resolve_scalar(event, span)
        node = Node(span, None, start, end, event.style or None)
        if (
            frame is None
            or event.anchor
            or event.tag is not None
            or not self._fast(frame, value, node)
        ):
            self.add_value(value, node, 1, event.anchor, event.tag)

    def _fast(self, frame: _Frame, value: Any, node: Node) -> bool:
        """The common case in one step: a plain value into a mapping or list, no anchor, tag,
        merge or duplicate key. False: take the general path."""
        if frame.size >= self.max_nodes:
            return False
        if isinstance(frame.value, list):
            self.nodes[f"{frame.pointer}/{len(frame.value)}"] = node
            frame.value.append(value)
        else:
            key, key_span, pointer = frame.pending_key  # type: ignore[misc]
            if key == "<<" or key in frame.seen:
                return False
            frame.pending_key = None
            self.nodes[pointer] = node._replace(key_span=key_span)
            frame.seen[key] = key_span
            frame.value[key] = value
        frame.size += 1
        return True

    def on_alias(self, event: Any) -> None:
        if self.documents > 1:
            return
        span = self.span(event.start_mark, event.end_mark)
        frame = self.stack[-1] if self.stack else None
        if event.anchor not in self.anchors:
            raise _Abort(Problem("syntax", f"unknown alias *{event.anchor}", span))
        value, size = self.anchors[event.anchor]
        if frame is not None and isinstance(frame.value, dict) and frame.pending_key is None:
            self.problems.append(Problem("complex-key", "an alias used as a mapping key", span))
            self.set_key(frame, f"*{event.anchor}", span)
            return
        start, end = self.offset(event.start_mark), self.offset(event.end_mark)
        self.add_value(value, Node(span, None, start, end, "*"), size, None, None)

    def on_start(self, event: Any) -> None:
        if self.documents > 1:
            return
        is_map = isinstance(event, yaml.MappingStartEvent)
        parent = self.stack[-1] if self.stack else None
        if parent is not None and isinstance(parent.value, dict) and parent.pending_key is None:
            span = self.span(event.start_mark, event.end_mark)
            raise _Abort(
                Problem("syntax", "a mapping or sequence used as a key is not supported", span)
            )
        pointer, key_span = self.child_pointer(parent)
        depth = (parent.depth + 1) if parent else 1
        if depth > self.max_depth:
            span = self.span(event.start_mark, event.end_mark)
            raise _Abort(
                Problem("depth-limit", f"nesting deeper than {self.max_depth} levels", span)
            )
        style = ("{" if is_map else "[") if event.flow_style else ("map" if is_map else "seq")
        value: dict[str, Any] | list[Any] = {} if is_map else []
        self.stack.append(
            _Frame(
                value,
                pointer,
                (event.start_mark.line, event.start_mark.column),
                key_span,
                style,
                depth,
                anchor=event.anchor,
                tag=event.tag,
            )
        )

    def on_end(self, event: Any) -> None:
        if self.documents > 1:
            return
        frame = self.stack.pop()
        for merged, merge_span in frame.merges:
            self.apply_merge(frame, merged, merge_span)
        start_line, start_col = frame.start
        start = self.line_starts[min(start_line, len(self.line_starts) - 1)] + start_col
        end = self.offset(event.end_mark)
        # ended by the end of input, libyaml's mark can be one line past the text
        span = Span(
            start_line + 1, start_col + 1, *self.clamp(event.end_mark.line, event.end_mark.column)
        )
        self.nodes[frame.pointer] = Node(span, frame.key_span, start, end, frame.style)
        if frame.tag and frame.tag not in _KNOWN_TAGS:
            self.problems.append(
                Problem("tag", f"custom tag {frame.tag} is not loaded", span, frame.pointer)
            )
        self.attach(frame.value, frame.size, frame.pointer, frame.anchor)

    # -- building ----------------------------------------------------------------------------
    def child_pointer(self, parent: _Frame | None) -> tuple[str, Span | None]:
        if parent is None:
            return "", None
        if isinstance(parent.value, list):
            return join_pointer(parent.pointer, len(parent.value)), None
        assert parent.pending_key is not None
        _, key_span, pointer = parent.pending_key
        return pointer, key_span

    def set_key(self, frame: _Frame, key: str, span: Span) -> None:
        token = key.replace("~", "~0").replace("/", "~1") if "~" in key or "/" in key else key
        frame.pending_key = (key, span, f"{frame.pointer}/{token}")

    def add_value(
        self, value: Any, node: Node, size: int, anchor: str | None, tag: str | None
    ) -> None:
        parent = self.stack[-1] if self.stack else None
        pointer, key_span = self.child_pointer(parent)
        self.nodes[pointer] = Node(node.span, key_span, node.start, node.end, node.style)
        if tag and tag not in _KNOWN_TAGS:
            self.problems.append(
                Problem(
                    "tag",
                    f"custom tag {tag} is not loaded; its value is read as text",
                    node.span,
                    pointer,
                )
            )
        self.attach(value, size, pointer, anchor)

    def attach(self, value: Any, size: int, pointer: str, anchor: str | None) -> None:
        if anchor:
            self.anchors[anchor] = (value, size)
        parent = self.stack[-1] if self.stack else None
        if parent is None:
            self.root, self.root_set = value, True
            return
        parent.size += size
        if parent.size > self.max_nodes:
            raise _Abort(
                Problem(
                    "alias-limit",
                    f"the document expands to more than {self.max_nodes} values (an alias bomb?)",
                    self.nodes[pointer].span,
                    pointer,
                )
            )
        if isinstance(parent.value, list):
            parent.value.append(value)
            return
        assert parent.pending_key is not None
        key, key_span, _ = parent.pending_key
        parent.pending_key = None
        if key == "<<" and self._is_merge(pointer):
            parent.merges.append((value, key_span))
            return
        if key in parent.seen:
            first = parent.seen[key]
            self.problems.append(
                Problem(
                    "duplicate-key",
                    f"duplicate key '{key}' (first defined on line {first.line}); "
                    "the last one wins",
                    key_span,
                    pointer,
                )
            )
        parent.seen[key] = key_span
        parent.value[key] = value

    def _is_merge(self, pointer: str) -> bool:
        node = self.nodes.get(pointer)
        return node is not None and node.style in ("*", "map", "{", "seq", "[")

    def apply_merge(self, frame: _Frame, merged: Any, span: Span) -> None:
        sources = merged if isinstance(merged, list) else [merged]
        assert isinstance(frame.value, dict)
        for source in sources:
            if not isinstance(source, dict):
                self.problems.append(Problem("merge", "a merge key (<<) needs a mapping", span))
                continue
            for key, value in source.items():
                if key not in frame.value:
                    frame.value[key] = value
                    self.nodes.setdefault(
                        join_pointer(frame.pointer, key), Node(span, span, 0, 0, "*")
                    )

    def resolve_scalar(self, event: Any, span: Span) -> JSON:
        tag = event.tag
        if event.style:  # quoted or block: text, unless explicitly tagged
            return event.value if tag is None or tag == "!" else _construct(tag, event.value)
        first = event.value[:1]
        if tag is None and first and first not in _MAYBE_TYPED:
            return event.value  # no YAML 1.1 type starts with this character
        if tag is None or tag == "!":
            plain = bool(event.implicit[0]) and not event.style
            tag = _resolve(event.value) if plain else _T + "str"
        return _construct(tag, event.value)

    def finish(self) -> Document:
        self.scalar_ranges.sort()
        return Document(
            self.path,
            self.text,
            self.root if self.root_set else None,
            self.nodes,
            tuple(self.problems),
            tuple(self.scalar_ranges),
        )


def _resolve(value: str) -> str:
    """The implicit YAML 1.1 tag of a plain scalar (bool, int, float, null, timestamp or str)."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag


def _float(node: Any) -> Any:
    number = _CONSTRUCTOR.construct_yaml_float(node)
    return node.value if math.isinf(number) or math.isnan(number) else number  # JSON has no inf


_CONSTRUCTORS: dict[str, Any] = {
    _T + "null": lambda node: None,
    _T + "bool": _CONSTRUCTOR.construct_yaml_bool,
    _T + "int": _CONSTRUCTOR.construct_yaml_int,
    _T + "float": _float,
}


def _construct(tag: str, value: str) -> JSON:
    """Scalars become JSON values; timestamps, binary and unknown tags keep their source text."""
    build = _CONSTRUCTORS.get(tag)
    if build is None:
        return value
    try:
        return build(yaml.ScalarNode(tag, value))
    except (ValueError, KeyError, yaml.YAMLError):
        return value


def _line_starts(text: str) -> list[int]:
    starts = [0]
    i = text.find("\n")
    while i != -1:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


_HANDLERS: dict[type, Any] = {
    yaml.DocumentStartEvent: _Builder.on_document,
    yaml.ScalarEvent: _Builder.on_scalar,
    yaml.AliasEvent: _Builder.on_alias,
    yaml.MappingStartEvent: _Builder.on_start,
    yaml.SequenceStartEvent: _Builder.on_start,
    yaml.MappingEndEvent: _Builder.on_end,
    yaml.SequenceEndEvent: _Builder.on_end,
}


def load_yaml(
    path: str, text: str, *, max_nodes: int = DEFAULT_MAX_NODES, max_depth: int = DEFAULT_MAX_DEPTH
) -> Document:
    """Parse YAML text into a Document. Never raises for bad input: problems are data.

    libyaml 0.2.6 (PyYAML 6.0.4's wheels) stops at 1,000 levels of its own, and in a flow
    sequence its scanner looks that far ahead before llmward sees one event. So that the finding
    is the same whichever limit fires first, such a file is read again with PyYAML's pure-Python
    parser, which streams events and lets llmward's own, lower limit fire where it is crossed.
    """
    document, nesting_error = _load(path, text, max_nodes, max_depth, _Loader)
    if nesting_error and _Loader is not yaml.SafeLoader:
        document, nesting_error = _load(path, text, max_nodes, max_depth, yaml.SafeLoader)
    return document


def _load(
    path: str, text: str, max_nodes: int, max_depth: int, loader: Any
) -> tuple[Document, bool]:
    """The Document, and whether the parser itself refused the nesting depth."""
    builder = _Builder(path, text, max_nodes, max_depth)
    try:
        for event in yaml.parse(text, Loader=loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = _in_text(text, mark.line, mark.column) if mark is not None else (1, 1)
        span = Span(line, col, line, col + 1)
        if _NESTING_ERROR in (err.problem or ""):
            depth = Problem("depth-limit", f"nesting deeper than {max_depth} levels", span)
            return _failed(path, text, builder, depth), True
        message = _syntax_message(err) or "invalid YAML"
        return _failed(path, text, builder, Problem("syntax", message, span)), False
    except yaml.YAMLError as err:
        return _failed(path, text, builder, Problem("syntax", str(err), Span(1, 1, 1, 1))), False
    except _Abort as abort:
        return _failed(path, text, builder, abort.problem), False
    return builder.finish(), False


# libyaml's message when a document nests deeper than its own limit (1,000 levels since 0.2.6).
_NESTING_ERROR = "maximum nesting depth"


def _in_text(text: str, line: int, column: int) -> tuple[int, int]:
    """libyaml's 0-based mark as a 1-based position inside the text: at the end of input it can
    point one line past the last, which no editor or annotation can show."""
    lines = text.split("\n")
    if line >= len(lines):
        return len(lines), len(lines[-1]) + 1
    return line + 1, min(column, len(lines[line])) + 1


def _syntax_message(err: yaml.MarkedYAMLError) -> str:
    """The parser's problem, and where the construct it was reading began; control characters
    are shown escaped (a tab reads as \\t, not as an invisible gap)."""
    problem = (err.problem or "invalid YAML").encode("unicode_escape").decode("ascii")
    context, mark = err.context, err.context_mark
    if (
        context
        and mark is not None
        and (mark.line, mark.column)
        != (getattr(err.problem_mark, "line", None), getattr(err.problem_mark, "column", None))
    ):
        return (
            f"{problem} ({context} that starts at line {mark.line + 1}, column {mark.column + 1})"
        )
    return f"{context} {problem}" if context else problem


def _failed(path: str, text: str, builder: _Builder, problem: Problem) -> Document:
    builder.scalar_ranges.sort()
    return Document(
        path, text, None, {}, (*builder.problems, problem), tuple(builder.scalar_ranges)
    )
