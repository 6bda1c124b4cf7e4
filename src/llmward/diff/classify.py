"""Name what each artifact change means: one classifier per kind."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from llmward.diff import ArtifactDiff, Change
from llmward.diff.guardrails import classify as guardrail_changes
from llmward.diff.helpers import change
from llmward.diff.models import classify as model_changes
from llmward.diff.prompts import classify as prompt_changes

Classifier = Callable[[ArtifactDiff], Iterable[Change]]
CLASSIFIERS: dict[str, Classifier] = {
    "model": model_changes,
    "prompt": prompt_changes,
    "guardrail": guardrail_changes,
}


def classify(diff: ArtifactDiff) -> list[Change]:
    if diff.status == "added":
        return [change(diff, "artifact-added")]
    if diff.status == "removed":
        return [change(diff, "artifact-removed", at_base=True)]
    out: list[Change] = []
    if diff.old is not None and diff.new is not None and diff.old.path != diff.new.path:
        out.append(change(diff, "artifact-moved", "", diff.old.path, diff.new.path))
    if diff.old is not None and diff.new is not None:
        for env in sorted(set(diff.old.environments) - set(diff.new.environments)):
            out.append(change(diff, "left-environment", "", env, None, environment=env))
    if diff.status == "modified":
        typed = list(CLASSIFIERS[diff.kind](diff))
        out += typed + _untyped(diff, typed)
    return out


# Fields a classifier always accounts for, whether or not it named a change there: messages are
# paired by content (a removed message is "message-removed", not every later one shifting).
_COVERED: dict[str, tuple[str, ...]] = {"prompt": ("/messages",)}


def _untyped(diff: ArtifactDiff, typed: list[Change]) -> list[Change]:
    """Every field change no typed change covers: the diff never hides an edit."""
    covered = [c.pointer for c in typed] + list(_COVERED.get(diff.kind, ()))
    if any(c.type == "model-changed" for c in typed):
        covered += ["/model", "/provider"]
    rails = {m.group(0) for c in typed if (m := _RAIL.match(c.pointer))}
    out = []
    for f in diff.fields:
        if not any(
            f.pointer == p or f.pointer.startswith(p + "/") or p.startswith(f.pointer + "/")
            for p in covered
        ):
            rail = _RAIL.match(f.pointer)
            # a rail whose own change is already typed (its threshold, its action): a setting
            # that moved with it is shown, and scored once, by that change
            found = change(
                diff, "field-changed", f.pointer, f.old, f.new, at_base=f.new_span is None
            )
            if rail and rail.group(0) in rails:
                found = replace(found, details={**found.details, "rail_changed": True})
            out.append(found)
    return out


_RAIL = re.compile(r"^/(?:input|output)/\d+(?=/|$)")
