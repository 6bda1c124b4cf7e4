"""Model-pin matchers: version parsing, the allowlist, the deprecation catalog, threshold floors."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from llmward.policy.evaluate import Context, Hit
from llmward.policy.matchers import matcher

_DATED = re.compile(r"[-@]\d{8}(?:-v\d+(?::\d+)?)?$")  # `@`: Vertex writes claude-…@20250929
_CLAUDE = re.compile(
    r"claude-(?:(?P<fam1>opus|sonnet|haiku)-(?P<major>\d+)(?:[-.](?P<minor>\d{1,2}))?"
    r"|(?P<old_major>\d+)(?:[-.](?P<old_minor>\d))?-(?P<fam2>opus|sonnet|haiku))"
)


def anthropic_floats(model: str) -> bool:
    """Anthropic ids: `-latest` always floats; before generation 4.6 only dated ids are pinned."""
    name = (bedrock_model(model) or model).removeprefix("anthropic.")
    if name.endswith("-latest"):
        return True
    if _DATED.search(name):
        return False
    m = _CLAUDE.search(name)
    if m is None:
        return False  # not a Claude id we can judge; other policies see the provider
    major = int(m.group("major") or m.group("old_major"))
    minor = int(m.group("minor") or m.group("old_minor") or 0)
    return (major, minor) < (4, 6)


# Bedrock: cross-region inference profiles prefix the id with where requests may run
_ROUTING = re.compile(r"^(?:us|eu|apac|global|us-gov|jp|au|ca)\.(?=[a-z0-9-]+\.)")
_ARN = re.compile(r"^arn:aws[\w-]*:bedrock:[^:]*:[^:]*:(?P<type>[\w-]+)/(?P<rest>.+)$")
_VERSIONED = re.compile(r"-v\d+(?::\d+)?$|-\d+:\d+$")


def bedrock_model(model: str) -> str | None:
    """The foundation-model id a Bedrock reference names, without routing (`us.`, `global.`,
    an inference-profile ARN); None for an opaque one (application profile, provisioned model)."""
    m = _ARN.match(model)
    if m is not None:
        if m.group("type") not in ("inference-profile", "foundation-model"):
            return None
        model = m.group("rest")
    return _ROUTING.sub("", model.rsplit("/", 1)[-1])


def bedrock_floats(model: str) -> bool:
    """Bedrock ids: Claude by Anthropic's rule (dated, or 4.6+); others need a `-vN[:M]` suffix."""
    name = bedrock_model(model)
    if name is None or "." not in name:
        return False  # not a foundation-model id we can judge
    if name.startswith("anthropic.") and (name.endswith("-latest") or _CLAUDE.search(name)):
        return anthropic_floats(name)
    return not _VERSIONED.search(name)


@matcher("bedrock-floating-id")
def bedrock_floating_id(ctx: Context) -> Iterator[Hit]:
    for pointer, value in ctx.selected:
        if isinstance(value, str) and bedrock_floats(value):
            yield Hit(pointer)


@matcher("anthropic-floating-alias")
def anthropic_floating_alias(ctx: Context) -> Iterator[Hit]:
    for pointer, value in ctx.selected:
        if isinstance(value, str) and anthropic_floats(value):
            yield Hit(pointer)


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


@matcher("model-not-allowed")
def model_not_allowed(ctx: Context) -> Iterator[Hit]:
    """Provider or model outside `allow.providers` / `allow.models` (globs over provider/model)."""
    pin, allow = ctx.artifact, ctx.config.allow
    if pin is None:
        return
    provider, model = pin.get("provider"), pin.get("model")
    if not isinstance(provider, str) or not isinstance(model, str):
        return
    if allow.providers is not None and provider not in allow.providers:
        yield Hit(pin.pointer + "/provider", {"reason": "provider is not on the allowlist"})
    elif allow.models is not None and not any(
        _glob(p).match(f"{provider}/{model}") for p in allow.models
    ):
        yield Hit(pin.pointer + "/model", {"reason": "model is not on the allowlist"})


def catalog_entry(catalog: Any, provider: str, model: str) -> Mapping[str, Any] | None:
    name = model.rsplit("/", 1)[-1] if provider != "huggingface" else model
    for entry in catalog:
        ids = {entry["id"], *entry.get("aliases", ())}
        if entry.get("provider") == provider and name in ids:
            return dict(entry)
    return None


@matcher("deprecated-model")
def deprecated_model(ctx: Context) -> Iterator[Hit]:
    """A pin whose model the catalog lists as deprecated or retired (with the source URL)."""
    pin = ctx.artifact
    statuses = set(ctx.options.get("status", ("deprecated", "retired")))
    if pin is None or not isinstance(pin.get("model"), str):
        return
    entry = catalog_entry(ctx.extras.get("catalog", ()), str(pin.get("provider")), pin.get("model"))
    if entry is None or entry.get("status") not in statuses:
        return
    date = entry.get("retired_at") or entry.get("shutdown_at") or entry.get("deprecated_at") or "?"
    yield Hit(
        pin.pointer + "/model",
        {
            "status": entry["status"],
            "date": date,
            "source": entry.get("source_url", ""),
            "replacement": entry.get("replacement") or "a supported model",
        },
    )


@matcher("threshold-floor")
def threshold_floor(ctx: Context) -> Iterator[Hit]:
    """A rail threshold looser (higher) than the configured floor for its type."""
    floors = ctx.config.guardrails.threshold_floor
    if not floors:
        return
    for pointer, rail in ctx.selected:
        if not isinstance(rail, dict):
            continue
        threshold, kind = rail.get("threshold"), rail.get("type")
        floor = floors.get(str(kind), floors.get("default"))
        if floor is None or isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            continue
        if threshold > floor:
            yield Hit(pointer + "/threshold", {"floor": floor, "type": kind})
