"""Template matchers: syntax, declared vs used variables, and where untrusted inputs land."""

from __future__ import annotations

import keyword
import re
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from llmward.policy.evaluate import Context, Hit
from llmward.policy.matchers import matcher
from llmward.policy.matchers._text import delimited, find, line_in_scalar, unquoted
from llmward.repository import Artifact

SYSTEM_ROLES = frozenset({"system", "developer"})


@dataclass(frozen=True)
class Template:
    variables: frozenset[str] = frozenset()
    error: tuple[int, str] | None = None  # (0-based line in the template, message)
    scoped: frozenset[str] = field(default=frozenset())  # names read inside sections/loops

    @property
    def names(self) -> frozenset[str]:
        """Every input the template reads, in a section or not."""
        return self.variables | self.scoped


@lru_cache(maxsize=4096)
def analyze(fmt: str, text: str) -> Template:
    return _ANALYZERS.get(fmt, _jinja)(text)


# -- jinja2 -------------------------------------------------------------------------------------

# Jinja's default globals (jinja2.defaults.DEFAULT_NAMESPACE): never inputs. A test keeps it exact.
JINJA_GLOBALS = frozenset({"range", "dict", "lipsum", "cycler", "joiner", "namespace"})
_JINJA_LITERALS = frozenset({"true", "false", "none", "True", "False", "None"})
# Names Jinja treats specially (`self` is never undeclared) or may: left to Jinja to judge.
_JINJA_SPECIAL = frozenset({"self", "loop", "caller", "varargs", "kwargs", "super"})


def _jinja(text: str) -> Template:
    """Importing jinja2 costs more than a pre-commit run should take, and most prompts only use
    `{{ name }}`: those are read here, and Jinja's own parser judges everything else."""
    fast = _jinja_simple(text)
    return fast if fast is not None else _jinja_parse(text)


@cache
def _jinja_placeholder() -> re.Pattern[str]:
    name = r"[A-Za-z_][A-Za-z0-9_]*"
    return re.compile(rf"\{{\{{-?[ \t\r\n]*({name}(?:\.{name})*)[ \t\r\n]*-?\}}\}}")


def _jinja_simple(text: str) -> Template | None:
    """The Template Jinja would give when every tag is `{{ name.attr }}`, else None. Jinja's
    lexer starts a tag at the first `{{`, `{%` or `{#`, so with no `{%` or `{#` in the text, one
    placeholder at each `{{` leaves only plain text between them."""
    if "{%" in text or "{#" in text:
        return None
    names: set[str] = set()
    start = text.find("{{")
    while start != -1:
        m = _jinja_placeholder().match(text, start)
        root = None if m is None else _simple_root(m.group(1).split("."))
        if m is None or root is None:
            return None
        if root:
            names.add(root)
        start = text.find("{{", m.end())
    return Template(frozenset(names - JINJA_GLOBALS))


def _simple_root(path: list[str]) -> str | None:
    """The variable `{{ a.b }}` reads ("" for a constant), or None where Jinja must judge:
    `not` and `if` are operators, `self` is never undeclared."""
    if len(path) == 1 and path[0] in _JINJA_LITERALS:
        return ""
    if path[0] in _JINJA_SPECIAL or any(keyword.iskeyword(p) or p in _JINJA_LITERALS for p in path):
        return None
    return path[0]


def _jinja_parse(text: str) -> Template:
    from jinja2 import TemplateSyntaxError, meta

    env = _jinja_env()
    try:
        ast = env.parse(text)
        names = meta.find_undeclared_variables(ast) - set(env.globals)
    except TemplateSyntaxError as err:
        return Template(error=((err.lineno or 1) - 1, err.message or "template syntax error"))
    return Template(frozenset(names))


class _AnyName(dict[str, Any]):
    """Filters and tests by any name: the application registers its own (NeMo's `colang`, an
    app's `myfilter`), and reading which variables a template uses does not need them."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key) or _unknown

    def __contains__(self, key: object) -> bool:
        return True


def _unknown(*args: Any, **kwargs: Any) -> Any:  # pragma: no cover - never called: only compiled
    return None


@lru_cache(maxsize=1)
def _jinja_env() -> Any:
    from jinja2 import Environment

    env = Environment(autoescape=False)
    env.filters = _AnyName(env.filters)
    env.tests = _AnyName(env.tests)
    return env


# -- mustache and f-strings ---------------------------------------------------------------------


@cache
def _mustache_tag() -> re.Pattern[str]:
    return re.compile(r"\{\{(\{?)\s*([#^/&!>]?)\s*(.*?)\s*\}?\}\}", re.DOTALL)


def _mustache(text: str) -> Template:
    names: set[str] = set()
    scoped: set[str] = set()
    stack: list[tuple[str, int]] = []  # open sections: (name, line of the opening tag)
    for m in _mustache_tag().finditer(text):
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
    stray = _mustache_tag().sub(lambda t: re.sub(r"[^\n]", " ", t.group(0)), text).find("{{")
    if stray != -1:
        return Template(error=(text.count("\n", 0, stray), "unclosed {{ tag"))
    if stack:
        name, line = stack[-1]
        return Template(error=(line, f"section {{{{#{name}}}}} is never closed"))
    return Template(frozenset(names), scoped=frozenset(scoped))


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


@lru_cache(maxsize=1024)
def occurrence_regex(fmt: str, name: str) -> re.Pattern[str]:
    word = re.escape(name)
    if fmt == "mustache":
        return re.compile(r"\{\{\{?\s*[#^&]?\s*" + word + r"(?=[\s.}])")
    if fmt == "fstring":
        return re.compile(r"(?<!\{)\{" + word + r"(?=[}.!:\[])")
    return re.compile(r"(?:\{\{|\{%)[^}%]*?(?<![\w.])" + word + r"\b")


# -- the walk every matcher shares --------------------------------------------------------------


@dataclass(frozen=True)
class _Prompt:
    """A prompt artifact as the template matchers read it."""

    artifact: Artifact
    fmt: str
    inputs: dict[str, tuple[int, dict[str, Any]]]  # name -> (index in `inputs`, the item)

    @classmethod
    def read(cls, prompt: Artifact) -> _Prompt:
        fmt = prompt.get("template_format", "jinja2")
        known = isinstance(fmt, str) and fmt in _ANALYZERS
        return cls(prompt, fmt if known else "jinja2", _inputs(prompt))

    @property
    def untrusted(self) -> set[str]:
        return {n for n, (_, item) in self.inputs.items() if item.get("trusted") is not True}

    def messages(self) -> Iterator[tuple[str, str, Template]]:
        """(pointer, role, analyzed template) of each well-formed message."""
        messages = self.artifact.get("messages")
        for i, message in enumerate(messages if isinstance(messages, list) else ()):
            if isinstance(message, dict) and isinstance(message.get("content"), str):
                pointer = f"{self.artifact.pointer}/messages/{i}/content"
                yield pointer, str(message.get("role")), analyze(self.fmt, message["content"])


def _inputs(prompt: Artifact) -> dict[str, tuple[int, dict[str, Any]]]:
    inputs = prompt.get("inputs")
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, item in enumerate(inputs if isinstance(inputs, list) else ()):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out[item["name"]] = (i, item)
    return out


_PromptMatcher = Callable[[Context, _Prompt], Iterable[Hit]]


def _prompt_matcher(name: str) -> Callable[[_PromptMatcher], _PromptMatcher]:
    """Register `fn(ctx, prompt)` as the matcher `name`; it runs only where there is a prompt."""

    def register(fn: _PromptMatcher) -> _PromptMatcher:
        def run(ctx: Context) -> Iterator[Hit]:
            if ctx.artifact is not None:
                yield from fn(ctx, _Prompt.read(ctx.artifact))

        matcher(name)(run)
        return fn

    return register


def _name_hits(
    ctx: Context, prompt: _Prompt, pointer: str, names: Iterable[str], **fields: str
) -> Iterator[Hit]:
    """A hit at each place the message at `pointer` uses each of `names`."""
    for name in sorted(names):
        for _, span in find(ctx.doc, pointer, occurrence_regex(prompt.fmt, name)):
            yield Hit(pointer, {"name": name, **fields}, span=span, value=name)


# -- matchers -----------------------------------------------------------------------------------


@_prompt_matcher("template-syntax")
def template_syntax(ctx: Context, prompt: _Prompt) -> Iterator[Hit]:
    for pointer, _, info in prompt.messages():
        if info.error is not None:
            span = line_in_scalar(ctx.doc, pointer, info.error[0])
            yield Hit(pointer, {"error": info.error[1], "format": prompt.fmt}, span=span)


@_prompt_matcher("template-variables")
def template_variables(ctx: Context, prompt: _Prompt) -> Iterator[Hit]:
    """`options.check`: `undeclared` (used, not in inputs) or `unused` (in inputs, never used)."""
    check = ctx.options.get("check")
    used: set[str] = set()
    for pointer, _, info in prompt.messages():
        if info.error is not None:
            return  # the syntax policy reports it; guessing variables would mislead
        used |= info.names
        if check == "undeclared":
            yield from _name_hits(ctx, prompt, pointer, info.variables - set(prompt.inputs))
    if check == "unused":
        for name, (index, _) in sorted(prompt.inputs.items()):
            if name not in used:
                yield Hit(f"{prompt.artifact.pointer}/inputs/{index}/name", {"name": name})


@_prompt_matcher("untrusted-in-system")
def untrusted_in_system(ctx: Context, prompt: _Prompt) -> Iterator[Hit]:
    untrusted = prompt.untrusted
    for pointer, role, info in prompt.messages():
        if role in SYSTEM_ROLES:
            yield from _name_hits(ctx, prompt, pointer, info.names & untrusted, role=role)


@_prompt_matcher("untrusted-without-delimiters")
def untrusted_without_delimiters(ctx: Context, prompt: _Prompt) -> Iterator[Hit]:
    untrusted = prompt.untrusted
    for pointer, role, info in prompt.messages():
        if role not in SYSTEM_ROLES:  # in a system message: untrusted-in-system, a worse problem
            yield from _undelimited(ctx, prompt, pointer, info.names & untrusted)


def _undelimited(
    ctx: Context, prompt: _Prompt, pointer: str, names: Iterable[str]
) -> Iterator[Hit]:
    node = ctx.doc.nodes.get(pointer)
    if node is None:
        return
    raw, where = unquoted(ctx.doc.text[node.start : node.end], node.style)
    for name in sorted(names):
        for m in occurrence_regex(prompt.fmt, name).finditer(raw):
            if not delimited(raw, m.start(), m.end()):
                start, end = node.start + where[m.start()], node.start + where[m.end() - 1] + 1
                span = ctx.doc.span_of_offsets(start, end)
                yield Hit(pointer, {"name": name}, span=span, value=name)
