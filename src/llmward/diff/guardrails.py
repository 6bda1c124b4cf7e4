"""Guardrail changes: rails added, removed, disabled; thresholds; actions; fail-open; coverage.

Every native rail is a detector that fires when its score reaches the threshold, so a higher
threshold is looser. Actions rank block > redact > warn.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from llmward.diff import ArtifactDiff, Change
from llmward.diff.helpers import change, listed, number, strings

ACTION_RANK = {"block": 3, "redact": 2, "warn": 1}
STAGES = ("input", "output")


def classify(diff: ArtifactDiff) -> Iterator[Change]:
    assert diff.old is not None and diff.new is not None
    old, new = diff.old.data, diff.new.data
    for stage in STAGES:
        yield from _rails(diff, stage, listed(old.get(stage)), listed(new.get(stage)))
    yield from _on_error(diff, old.get("on_error", "block"), new.get("on_error", "block"))
    yield from _coverage(diff, strings(old.get("applies_to")), strings(new.get("applies_to")))


def rail_keys(rails: list[Any]) -> dict[str, int]:
    """A rail's identity: its id, else its type (numbered when a type repeats)."""
    out: dict[str, int] = {}
    for index, rail in enumerate(rails):
        if not isinstance(rail, dict):
            continue
        base = str(rail.get("id") or rail.get("type"))
        key, n = base, 1
        while key in out:
            n += 1
            key = f"{base}#{n}"
        out[key] = index
    return out


def _named(rail: Any, found: Change) -> Change:
    """The change, with the rail's own name when it has one (a NeMo flow, a LiteLLM guardrail,
    an LLM Guard scanner, a Guardrails AI validator): a reviewer knows the rail by it."""
    name = rail.get("id") if isinstance(rail, dict) else None
    if not isinstance(name, str) or not name:
        return found
    return replace(found, details={**found.details, "rail_id": name})


def _rails(diff: ArtifactDiff, stage: str, old: list[Any], new: list[Any]) -> Iterator[Change]:
    before, after = rail_keys(old), rail_keys(new)
    for key in sorted(before.keys() - after.keys()):
        rail = old[before[key]]
        yield _named(
            rail,
            change(
                diff,
                "rail-removed",
                f"/{stage}/{before[key]}",
                rail,
                None,
                at_base=True,
                stage=stage,
                rail_type=rail.get("type"),
            ),
        )
    for key in sorted(after.keys() - before.keys()):
        rail = new[after[key]]
        yield _named(
            rail,
            change(
                diff,
                "rail-added",
                f"/{stage}/{after[key]}",
                None,
                rail,
                stage=stage,
                rail_type=rail.get("type"),
            ),
        )
    for key in sorted(before.keys() & after.keys()):
        yield from _rail(diff, stage, (before[key], after[key]), old[before[key]], new[after[key]])


def _rail(
    diff: ArtifactDiff, stage: str, at: tuple[int, int], a: dict[str, Any], b: dict[str, Any]
) -> Iterator[Change]:
    """Changes within one rail; `at` is its (base, head) index."""
    for kind, field, old, new in _rail_changes(a, b):
        yield change(
            diff,
            kind,
            f"/{stage}/{at[1]}/{field}",
            old,
            new,
            old_pointer=f"/{stage}/{at[0]}/{field}",
            stage=stage,
            rail_type=b.get("type"),
        )


def _rail_changes(a: dict[str, Any], b: dict[str, Any]) -> Iterator[tuple[str, str, Any, Any]]:
    was, now = a.get("enabled", True) is not False, b.get("enabled", True) is not False
    if was != now:
        kind = "rail-disabled" if was else "rail-enabled"
        yield kind, "enabled", a.get("enabled", True), b.get("enabled", True)
    t0, t1 = a.get("threshold"), b.get("threshold")
    if number(t0) and number(t1) and t0 != t1:
        yield ("threshold-loosened" if t1 > t0 else "threshold-tightened"), "threshold", t0, t1
    elif number(t0) != number(t1):
        yield "threshold-changed", "threshold", t0, t1
    act0, act1 = a.get("action", "block"), b.get("action", "block")
    r0, r1 = ACTION_RANK.get(act0, 0), ACTION_RANK.get(act1, 0)
    if r0 != r1:
        yield ("action-weakened" if r1 < r0 else "action-strengthened"), "action", act0, act1


def _on_error(diff: ArtifactDiff, old: Any, new: Any) -> Iterator[Change]:
    if old != new:
        kind = "fail-open" if new == "allow" else "fail-closed"
        yield change(diff, kind, "/on_error", old, new)


def _coverage(diff: ArtifactDiff, old: list[str], new: list[str]) -> Iterator[Change]:
    for prompt in sorted(set(old) - set(new)):
        yield change(
            diff,
            "guardrail-detached",
            f"/applies_to/{old.index(prompt)}",
            prompt,
            None,
            at_base=True,
            prompt=prompt,
        )
    for prompt in sorted(set(new) - set(old)):
        yield change(
            diff,
            "guardrail-attached",
            f"/applies_to/{new.index(prompt)}",
            None,
            prompt,
            prompt=prompt,
        )
