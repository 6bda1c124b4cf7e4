"""Values read from elsewhere at run time: a model named by an environment variable, a wildcard
route, and credentials written into a config instead of read from the environment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from llmward.indirection import indirection
from llmward.parse.document import escape
from llmward.policy.evaluate import Context, Hit
from llmward.policy.matchers import matcher


@matcher("indirect-value")
def indirect_value(ctx: Context) -> Iterator[Hit]:
    """A selected value that is exactly one indirection: `${OPENAI_MODEL}`, `os.environ/X`..."""
    for pointer, value in ctx.selected:
        found = indirection(value)
        if found is not None and found.source in ctx.options.get("sources", ("environment",)):
            fields = {"name": found.name, "source": found.source, "default": found.default or ""}
            yield Hit(pointer, fields)


@matcher("wildcard-value")
def wildcard_value(ctx: Context) -> Iterator[Hit]:
    """A model id holding `*`: a route that sends requests to any model of a provider."""
    for pointer, value in ctx.selected:
        if isinstance(value, str) and "*" in value:
            yield Hit(pointer)


_CREDENTIAL = re.compile(
    r"(?:^|[_-])(?:api[_-]?key|apikey|master[_-]?key|access[_-]?key|secret|password|passwd"
    r"|token|auth[_-]?token|bearer)(?:$|[_-])|^key$",
)
_NOT_CREDENTIAL = re.compile(
    r"public|max[_-]?tokens?|tokens?[_-]?(?:limit|count)|^key[_-]?name$", re.I
)
# placeholders that say "put your key here": not a secret, but still not where a key belongs
_PLACEHOLDER = re.compile(r"^(?:<[^>]*>|x+|\*+|\.\.\.|your[_-].*|changeme|none|null|todo)$", re.I)


def credential_key(key: str) -> bool:
    return bool(_CREDENTIAL.search(key.lower())) and not _NOT_CREDENTIAL.search(key)


@matcher("credential-literal")
def credential_literal(ctx: Context) -> Iterator[Hit]:
    """A literal string under a credential key (`api_key`, `master_key`, `apiKey`, `*password*`,
    `*secret*`, `token`...), in any format: a value that is exactly one environment reference is
    not one, but the default written into it is. Runs once per file, on the file as written."""
    kind, fmt = ctx.extras.get("kind"), ctx.extras.get("format")
    if kind is not None and kind != fmt:
        return  # a projection of another format: the file as written was already checked
    for pointer, key, value in _keyed_strings(ctx.doc.data, ""):
        if not credential_key(key) or not value.strip():
            continue
        ref = indirection(value)
        if ref is not None and ref.source == "environment" and not ref.default:
            continue
        if ref is not None and ref.source in ("file", "template"):
            continue
        literal = ref.default if ref is not None and ref.default else value
        if _PLACEHOLDER.match(literal.strip()):
            continue
        if kind is not None and _live(literal):
            continue  # llmward's own files: the secret policies report it, as critical
        yield Hit(pointer, {"key": key, "shown": _shown(literal)})


def _live(value: str) -> bool:
    """A live-looking provider key. In llmward's own files the secret policies see every string
    of an artifact; in another format only the fields that map to an artifact, so there it is
    reported here too."""
    from llmward.policy.matchers.secrets import detect

    return next(iter(detect(value)), None) is not None


def _shown(value: str) -> str:
    """Enough of the value to find it, never the whole credential."""
    value = value.strip()
    return value[:4] + "…" if len(value) > 8 else value[:2] + "…"


def _keyed_strings(data: Any, pointer: str) -> Iterator[tuple[str, str, str]]:
    stack: list[tuple[str, Any]] = [(pointer, data)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                child = f"{here}/{escape(str(key))}"
                if isinstance(value, str):
                    yield child, str(key), value
                else:
                    stack.append((child, value))
        elif isinstance(item, list):
            stack.extend((f"{here}/{i}", v) for i, v in enumerate(item))
