"""Model pin changes: the model, its immutability, revision and digest, parameters, fallbacks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llmward import pins
from llmward.diff import ArtifactDiff, Change
from llmward.diff.helpers import change, number, strings
from llmward.indirection import indirection


def classify(diff: ArtifactDiff) -> Iterator[Change]:
    assert diff.old is not None and diff.new is not None
    old, new = diff.old.data, diff.new.data
    yield from _model(diff, old, new)
    yield from _pinning(diff, old, new)
    for key in ("revision", "digest"):
        if old.get(key) != new.get(key) and new.get(key) is not None and old.get(key) is not None:
            yield change(diff, f"{key}-changed", f"/{key}", old.get(key), new.get(key))
    yield from _params(diff, _dict(old.get("params")), _dict(new.get("params")))
    yield from _fallbacks(diff, strings(old.get("fallbacks")), strings(new.get("fallbacks")))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _model(diff: ArtifactDiff, old: Any, new: Any) -> Iterator[Change]:
    old_id = f"{old.get('provider')}/{old.get('model')}"
    new_id = f"{new.get('provider')}/{new.get('model')}"
    if old_id == new_id:
        return
    if old.get("provider") != new.get("provider"):
        scope = "other-provider"
    elif pins.family(str(old.get("model"))) != pins.family(str(new.get("model"))):
        scope = "other-family"
    else:
        scope = "same-family"
    pointer = "/model" if old.get("model") != new.get("model") else "/provider"
    yield change(diff, "model-changed", pointer, old_id, new_id, scope=scope)


def _floating(data: Any) -> bool:
    model = str(data.get("model"))
    if "*" in model or any(indirection(data.get(k)) for k in ("model", "deployment", "revision")):
        return True  # chosen outside the repository (PIN015, PIN016)
    return pins.floating(
        str(data.get("provider")), str(data.get("model")), data.get("revision"), data.get("digest")
    )


def _pinning(diff: ArtifactDiff, old: Any, new: Any) -> Iterator[Change]:
    before, after = _floating(old), _floating(new)
    if before != after:
        kind = "pin-made-floating" if after else "pin-made-immutable"
        yield change(diff, kind, "/model", old.get("model"), new.get("model"))


def _params(diff: ArtifactDiff, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        pointer = f"/params/{name}"
        if name not in new:
            yield change(diff, "param-removed", pointer, a, None, param=name, at_base=True)
        elif name not in old:
            yield change(diff, "param-added", pointer, None, b, param=name)
        elif number(a) and number(b) and a != b:
            kind = "param-raised" if b > a else "param-lowered"
            yield change(diff, kind, pointer, a, b, param=name)
        elif a != b:
            yield change(diff, "param-changed", pointer, a, b, param=name)


def _fallbacks(diff: ArtifactDiff, old: list[str], new: list[str]) -> Iterator[Change]:
    for item in sorted(set(new) - set(old)):
        yield change(diff, "fallback-added", f"/fallbacks/{new.index(item)}", None, item)
    for item in sorted(set(old) - set(new)):
        pointer = f"/fallbacks/{old.index(item)}"
        yield change(diff, "fallback-removed", pointer, item, None, at_base=True)
