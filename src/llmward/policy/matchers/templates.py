"""Template matchers: syntax, declared vs used variables, and where untrusted inputs land."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from llmward.parse.document import Span
from llmward.policy.evaluate import Context, Hit
from llmward.policy.matchers import matcher
from llmward.policy.matchers._text import find, line_in_scalar
from llmward.repository import Artifact

SYSTEM_ROLES = frozenset({"system", "developer"})


@dataclass(frozen=True)
class Template:
    variables: frozenset[str] = frozenset()
    error: tuple[int, str] | None = None  # (0-based line in the template, message)
    scoped: frozenset[str] = field(default=frozenset())  # names read inside sections/loops


@lru_cache(maxsize=4096)
def analyze(fmt: str, text: str) -> Template:
    return _ANALYZERS.get(fmt, _jinja)(text)


def _jinja(text: str) -> Template:
    from jinja2 import TemplateSyntaxError, meta

    env = _jinja_env()
    try:
        ast = env.parse(text)
    except TemplateSyntaxError as err:
        return Template(error=((err.lineno or 1) - 1, err.message or "template syntax error"))
    names = meta.find_undeclared_variables(ast) - set(env.globals)
    return Template(frozenset(names))


@lru_cache(maxsize=1)
def _jinja_env() -> Any:
    from jinja2 import Environment

    return Environment(autoescape=False)


_MUSTACHE_TAG = re.compile(r"\{\{(\{?)\s*([#^/&!>]?)\s*(.*?)\s*\}?\}\}", re.DOTALL)


def _mustache(text: str) -> Template:
    names: set[str] = set()
    scoped: set[str] = set()
    stack: list[tuple[str, int]] = []  # open sections: (name, line of the opening tag)
    for m in _MUSTACHE_TAG.finditer(text):
        sigil, name = m.group(2), m.group(3)
        line = text.count("\n", 0, m.start())
        if sigil in ("!", ">"):
            continue
        root = name.split(".", 1)[0]
        if sigil == "/":
            if not stack or stack[-1][0] != name:
                return Template(error=(line, f"closing tag {{{{/{name}}}}} has no open section"))
            stack.pop()
            continue
        if root and root != ".":
            (scoped if stack else names).add(root)
        if sigil in ("#", "^"):
            stack.append((name, line))
    # blank the tags out (keeping newlines) so a stray {{ keeps its offset in the text
    stray = _stray_braces(_MUSTACHE_TAG.sub(lambda t: re.sub(r"[^\n]", " ", t.group(0)), text))
    if stray is not None:
        return Template(error=(text.count("\n", 0, stray), "unclosed {{ tag"))
    if stack:
        name, line = stack[-1]
        return Template(error=(line, f"section {{{{#{name}}}}} is never closed"))
    return Template(frozenset(names), scoped=frozenset(scoped))


def _stray_braces(text: str) -> int | None:
    i = text.find("{{")
    return None if i == -1 else i


def _fstring(text: str) -> Template:
    names: set[str] = set()
    try:
        for _, name, _, _ in string.Formatter().parse(text):
            if name is None:
                continue
            root = re.split(r"[.\[]", name, maxsplit=1)[0]
            if not root or root.isdigit():
                return Template(error=(0, "positional placeholder {} cannot be filled by name"))
            names.add(root)
    except ValueError as err:
        return Template(error=(0, str(err)))
    return Template(frozenset(names))


_ANALYZERS = {"jinja2": _jinja, "mustache": _mustache, "fstring": _fstring}


def occurrence_regex(fmt: str, name: str) -> re.Pattern[str]:
    word = re.escape(name)
    if fmt == "mustache":
        return re.compile(r"\{\{\{?\s*[#^&]?\s*" + word + r"(?=[\s.}])")
    if fmt == "fstring":
        return re.compile(r"(?<!\{)\{" + word + r"(?=[}.!:\[])")
    return re.compile(r"(?:\{\{|\{%)[^}%]*?(?<![\w.])" + word + r"\b")


# -- helpers over an artifact's messages --------------------------------------------------------


def _messages(prompt: Artifact) -> Iterator[tuple[str, str, str]]:
    """(pointer, role, content) of each well-formed message."""
    messages = prompt.get("messages")
    if not isinstance(messages, list):
        return
    for i, message in enumerate(messages):
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            yield (
                f"{prompt.pointer}/messages/{i}/content",
                str(message.get("role")),
                message["content"],
            )


def _inputs(prompt: Artifact) -> dict[str, tuple[int, dict[str, Any]]]:
    inputs = prompt.get("inputs")
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    if isinstance(inputs, list):
        for i, item in enumerate(inputs):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                out[item["name"]] = (i, item)
    return out


def _fmt(prompt: Artifact) -> str:
    fmt = prompt.get("template_format", "jinja2")
    return fmt if fmt in _ANALYZERS else "jinja2"


def _occurrences(ctx: Context, pointer: str, fmt: str, name: str) -> Iterator[Span]:
    for _, span in find(ctx.doc, pointer, occurrence_regex(fmt, name)):
        yield span


# -- matchers -----------------------------------------------------------------------------------


@matcher("template-syntax")
def template_syntax(ctx: Context) -> Iterator[Hit]:
    prompt = ctx.artifact
    if prompt is None:
        return
    fmt = _fmt(prompt)
    for pointer, _, content in _messages(prompt):
        error = analyze(fmt, content).error
        if error is not None:
            span = line_in_scalar(ctx.doc, pointer, error[0])
            yield Hit(pointer, {"error": error[1], "format": fmt}, span=span)


@matcher("template-variables")
def template_variables(ctx: Context) -> Iterator[Hit]:
    """`options.check`: `undeclared` (used, not in inputs) or `unused` (in inputs, never used)."""
    prompt = ctx.artifact
    if prompt is None:
        return
    fmt, declared = _fmt(prompt), _inputs(prompt)
    used: set[str] = set()
    for pointer, _, content in _messages(prompt):
        info = analyze(fmt, content)
        if info.error is not None:
            return  # the syntax policy reports it; guessing variables would mislead
        used |= info.variables | info.scoped
        if ctx.options.get("check") == "undeclared":
            for name in sorted(info.variables - set(declared)):
                for span in _occurrences(ctx, pointer, fmt, name):
                    yield Hit(pointer, {"name": name}, span=span, value=name)
    if ctx.options.get("check") == "unused":
        for name, (index, _) in sorted(declared.items()):
            if name not in used:
                yield Hit(f"{prompt.pointer}/inputs/{index}/name", {"name": name})


def _untrusted(prompt: Artifact) -> set[str]:
    return {name for name, (_, item) in _inputs(prompt).items() if item.get("trusted") is not True}


@matcher("untrusted-in-system")
def untrusted_in_system(ctx: Context) -> Iterator[Hit]:
    prompt = ctx.artifact
    if prompt is None:
        return
    fmt, untrusted = _fmt(prompt), _untrusted(prompt)
    for pointer, role, content in _messages(prompt):
        if role not in SYSTEM_ROLES:
            continue
        info = analyze(fmt, content)
        for name in sorted((info.variables | info.scoped) & untrusted):
            for span in _occurrences(ctx, pointer, fmt, name):
                yield Hit(pointer, {"name": name, "role": role}, span=span, value=name)


_OPEN_TAG = re.compile(r"<([A-Za-z][\w:-]*)(?:\s[^<>]*)?>")
_FENCES = ("```", '"""', "'''", "<<<")


def delimited(text: str, start: int, end: int) -> bool:
    """Is text[start:end] enclosed by an XML-style tag pair, a code fence or triple quotes?"""
    before, after = text[:start], text[end:]
    for m in _OPEN_TAG.finditer(before):
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


@matcher("untrusted-without-delimiters")
def untrusted_without_delimiters(ctx: Context) -> Iterator[Hit]:
    prompt = ctx.artifact
    if prompt is None:
        return
    fmt, untrusted = _fmt(prompt), _untrusted(prompt)
    for pointer, role, content in _messages(prompt):
        if role in SYSTEM_ROLES:
            continue  # reported by untrusted-in-system, a worse problem
        info = analyze(fmt, content)
        node = ctx.doc.nodes.get(pointer)
        if node is None:
            continue
        raw, where = unquoted(ctx.doc.text[node.start : node.end], node.style)
        for name in sorted((info.variables | info.scoped) & untrusted):
            for m in occurrence_regex(fmt, name).finditer(raw):
                if not delimited(raw, m.start(), m.end()):
                    start, end = node.start + where[m.start()], node.start + where[m.end() - 1] + 1
                    span = ctx.doc.span_of_offsets(start, end)
                    yield Hit(pointer, {"name": name}, span=span, value=name)


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
