"""File-level matchers: problems found while reading the file, and the artifact's own schema."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from llmward.parse.document import escape
from llmward.policy.evaluate import Context, Hit, compile_schema
from llmward.policy.matchers import matcher


@matcher("file-problem")
def file_problem(ctx: Context) -> Iterator[Hit]:
    """Problems of the kinds in `options.problems` (syntax, duplicate-key, encoding, ...)."""
    kinds = set(ctx.options.get("problems", ()))
    for problem in ctx.doc.problems:
        if problem.kind in kinds:
            yield Hit(problem.pointer, {"problem": problem.message}, span=problem.span, value=None)


@cache
def file_schema(kind: str) -> tuple[dict[str, Any], Any]:
    from importlib.resources import files

    text = files("llmward.schemas").joinpath(f"{kind}.schema.json").read_text("utf-8")
    schema = json.loads(text)
    return schema, compile_schema(schema)


@matcher("artifact-schema")
def artifact_schema(ctx: Context) -> Iterator[Hit]:
    """Every way the file breaks its kind's published JSON Schema, at the exact key or value."""
    kind = ctx.extras.get("kind")
    if kind is None or not ctx.doc.ok:
        return
    data = {} if ctx.doc.data is None else ctx.doc.data  # an empty file holds nothing it needs
    schema, is_valid = file_schema(kind)
    if is_valid(data):
        return
    from jsonschema import Draft7Validator

    errors = sorted(Draft7Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    for error in errors:
        pointer = "".join("/" + escape(str(p)) for p in error.path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # jsonschema places this error on the mapping; the finding belongs on each unknown key
            for key in _unknown_keys(error.instance, error.schema):
                node = ctx.doc.nodes.get(f"{pointer}/{escape(key)}")
                span = node.key_span if node is not None else None
                yield Hit(f"{pointer}/{escape(key)}", {"error": f"unknown key '{key}'"}, span=span)
            continue
        yield Hit(pointer, {"error": _friendly(error.message)})


def _unknown_keys(instance: dict[str, Any], schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    known = set(schema.get("properties", {}))
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    return [
        str(k) for k in instance if k not in known and not any(p.search(str(k)) for p in patterns)
    ]


def _friendly(message: str) -> str:
    if "Additional properties are not allowed" in message:
        return message.replace("Additional properties are not allowed", "unknown key")
    return message


@matcher("suppression")
def suppression(ctx: Context) -> Iterator[Hit]:
    """Problems with inline ignores (`options.problem`: no-reason, unknown-code, unused, malformed).

    Decided after every other policy has run (pipeline.suppression_findings), so this yields
    nothing here.
    """
    return iter(())
