"""Matchers that resolve references across the whole repository (decided by RepoIndex.holds)."""

from __future__ import annotations

from collections.abc import Iterator

from llmward.policy.evaluate import Context, Hit
from llmward.policy.matchers import matcher


@matcher("unknown-reference")
def unknown_reference(ctx: Context) -> Iterator[Hit]:
    """Selected ids that name no artifact of kind `options.target` anywhere in the repository."""
    target = str(ctx.options.get("target", ""))
    for pointer, value in ctx.selected:
        if isinstance(value, str):
            yield Hit(pointer, {"target": target}, condition=("missing", target, value))


@matcher("prompt-without-guardrail")
def prompt_without_guardrail(ctx: Context) -> Iterator[Hit]:
    """A prompt no existing guardrail is attached to, from either side (guardrails, applies_to)."""
    prompt = ctx.artifact
    if prompt is None:
        return
    pointer = "/guardrails" if "guardrails" in prompt.data else "/id"
    yield Hit(
        prompt.pointer + pointer, condition=("unguarded", prompt.id, prompt.strings("guardrails"))
    )


@matcher("duplicate-id")
def duplicate_id(ctx: Context) -> Iterator[Hit]:
    """The same kind and id defined more than once: references to it become ambiguous."""
    artifact = ctx.artifact
    if artifact is not None and isinstance(artifact.data.get("id"), str):
        yield Hit(artifact.pointer + "/id", condition=("duplicate", artifact.kind, artifact.id))
