"""Evaluate policies against documents and artifacts. Pure: data in, findings out."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmward.config import Config
from llmward.findings import Finding, value_hash
from llmward.parse.document import Document, Span, resolve, split_pointer
from llmward.policy.model import ChangeMatch, MatcherMatch, Policy, SchemaMatch
from llmward.policy.select import patterns, select
from llmward.repository import Artifact, Condition

_MISSING: Any = object()


@dataclass(frozen=True)
class Hit:
    """What a matcher reports: a place, and the fields its message may name."""

    pointer: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    span: Span | None = None
    value: Any = _MISSING
    condition: Condition = ()  # decided later against the whole repository (RepoIndex.holds)


@dataclass(frozen=True)
class Context:
    doc: Document
    artifact: Artifact | None
    config: Config
    options: Mapping[str, Any]
    selected: tuple[tuple[str, Any], ...]
    extras: Mapping[str, Any] = field(default_factory=dict)


Matcher = Callable[[Context], Iterable[Hit]]


@dataclass(frozen=True)
class MatcherSpec:
    fn: Matcher


@dataclass
class Compiled:
    """A policy ready to run. Its schemas compile on first use: a pre-commit run that checks one
    prompt never pays for the guardrail policies."""

    policy: Policy
    source: str
    severity: str
    matcher: MatcherSpec | None = None
    trusted: bool = True  # a built-in policy; a user pack's patterns run on RE2 (safe_regex.py)
    _when: Callable[[Any], bool] | None = None
    _check: Callable[[Any], bool] | None = None

    def when(self, value: Any) -> bool:
        schema = self.policy.match.when
        if schema is None:
            return True
        if self._when is None:
            self._when = compile_schema(schema, safe=not self.trusted)
        return self._when(value)

    def warm(self) -> None:
        """Compile now: before forking workers, so each does not compile its own copy."""
        match = self.policy.match
        if match.when is not None and self._when is None:
            self._when = compile_schema(match.when, safe=not self.trusted)
        if isinstance(match, SchemaMatch) and self._check is None:
            self._check = compile_schema(match.schema, safe=not self.trusted)

    def check(self, value: Any) -> bool:
        assert isinstance(self.policy.match, SchemaMatch)
        if self._check is None:
            self._check = compile_schema(self.policy.match.schema, safe=not self.trusted)
        return self._check(value)


def schema_problem(schema: Mapping[str, Any], *, safe: bool = False) -> str | None:
    """None if `schema` is a valid draft-07 schema that compiles, else why not."""
    from jsonschema import Draft7Validator, SchemaError

    try:
        Draft7Validator.check_schema(schema)
        compile_schema(schema, safe=safe)
    except SchemaError as err:
        return err.message
    except Exception as err:
        return f"{type(err).__name__}: {err}"
    return None


def compile_schema(schema: Mapping[str, Any], *, safe: bool = False) -> Callable[[Any], bool]:
    """A fast validity check. `safe`: patterns run on RE2 (linear time), for user packs."""
    import fastjsonschema

    formats: dict[str, Callable[[str], bool]] = {}
    if safe:
        from llmward.policy.safe_regex import rewrite

        schema = rewrite(schema, formats)
    validate = fastjsonschema.compile(dict(schema), use_default=False, formats=formats)

    def is_valid(value: Any) -> bool:
        try:
            validate(value)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return is_valid


def _on_strings(check: Callable[[str], bool]) -> Callable[[object], bool]:
    """`format` applies to strings only; anything else passes, as JSON Schema says."""
    return lambda value: not isinstance(value, str) or check(value)


def explain(
    schema: Mapping[str, Any], value: Any, *, safe: bool = False
) -> list[tuple[list[str | int], str]]:
    """(relative path, message) for each way `value` fails `schema`; jsonschema only here."""
    from jsonschema import Draft7Validator, FormatChecker

    checker = None
    if safe:
        from llmward.policy.safe_regex import friendly, rewrite

        formats: dict[str, Callable[[str], bool]] = {}
        schema = rewrite(schema, formats)
        checker = FormatChecker(formats=())
        for name, check in formats.items():
            checker.checks(name)(_on_strings(check))
        validator = Draft7Validator(schema, format_checker=checker)
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        return [(list(e.path), friendly(e.message)) for e in errors]
    errors = sorted(Draft7Validator(schema).iter_errors(value), key=lambda e: list(e.path))
    return [(list(e.path), e.message) for e in errors]


def run_policy(
    compiled: Compiled,
    doc: Document,
    artifact: Artifact | None,
    config: Config,
    extras: Mapping[str, Any],
) -> list[Finding]:
    policy = compiled.policy
    root: Any = artifact.data if artifact is not None else doc.data
    base = artifact.pointer if artifact is not None else ""
    scope = _environment_condition(policy, artifact)
    if scope is None or not compiled.when(root):
        return []
    assert not isinstance(policy.match, ChangeMatch)  # change policies run in `llmward diff`
    selected = tuple(
        hit for pattern in patterns(policy.match.select) for hit in select(root, pattern, base)
    )
    if isinstance(policy.match, SchemaMatch):
        hits = _schema_hits(compiled, policy.match, selected)
    else:
        assert compiled.matcher is not None and isinstance(policy.match, MatcherMatch)
        ctx = Context(doc, artifact, config, policy.match.options, selected, extras)
        hits = list(compiled.matcher.fn(ctx))
    return _findings(compiled, doc, artifact, hits, scope)


def _environment_condition(policy: Policy, artifact: Artifact | None) -> Condition | None:
    """() when the policy applies, None when it cannot, or a condition for guardrails, whose
    environments come from the prompts they protect (known only once every file is read)."""
    if not policy.environments:
        return ()
    if artifact is None:
        return None
    if set(artifact.environments) & set(policy.environments):
        return ()
    if artifact.kind == "guardrail":
        return ("serves", artifact.id, artifact.strings("applies_to"), policy.environments)
    return None


def _schema_hits(
    compiled: Compiled, match: SchemaMatch, selected: tuple[tuple[str, Any], ...]
) -> list[Hit]:
    hits: list[Hit] = []
    for pointer, value in selected:
        if compiled.check(value):
            continue
        reasons = explain(match.schema, value, safe=not compiled.trusted) or [
            ([], "does not match the policy")
        ]
        for path, message in reasons:
            sub = pointer + "".join(
                "/" + str(p).replace("~", "~0").replace("/", "~1") for p in path
            )
            hits.append(Hit(sub, {"error": message}))
    return hits


def _findings(
    compiled: Compiled,
    doc: Document,
    artifact: Artifact | None,
    hits: Iterable[Hit],
    scope: Condition,
) -> list[Finding]:
    policy = compiled.policy
    out: dict[tuple[str, int, int], Finding] = {}
    for hit in hits:
        value = hit.value
        if value is _MISSING:
            try:
                value = resolve(doc.data, hit.pointer)
            except KeyError:
                value = None
        span = hit.span or doc.location(hit.pointer)
        fields = _fields(artifact, doc, hit, value)
        message = render(policy.message, fields)
        # a finding about a whole mapping or list (a missing key, a missing rail) stays the same
        # finding while other parts of that block change: its identity is what it says
        identity = [policy.code, message] if isinstance(value, (dict, list)) else value
        finding = Finding(
            path=doc.path,
            line=span.line,
            col=span.col,
            code=policy.code,
            end_line=span.end_line,
            end_col=span.end_col,
            severity=compiled.severity,
            message=message,
            policy=policy.id,
            pointer=hit.pointer,
            artifact=artifact.key if artifact is not None else "",
            value_hash=value_hash(identity),
            condition=_both(scope, hit.condition),
            anchor=doc.key_line(hit.pointer) or span.line,
        )
        out.setdefault((hit.pointer, span.line, span.col), finding)
    return list(out.values())


def _both(first: Condition, second: Condition) -> Condition:
    if first and second:
        return ("all", first, second)
    return first or second


def _fields(artifact: Artifact | None, doc: Document, hit: Hit, value: Any) -> dict[str, Any]:
    tokens = split_pointer(hit.pointer)
    fields: dict[str, Any] = {
        "path": doc.path,
        "pointer": hit.pointer or "/",
        "key": tokens[-1] if tokens else "",
        "value": value,
        "id": artifact.id if artifact else "",
        "kind": artifact.kind if artifact else "",
    }
    if artifact is not None:
        for name in ("provider", "model"):
            if isinstance(artifact.data.get(name), str):
                fields[name] = artifact.data[name]
    fields.update(hit.fields)
    return fields


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def render(template: str, fields: Mapping[str, Any]) -> str:
    """Fill {name} placeholders. Only plain names: no attribute access, no format specs."""

    def one(m: re.Match[str]) -> str:
        value = fields.get(m.group(1), m.group(0))
        text = value if isinstance(value, str) else _short(value)
        return text if len(text) <= 120 else text[:117] + "..."

    return _PLACEHOLDER.sub(one, template)


def _short(value: Any) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        return repr(value)
