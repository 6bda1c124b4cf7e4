"""Parsing with positions: bytes -> text -> Document (data + a Span for every JSON pointer)."""

from __future__ import annotations

from llmward.parse.document import Document, Problem, Span
from llmward.parse.text import decode
from llmward.parse.yaml_doc import load_yaml

__all__ = ["Document", "Problem", "Span", "parse_bytes"]


def parse_bytes(path: str, raw: bytes, *, max_bytes: int) -> Document:
    text, problem = decode(raw, max_bytes=max_bytes)
    if problem is not None:
        return Document(path, text, None, {}, (problem,))
    return load_yaml(path, text)
