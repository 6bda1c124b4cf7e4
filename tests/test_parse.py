"""Parsing with positions: every value has a 1-based span; bad input is a Problem, never a raise."""

from __future__ import annotations

import codecs

import pytest
import yaml

from llmward.parse import parse_bytes, yaml_doc
from llmward.parse.document import Span

MAX = 1 << 20

PROMPT = b"""\
id: triage
version: "1.10"
messages:
  - role: system
    content: |
      You are helpful.
      # llmward: ignore[PRM009] this line is prompt text, not a comment
  - role: user
    content: "{{ q }}"  # a real comment
"""


def doc(raw: bytes):
    return parse_bytes("f.yaml", raw, max_bytes=MAX)


def test_values_and_spans_are_exact() -> None:
    d = doc(PROMPT)
    assert d.data["version"] == "1.10"
    assert d.nodes["/id"].span == Span(1, 5, 1, 11)
    assert d.nodes["/id"].key_span == Span(1, 1, 1, 3)
    assert d.nodes["/messages/1/content"].span == Span(9, 14, 9, 23)
    assert d.location("/messages/0").line == 4  # a list item: where it starts
    assert d.location("/messages").line == 3  # a block points at its key
    assert d.location("/missing/deeper").line == 1  # falls back to the nearest parent


def test_comment_inside_block_scalar_is_text() -> None:
    d = doc(PROMPT)
    comments = [text for _, text in d.comments()]
    assert comments == ["# a real comment"]
    assert "# llmward: ignore" in d.data["messages"][0]["content"]


@pytest.mark.parametrize(
    ("raw", "kind", "line"),
    [
        pytest.param(b"a: [1\nb: 2\n", "syntax", 2, id="unclosed-flow"),
        pytest.param(b"a: 1\na: 2\n", "duplicate-key", 2, id="duplicate-key"),
        pytest.param(b"a: !!python/object/apply:os.system [ls]\n", "tag", 1, id="python-tag"),
        pytest.param(b"a: 1\n---\nb: 2\n", "multiple-documents", 2, id="two-documents"),
        pytest.param(b"ok: 1\nbad: \xff\n", "encoding", 2, id="invalid-utf8"),
        pytest.param(b"a: 1\x00\n", "binary", 1, id="nul-byte"),
        pytest.param(b"\t- a\n", "syntax", 1, id="tab-indent"),
    ],
)
def test_problems_have_lines(raw: bytes, kind: str, line: int) -> None:
    problems = [p for p in doc(raw).problems if p.kind == kind]
    assert problems, doc(raw).problems
    assert problems[0].span.line == line


def test_alias_bomb_is_stopped() -> None:
    lines = ["a: &a [1,1,1,1,1,1,1,1,1,1]"]
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    d = doc("\n".join(lines).encode())
    assert [p.kind for p in d.problems] == ["alias-limit"]
    assert not d.ok


def test_deep_nesting_is_bounded() -> None:
    d = doc(b"[" * 10_000 + b"]" * 10_000)
    assert [p.kind for p in d.problems] == ["depth-limit"]


_PARSERS = [
    pytest.param(getattr(yaml, "CSafeLoader", yaml.SafeLoader), id="libyaml"),
    pytest.param(yaml.SafeLoader, id="pure-python"),
]
_DEEP = [
    # libyaml >= 0.2.6 refuses a flow sequence past 1,000 levels before it emits one event
    pytest.param(b"x: " + b"[" * 10_000 + b"]" * 10_000, Span(1, 203, 1, 204), id="flow-seq"),
    pytest.param(
        b"x: " + b"{a: " * 5_000 + b"1" + b"}" * 5_000, Span(1, 800, 1, 801), id="flow-map"
    ),
    pytest.param(
        b"".join(b" " * i + b"- \n" for i in range(1_200)), Span(201, 201, 201, 201), id="block"
    ),
]


@pytest.mark.parametrize("loader", _PARSERS)
@pytest.mark.parametrize(("raw", "span"), _DEEP)
def test_deep_nesting_is_one_problem_whichever_parser_limit_fires(
    loader: object, raw: bytes, span: Span, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same kind, line and column with libyaml (whose own limit can fire first) and without."""
    monkeypatch.setattr(yaml_doc, "_Loader", loader)
    d = doc(raw)
    assert [(p.kind, p.message, p.span) for p in d.problems] == [
        ("depth-limit", "nesting deeper than 200 levels", span)
    ]


class _RefusingParser(yaml.SafeLoader):
    """A parser whose own nesting limit is lower than llmward's, as any future release may have."""

    def get_event(self) -> yaml.Event:
        mark = yaml.Mark("<unicode string>", 7, 0, 7, None, None)
        raise yaml.scanner.ScannerError(
            "while increasing flow level", mark, "exceeded maximum nesting depth", mark
        )


def test_a_parsers_own_depth_limit_is_the_depth_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_doc, "_Loader", _RefusingParser)
    monkeypatch.setattr(yaml, "SafeLoader", _RefusingParser)
    d = doc(b"a: [[1]]\n")
    assert [(p.kind, p.span) for p in d.problems] == [("depth-limit", Span(1, 8, 1, 9))]


def test_too_large_is_not_read() -> None:
    d = parse_bytes("big.yaml", b"a: 1\n" * 1000, max_bytes=1024)
    assert [p.kind for p in d.problems] == ["too-large"]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(codecs.BOM_UTF8 + b"a: x\n", id="utf8-bom"),
        pytest.param("a: x\n".encode("utf-16"), id="utf16-bom"),
        pytest.param(b"a: x\r\n", id="crlf"),
        pytest.param(b"z: 1\ra: x\r\n", id="mixed-endings"),
    ],
)
def test_encodings_and_line_endings(raw: bytes) -> None:
    d = doc(raw)
    assert d.ok and d.data["a"] == "x"
    assert d.nodes["/a"].span.col == 4


def test_yaml_11_scalars_and_keys() -> None:
    d = doc(b"on: yes\ntrusted: no\nwhen: 2024-05-13\nn: 0x10\nt: 1:20\nv: 1.10\n")
    assert d.data == {
        "on": True,
        "trusted": False,
        "when": "2024-05-13",
        "n": 16,
        "t": 80,
        "v": 1.1,
    }


def test_merge_keys_and_anchors() -> None:
    d = doc(b"base: &b {temperature: 0.2, top_p: 1}\npin:\n  <<: *b\n  temperature: 0.5\n")
    assert d.data["pin"] == {"temperature": 0.5, "top_p": 1}
    assert d.ok


def test_empty_file() -> None:
    d = doc(b"")
    assert d.data is None and d.ok


def test_offsets_are_characters_on_multibyte_text() -> None:
    raw = 'a: "héllo wörld 😀"\nb: |\n  ünïcode ✓\n  key sk-x\nc: [é, ß]\n'.encode()
    d = doc(raw)
    for pointer in ("/a", "/b", "/c/0", "/c/1"):
        node = d.nodes[pointer]
        assert d.position(node.start) == (node.span.line, node.span.col), pointer
        assert d.position(node.end) == (node.span.end_line, node.span.end_col), pointer
    assert d.raw("/c/1") == "ß"
    assert d.text[d.nodes["/b"].start :].startswith("|")


def test_a_syntax_error_at_the_end_of_input_points_inside_the_file() -> None:
    """libyaml marks it one line past the last; an annotation there would point at nothing."""
    doc = parse_bytes("p.yaml", b"id: a\n.", max_bytes=1024)
    [problem] = doc.problems
    assert (problem.kind, problem.span.line, problem.span.col) == ("syntax", 2, 2)


def test_a_container_ended_by_the_end_of_input_ends_inside_the_text() -> None:
    """libyaml ends the root mapping of `?` one line past the text; the span stops at its end."""
    doc = parse_bytes("g.yaml", b"?", max_bytes=1 << 20)
    assert doc.nodes[""].span == Span(1, 1, 1, 2)
    assert doc.nodes["/"].span == Span(1, 2, 1, 2)  # the empty value of the empty key, too
    doc = parse_bytes("g.yaml", b"a: 1\nb: [1,\n  2]", max_bytes=1 << 20)
    assert doc.nodes[""].span.end_line == 3


def test_a_lone_cr_ends_a_line_as_editors_show_it() -> None:
    doc = parse_bytes("g.yaml", b"a: 1\rb: 2", max_bytes=1 << 20)
    assert doc.nodes["/b"].span.line == 2 and doc.text == "a: 1\nb: 2"
