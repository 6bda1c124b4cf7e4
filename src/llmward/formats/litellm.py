"""LiteLLM proxy `config.yaml`: `model_list` routes and `guardrails`.

Each `model_list` entry is a model pin: its id is the route (`model_name`, the name applications
call) under the file's id, so a route pointing at a new underlying model is a change to the same
pin. Entries repeating a `model_name` form a load-balanced group: `name`, `name/2`, ... in order.
`litellm_params.model` is `provider/model` (wildcards such as `openai/*` route any model of the
provider). Fallbacks come from `router_settings` / `litellm_settings` (`fallbacks`,
`context_window_fallbacks`), mapped to the ids of the routes they name.

`guardrails:` becomes one guardrail config for the file: `pre_call` and `during_call` guardrails
are input rails, `post_call` ones output rails; `default_on: false` (LiteLLM's default) is a rail
that runs only when a request asks for it, so it reads as disabled.
Docs: docs.litellm.ai/docs/proxy/configs, docs.litellm.ai/docs/proxy/guardrails/quick_start.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from llmward.formats import Files, Projection, Reading
from llmward.formats._build import Where, path_id, project, safe_id, subtree, text_at
from llmward.formats.providers import split_slash
from llmward.parse.document import Document
from llmward.parse.yaml_doc import load_yaml

NAME = "litellm"
_SNIFF = re.compile(r"^(?:model_list|litellm_settings|router_settings)\s*:", re.M)
_GUARDS = re.compile(r"^guardrails\s*:", re.M)

SAMPLING = ("temperature", "top_p", "max_tokens", "seed", "frequency_penalty", "presence_penalty")
# what a reviewer needs beside the pin itself: where requests go and how keys are read
KEPT = ("api_base", "api_key", "region_name", "aws_region_name", "base_model", "rpm", "tpm")


def sniff(path: str, head: str) -> bool:
    return bool(_SNIFF.search(head)) or (
        bool(_GUARDS.search(head)) and "guardrail_name" in head and "litellm_params" in head
    )


def read(path: str, text: str, files: Files) -> Reading:
    doc = load_yaml(path, text)
    data = doc.data
    if not doc.ok or not isinstance(data, dict):
        return Reading(doc, format="litellm")
    base = path_id(path, ".yaml", ".yml", ".json")
    projections = []
    pins = _pins(doc, data, base)
    if pins is not None:
        projections.append(Projection("model", pins))
    guards = _guardrails(doc, data, base)
    if guards is not None:
        projections.append(Projection("guardrail", guards))
    return Reading(doc, tuple(projections), format="litellm")


def _route_ids(entries: list[Any], base: str) -> list[str | None]:
    seen: Counter[str] = Counter()
    ids: list[str | None] = []
    for entry in entries:
        name = entry.get("model_name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            ids.append(None)
            continue
        seen[name] += 1
        suffix = "" if seen[name] == 1 else f"/{seen[name]}"
        ids.append(f"{base}/{safe_id(name)}{suffix}")
    return ids


def _pins(doc: Document, data: dict[str, Any], base: str) -> Document | None:
    entries = data.get("model_list")
    if not isinstance(entries, list):
        return None
    ids = _route_ids(entries, base)
    first: dict[str, str] = {}  # model_name -> id of its first route: fallbacks name groups
    for entry, id_ in zip(entries, ids, strict=True):
        if id_ is not None:
            first.setdefault(entry["model_name"], id_)
    fallbacks = _fallbacks(data)
    models: list[dict[str, Any]] = []
    where: Where = {"/models": "/model_list"}
    for index, (entry, id_) in enumerate(zip(entries, ids, strict=True)):
        if id_ is None:
            continue
        out = f"/models/{len(models)}"
        src = f"/model_list/{index}"
        pin = _pin(doc, entry, src, out, id_=id_, where=where)
        chain = fallbacks.get(entry["model_name"])
        if chain is not None:
            pin["fallbacks"] = [first.get(name, f"{base}/{safe_id(name)}") for name in chain[0]]
            subtree(where, doc, f"{out}/fallbacks", chain[1])
        models.append(pin)
    if not models:
        return None
    return project(doc, {"models": models}, where)


def _pin(
    doc: Document, entry: dict[str, Any], src: str, out: str, *, id_: str, where: Where
) -> dict[str, Any]:
    params = entry.get("litellm_params")
    params = params if isinstance(params, dict) else {}
    ref = params.get("model")
    ref = ref if isinstance(ref, str) else ""
    provider, model = split_slash(ref) if ref else ("unknown", "")
    where[out] = src
    where[f"{out}/id"] = f"{src}/model_name"
    where[f"{out}/provider"] = f"{src}/litellm_params/model"
    where[f"{out}/model"] = f"{src}/litellm_params/model"
    pin: dict[str, Any] = {"id": id_, "provider": provider, "model": model or ref}
    if provider == "azure":
        pin["deployment"] = model
        where[f"{out}/deployment"] = f"{src}/litellm_params/model"
    version = params.get("api_version")
    if version is not None:
        pin["api_version"] = str(text_at(doc, f"{src}/litellm_params/api_version", version))
        where[f"{out}/api_version"] = f"{src}/litellm_params/api_version"
    sampling = {k: params[k] for k in SAMPLING if k in params}
    if sampling:
        pin["params"] = sampling
        where[f"{out}/params"] = f"{src}/litellm_params"
        for key in sampling:
            where[f"{out}/params/{key}"] = f"{src}/litellm_params/{key}"
    metadata: dict[str, Any] = {"format": "litellm", "model_name": entry["model_name"]}
    where[f"{out}/metadata/model_name"] = f"{src}/model_name"
    for key in KEPT:
        if key in params:
            metadata[key] = text_at(doc, f"{src}/litellm_params/{key}", params[key])
            where[f"{out}/metadata/{key}"] = f"{src}/litellm_params/{key}"
    if "*" in ref:
        metadata["wildcard"] = True
        where[f"{out}/metadata/wildcard"] = f"{src}/litellm_params/model"
    pin["metadata"] = metadata
    where[f"{out}/metadata"] = src
    return pin


def _fallbacks(data: dict[str, Any]) -> dict[str, tuple[list[str], str]]:
    """model_name -> (the names it falls back to, the source pointer of that list)."""
    found: dict[str, tuple[list[str], str]] = {}
    for section in ("router_settings", "litellm_settings"):
        settings = data.get(section)
        if not isinstance(settings, dict):
            continue
        for key in ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks"):
            rules = settings.get(key)
            if not isinstance(rules, list):
                continue
            for i, rule in enumerate(rules):
                if not isinstance(rule, dict):
                    continue
                for name, chain in rule.items():
                    if isinstance(chain, list) and name not in found:
                        names = [c for c in chain if isinstance(c, str)]
                        found[name] = (names, f"/{section}/{key}/{i}/{_esc(name)}")
    return found


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# ---- guardrails --------------------------------------------------------------------------------

# vendor guardrail -> the rail type llmward's policies know
_RAIL_TYPES = {
    "lakera": "prompt_injection",
    "lakera_v2": "prompt_injection",
    "aporia": "prompt_injection",
    "prompt_injection": "prompt_injection",
    "detect_prompt_injection": "prompt_injection",
    "azure/prompt_shield": "prompt_injection",
    "presidio": "pii",
    "hide-secrets": "secrets",
    "hide_secrets": "secrets",
    "secret_detection": "secrets",
    "openai_moderation": "toxicity",
    "llamaguard": "toxicity",
    "llama_guard": "toxicity",
    "azure/text_moderations": "toxicity",
    "bedrock": "content_safety",
    "guardrails_ai": "content_safety",
    "litellm_content_filter": "content_filter",
    "lasso": "prompt_injection",
    "pangea": "content_safety",
}
# which side a mode guards: `post_*` modes see the response, every other one the request
# (`pre_call`, `during_call`, `pre_mcp_call`, `during_mcp_call`); `logging_only` only watches
_MONITOR_MODES = frozenset({"logging_only"})


def _input_mode(mode: str) -> bool:
    return not mode.startswith("post")


def _guardrails(doc: Document, data: dict[str, Any], base: str) -> Document | None:
    entries = data.get("guardrails")
    if not isinstance(entries, list) or not entries:
        return None
    rails: dict[str, list[dict[str, Any]]] = {"input": [], "output": []}
    where: Where = {"/id": "/guardrails"}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        src = f"/guardrails/{index}"
        params = entry.get("litellm_params")
        params = params if isinstance(params, dict) else {}
        modes = params.get("mode", "pre_call")
        mode_list = [
            m for m in (modes if isinstance(modes, list) else [modes]) if isinstance(m, str)
        ]
        for side in ("input", "output"):
            wanted = [m for m in mode_list if _input_mode(m) == (side == "input")]
            if wanted:
                out = f"/{side}/{len(rails[side])}"
                rails[side].append(_rail(doc, entry, src, out, modes=wanted, where=where))
    guard: dict[str, Any] = {"id": f"{base}/guardrails", "metadata": {"format": "litellm"}}
    for side in ("input", "output"):
        if rails[side]:
            guard[side] = rails[side]
            where[f"/{side}"] = "/guardrails"
    return project(doc, guard, where)


def _rail(
    doc: Document, entry: dict[str, Any], src: str, out: str, *, modes: list[str], where: Where
) -> dict[str, Any]:
    params = entry.get("litellm_params")
    params = params if isinstance(params, dict) else {}
    vendor = params.get("guardrail")
    vendor = vendor if isinstance(vendor, str) else "unknown"
    name = entry.get("guardrail_name")
    on = params.get("default_on", False)
    rail: dict[str, Any] = {
        "type": _RAIL_TYPES.get(vendor.lower(), safe_id(vendor.lower()).replace("/", "_")),
        "enabled": on is True,
        "action": "warn" if set(modes) <= _MONITOR_MODES else _action(params),
        "options": {"guardrail": vendor, "mode": modes},
    }
    where[out] = src
    where[f"{out}/type"] = f"{src}/litellm_params/guardrail"
    where[f"{out}/enabled"] = f"{src}/litellm_params/default_on"
    if "default_on" not in params:
        where[f"{out}/enabled"] = f"{src}/guardrail_name"
    where[f"{out}/options"] = f"{src}/litellm_params"
    if isinstance(name, str):
        rail["id"] = name
        where[f"{out}/id"] = f"{src}/guardrail_name"
    key = "threshold" if "threshold" in params else "category_threshold"
    threshold = params.get(key)
    if isinstance(threshold, (int, float)) and not isinstance(threshold, bool):
        rail["threshold"] = float(threshold)
        where[f"{out}/threshold"] = f"{src}/litellm_params/{key}"
    for key in ("pii_entities_config", "categories"):
        if key in params:
            rail["options"][key] = params[key]
            subtree(where, doc, f"{out}/options/{key}", f"{src}/litellm_params/{key}")
    return rail


def _action(params: dict[str, Any]) -> str:
    """BLOCK anywhere blocks; MASK only redacts; neither (a monitor) only warns."""
    actions: list[str] = []
    pii = params.get("pii_entities_config")
    if isinstance(pii, dict):
        actions += [str(v).upper() for v in pii.values()]
    categories = params.get("categories")
    if isinstance(categories, list):
        actions += [
            str(c.get("action", "BLOCK")).upper() for c in categories if isinstance(c, dict)
        ]
    if not actions or "BLOCK" in actions:
        return "block"
    return "redact" if "MASK" in actions else "warn"


def _is_map(value: Any) -> bool:
    return isinstance(value, dict)
