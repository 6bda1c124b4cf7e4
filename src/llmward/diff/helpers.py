"""What the per-kind classifiers share."""

from __future__ import annotations

from typing import Any, TypeGuard

from llmward.diff import ArtifactDiff, Change


def change(
    diff: ArtifactDiff,
    type_: str,
    pointer: str = "",
    old: Any = None,
    new: Any = None,
    *,
    at_base: bool = False,
    old_pointer: str | None = None,
    **details: Any,
) -> Change:
    """A Change placed at `pointer` in the new artifact (or the old one, for what was removed);
    `old_pointer` is where the same value sat at base, when its index moved."""
    a, b = diff.old, diff.new
    envs = set(a.environments if a else ()) | set(b.environments if b else ())
    span = b.doc.location(b.pointer + pointer) if b is not None and not at_base else None
    old_span = a.doc.location(a.pointer + (old_pointer or pointer)) if a is not None else None
    path = b.path if b is not None and not at_base else (a.path if a is not None else "")
    return Change(
        type_,
        diff.kind,
        diff.id,
        path,
        pointer,
        old,
        new,
        span,
        old_span,
        tuple(sorted(envs)),
        details,
    )


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def strings(value: Any) -> list[str]:
    return [v for v in listed(value) if isinstance(v, str)]


def number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
