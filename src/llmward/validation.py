"""Validating what users write (config, policies, catalogs) into frozen dataclasses.

The dataclasses are the one definition. pydantic validates them (`extra="forbid"`, constraints,
JSON Schema generation) through a TypeAdapter, imported only when a file must be validated: pydantic
costs more to import than the whole pre-commit run is allowed to take, so a file whose bytes were
already validated is rebuilt with `build()` instead (tests prove both give the same objects).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from llmward.parse.document import Document, join_pointer

T = TypeVar("T")


class Constraint:
    """Constraints on a value for pydantic, as `Annotated[int, Constraint(ge=1024)]`.

    Keys are pydantic core-schema constraints: pattern, ge, le, min_length, max_length. Declaring
    them this way keeps pydantic (and annotated_types) out of the import path of every command.
    """

    def __init__(self, **constraints: Any) -> None:
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Callable[[Any], Any]) -> Any:
        schema = handler(source)
        schema.update(self.constraints)
        return schema


def Pattern(regex: str) -> Constraint:
    return Constraint(pattern=regex)


FORBID: dict[str, Any] = {"extra": "forbid", "use_attribute_docstrings": True}


class Invalid(Exception):
    """Validation failed; `lines` are `file:line:col: where: message` for a person."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@cache
def adapter(cls: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


Locator = Document | Callable[[list[str]], tuple[int, int]] | None


def validate(cls: type[T], data: Any, name: str, doc: Locator = None) -> T:
    """Validate with pydantic; errors name the file, line and column, and the allowed keys."""
    import json

    from pydantic import ValidationError

    try:  # strict, through JSON: lists fill tuples, but "2048" never becomes 2048
        result: T = adapter(typing.cast(Any, cls)).validate_json(json.dumps(data), strict=True)
    except ValidationError as err:
        raise Invalid([_describe(cls, name, e, doc) for e in err.errors()]) from None
    return result


def _describe(cls: type[Any], name: str, error: Any, doc: Locator) -> str:
    loc = [str(p) for p in error["loc"] if not _is_union_tag(cls, p)]
    pointer = "".join(join_pointer("", p) for p in loc)
    if callable(doc):
        line, col = doc(loc)
        doc = None
    else:  # a bad mapping key is reported at the key, anything else at its value
        line, col = _locate(pointer, doc, key="[key]" in error["loc"])
    where = ".".join(loc) or "(top level)"
    message = error["msg"]
    pattern = (error.get("ctx") or {}).get("pattern")
    if error["type"] == "string_pattern_mismatch" and pattern in PATTERN_HELP:
        message = f"'{error['input']}' {PATTERN_HELP[pattern]}"
    if error["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        allowed = ", ".join(sorted(allowed_keys(cls, loc[:-1])))
        message = f"unknown key '{loc[-1]}'" + (
            f"; allowed keys here: {allowed}" if allowed else ""
        )
        if doc is not None:
            line, col = _locate(pointer, doc, key=True)
    return f"{name}:{line}:{col}: {where}: {message}"


def _is_union_tag(cls: Any, part: Any) -> bool:
    """pydantic names union members by class, and dict keys as '[key]': not places in a file."""
    return part == "[key]" or part in _class_names(cls)


@cache
def _class_names(cls: Any) -> frozenset[str]:
    names: set[str] = set()
    todo = [cls]
    while todo:
        for dc in _dataclasses_in(todo.pop()):
            if dc.__name__ not in names:
                names.add(dc.__name__)
                todo += list(hints(dc).values())
    return frozenset(names)


# Friendlier words for the patterns users meet most (filled in by the modules that own them).
PATTERN_HELP: dict[str, str] = {}


def _locate(pointer: str, doc: Document | None, key: bool = False) -> tuple[int, int]:
    if doc is None:
        return 1, 1
    node = doc.nodes.get(pointer)
    if key and node is not None and node.key_span is not None:
        return node.key_span.line, node.key_span.col
    span = doc.location(pointer)
    return span.line, span.col


def allowed_keys(cls: type[Any], loc: list[str]) -> list[str]:
    """Field names of the dataclass reached by following `loc` from `cls`."""
    target: Any = cls
    for part in loc:
        target = _field_type(target, part)
        if target is None:
            return []
    return [f.name for f in dataclasses.fields(target)] if dataclasses.is_dataclass(target) else []


def _field_type(cls: Any, name: str) -> Any:
    for candidate in _dataclasses_in(cls):
        hint = hints(candidate).get(name)
        if hint is not None:
            inner = [t for t in _dataclasses_in(hint)]
            return inner[0] if len(inner) == 1 else None
    return None


def _dataclasses_in(tp: Any) -> list[Any]:
    if dataclasses.is_dataclass(tp):
        return [tp]
    return [t for arg in get_args(tp) for t in _dataclasses_in(arg)]


@cache
def hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=False)


def build(cls: type[T], data: Any) -> T:
    """Rebuild a dataclass from data that already passed `validate` (no pydantic import)."""
    value: T = _build(cls, data)
    return value


def _build(tp: Any, data: Any) -> Any:
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        types_ = hints(tp)
        return tp(**{k: _build(types_[k], v) for k, v in data.items()})
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return _build_union(tp, data)
    if origin is tuple:
        item = get_args(tp)[0]
        return tuple(_build(item, v) for v in data)
    if origin is dict:
        _, item = get_args(tp)
        return {k: _build(item, v) for k, v in data.items()}
    if tp is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    return data


def _build_union(tp: Any, data: Any) -> Any:
    """Pick the union member matching the data's shape, as pydantic's smart union does here."""
    options = [o for o in get_args(tp) if o is not type(None)]
    if data is None:
        return None
    for option in options:
        if _fits(option, data):
            return _build(option, data)
    return data


def _fits(option: Any, data: Any) -> bool:
    origin = get_origin(option)
    if dataclasses.is_dataclass(option):
        return isinstance(data, dict) and set(data) <= {f.name for f in dataclasses.fields(option)}
    if origin is tuple:
        return isinstance(data, list)
    if origin is dict:
        return isinstance(data, dict)
    if origin is Literal:
        return data in get_args(option)
    if option is float:
        return isinstance(data, (int, float)) and not isinstance(data, bool)
    return isinstance(option, type) and isinstance(data, option)
