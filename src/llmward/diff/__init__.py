"""Semantic diff of artifacts between two snapshots. Pure: takes artifacts, returns changes.

Artifacts are paired by kind + id (falling back to the path), so a moved or renamed file is a
modification, never an add and a delete. For each pair, every field that differs is listed with its
JSON pointer, both values and its position at both refs; then classifiers, one per kind, name what
the change means (a threshold loosened, a pin made floating, an untrusted input moved into the
system message...). Change policies (policies/changes/) give those changes their risk points.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmward.parse.document import Span, escape
from llmward.repository import Artifact


@dataclass(frozen=True)
class FieldChange:
    pointer: str  # relative to the artifact
    old: Any
    new: Any
    old_span: Span | None
    new_span: Span | None


@dataclass(frozen=True)
class Change:
    """One meaningful change, as change policies see it (see `record()`)."""

    type: str  # e.g. "threshold-loosened"
    kind: str  # artifact kind, or "config" / "policy"
    artifact: str  # the artifact id (or the file, for config and policy changes)
    path: str  # where it is now (where it was, when removed)
    pointer: str = ""  # relative to the artifact
    old: Any = None
    new: Any = None
    span: Span | None = None  # at head
    old_span: Span | None = None  # at base
    environments: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The JSON shape change policies match with `when` schemas."""
        out: dict[str, Any] = {
            "type": self.type,
            "kind": self.kind,
            "artifact": self.artifact,
            "path": self.path,
            "pointer": self.pointer,
            "old": self.old,
            "new": self.new,
            "environments": list(self.environments),
            **dict(self.details),
        }
        if _number(self.old) and _number(self.new):
            out["delta"] = round(self.new - self.old, 10)
        return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class ArtifactDiff:
    status: str  # added | removed | modified | renamed | unchanged
    kind: str
    id: str
    old: Artifact | None
    new: Artifact | None
    fields: tuple[FieldChange, ...] = ()
    changes: tuple[Change, ...] = ()

    @property
    def path(self) -> str:
        artifact = self.new or self.old
        assert artifact is not None
        return artifact.path


def identity(artifact: Artifact) -> tuple[str, str]:
    return artifact.kind, artifact.id


def diff_artifacts(old: Iterable[Artifact], new: Iterable[Artifact]) -> list[ArtifactDiff]:
    """Pair artifacts by identity and diff each pair; sorted by kind, id."""
    from llmward.diff.classify import classify

    before = {identity(a): a for a in old}
    after = {identity(a): a for a in new}
    out = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        fields = tuple(field_changes(a, b)) if a is not None and b is not None else ()
        status = _status(a, b, fields)
        diff = ArtifactDiff(status, key[0], key[1], a, b, fields)
        out.append(ArtifactDiff(status, key[0], key[1], a, b, fields, tuple(classify(diff))))
    return out


def _status(a: Artifact | None, b: Artifact | None, fields: tuple[FieldChange, ...]) -> str:
    if a is None:
        return "added"
    if b is None:
        return "removed"
    if fields:
        return "modified"
    return "renamed" if a.path != b.path else "unchanged"


def field_changes(a: Artifact, b: Artifact) -> Iterable[FieldChange]:
    for pointer, old, new in _walk(a.data, b.data, ""):
        old_span = a.doc.location(a.pointer + pointer) if old is not _ABSENT else None
        new_span = b.doc.location(b.pointer + pointer) if new is not _ABSENT else None
        yield FieldChange(pointer, _value(old), _value(new), old_span, new_span)


_ABSENT: Any = object()


def _value(value: Any) -> Any:
    return None if value is _ABSENT else value


def _walk(old: Any, new: Any, pointer: str) -> Iterable[tuple[str, Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys(), key=str):
            yield from _walk(
                old.get(key, _ABSENT), new.get(key, _ABSENT), f"{pointer}/{escape(key)}"
            )
    elif isinstance(old, list) and isinstance(new, list):
        for old_key, new_key, a, b in _pair_items(old, new):
            key = new_key if new_key is not None else old_key
            yield from _walk(a, b, f"{pointer}/{key}")
    elif old != new or type(old) is not type(new):
        yield pointer, old, new


def _pair_items(old: list[Any], new: list[Any]) -> Iterable[tuple[Any, Any, Any, Any]]:
    """Pair list items by a unique `id` / `name` / `type` where items have one, else by index."""
    key = _item_key(old, new)
    if key is None:
        for i in range(max(len(old), len(new))):
            a = old[i] if i < len(old) else _ABSENT
            b = new[i] if i < len(new) else _ABSENT
            yield (i if a is not _ABSENT else None), (i if b is not _ABSENT else None), a, b
        return
    old_at = {item[key]: i for i, item in enumerate(old)}
    new_at = {item[key]: i for i, item in enumerate(new)}
    for name in sorted(old_at.keys() | new_at.keys(), key=str):
        at_old, at_new = old_at.get(name), new_at.get(name)
        a = old[at_old] if at_old is not None else _ABSENT
        b = new[at_new] if at_new is not None else _ABSENT
        yield at_old, at_new, a, b


def _item_key(old: list[Any], new: list[Any]) -> str | None:
    items = old + new
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in ("id", "name", "type"):
        if all(isinstance(i.get(key), str) for i in items) and all(
            len({i[key] for i in side}) == len(side) for side in (old, new)
        ):
            return key
    return None
