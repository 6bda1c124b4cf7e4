"""NVIDIA NeMo Guardrails: a config folder's `config.yml`, `prompts.yml` and Colang `.co` files.

A config folder is one unit, and its id is the folder's path (`folder_id`):

- `models[] {type, engine, model}` are model pins `<folder>/<type>`. The model name may instead be
  the entry's `model_name` or `parameters.model_name` / `model` / `path`; the provider is the
  engine's (`nim` -> nvidia, `hf_pipeline_*` -> huggingface, `vllm_openai` -> vllm, ...).
- `rails.{input,output,retrieval}.flows` are ONE guardrail `<folder>`. Each flow is a rail whose
  id is the flow as written (`content safety check input $model=shieldgemma`), so dropping a
  `$model=` guard reads as that rail removed. Retrieval rails check what is fed into the prompt:
  they are input rails with `options.stage: retrieval`. Library flows map to the rail types the
  policies and the diff know (the table below); `self check input` is the LLM-judged input
  moderation whose default policy forbids "forget about rules" and the like, so it counts as the
  prompt-injection rail. `rails.config.<rail>` settings become that rail's options; keys NeMo
  does not read (an upstream example's `lp_threshold`) are listed in `metadata.ignored_settings`.
- A flow that is not a library flow must be defined in a `.co` file of the folder: every `.co`
  file below it is read, as NeMo loads them (a reader that cannot list folders falls back to the
  usual names, `_COLANG`); a flow found in none of them has `options.flow_defined: false`.
- Prompts for rail tasks (`self_check_*`, `*_check_input|output`, in `prompts.yml` or inline) are
  prompt artifacts `<folder>/<task>`: their text is the rail's policy, and a cut "should not" line
  is then a prompt-text change at review even when only `prompts.yml` changed. Generation prompts
  (`general`, `generate_user_intent`...) tune NeMo's own dialogue and are left out.
- A `.co` file on its own holds no artifact (it is read for the flows it defines).
Docs: docs.nvidia.com/nemo/guardrails (configuration guide, guardrails library).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from llmward.formats import Files, Projection, Reading, listing
from llmward.formats._build import Where, folder_id, project, safe_id, subtree, text_at
from llmward.formats.providers import provider_name
from llmward.parse.document import Document
from llmward.parse.yaml_doc import load_yaml

NAME = "nemo"

_TOP = re.compile(r"^(?P<key>rails|models|prompts)\s*:", re.M)


def sniff(path: str, head: str) -> bool:
    keys = {m.group("key") for m in _TOP.finditer(head)}
    return (
        ("rails" in keys and re.search(r"^\s+flows\s*:", head, re.M) is not None)
        or ("models" in keys and re.search(r"^\s*-?\s*engine\s*:", head, re.M) is not None)
        or ("prompts" in keys and re.search(r"^\s*-\s*task\s*:", head, re.M) is not None)
    )


def read(path: str, text: str, files: Files) -> Reading:
    if path.endswith(".co"):
        return Reading(Document(path, text, None, {}), format=NAME)
    doc = load_yaml(path, text)
    data = doc.data
    if not doc.ok or not isinstance(data, dict):
        return Reading(doc, format=NAME)
    folder = folder_id(path)
    projections: list[Projection] = []
    pins = _pins(doc, data, folder)
    if pins is not None:
        projections.append(Projection("model", pins))
    guard, siblings = _guardrail(doc, data, folder, path, files)
    if guard is not None:
        projections.append(Projection("guardrail", guard))
    main = f"{folder}/main" if pins is not None and _has_main(data) else None
    projections += [Projection("prompt", p) for p in _prompts(doc, data, folder, main)]
    return Reading(doc, tuple(projections), format=NAME, siblings=siblings)


# ---- model pins --------------------------------------------------------------------------------

_SAMPLING = ("temperature", "top_p", "max_tokens", "max_new_tokens", "seed")
_ENDPOINTS = ("base_url", "openai_api_base", "api_base", "endpoint", "azure_endpoint")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")


def _has_main(data: dict[str, Any]) -> bool:
    models = data.get("models")
    return isinstance(models, list) and any(
        isinstance(m, dict) and m.get("type") == "main" for m in models
    )


def _model_name(entry: dict[str, Any], src: str) -> tuple[str, str] | None:
    """The model an entry names, and the pointer of that value."""
    for key in ("model", "model_name"):
        if isinstance(entry.get(key), str) and entry[key]:
            return entry[key], f"{src}/{key}"
    params = entry.get("parameters")
    if isinstance(params, dict):
        for key in ("model_name", "model", "path", "repo_id", "model_id"):
            if isinstance(params.get(key), str) and params[key]:
                return params[key], f"{src}/parameters/{key}"
    return None


def _pins(doc: Document, data: dict[str, Any], folder: str) -> Document | None:
    entries = data.get("models")
    if not isinstance(entries, list):
        return None
    seen: Counter[str] = Counter()
    models: list[dict[str, Any]] = []
    where: Where = {"/models": "/models"}
    for index, entry in enumerate(entries):
        src = f"/models/{index}"
        named = _model_name(entry, src) if isinstance(entry, dict) else None
        if named is None or not isinstance(entry.get("type"), str):
            continue
        seen[entry["type"]] += 1
        suffix = "" if seen[entry["type"]] == 1 else f"/{seen[entry['type']]}"
        id_ = f"{folder}/{safe_id(entry['type'])}{suffix}"
        out = f"/models/{len(models)}"
        models.append(_pin(doc, entry, src, out, id_=id_, named=named, where=where))
    return project(doc, {"models": models}, where) if models else None


def _pin(
    doc: Document,
    entry: dict[str, Any],
    src: str,
    out: str,
    *,
    id_: str,
    named: tuple[str, str],
    where: Where,
) -> dict[str, Any]:
    engine = entry.get("engine")
    engine = engine if isinstance(engine, str) else "unknown"
    params = entry.get("parameters")
    params = params if isinstance(params, dict) else {}
    pin: dict[str, Any] = {"id": id_, "provider": provider_name(engine), "model": named[0]}
    where.update({out: src, f"{out}/id": f"{src}/type", f"{out}/model": named[1]})
    where[f"{out}/provider"] = f"{src}/engine" if "engine" in entry else src
    psrc = f"{src}/parameters"
    if pin["provider"] == "huggingface":
        revision = params.get("revision")
        if isinstance(revision, str):
            pin["revision"] = revision
            where[f"{out}/revision"] = f"{psrc}/revision"
    if pin["provider"] == "azure":
        for key in ("deployment_name", "azure_deployment"):
            if isinstance(params.get(key), str):
                pin["deployment"] = params[key]
                where[f"{out}/deployment"] = f"{psrc}/{key}"
        for key in ("api_version", "openai_api_version"):
            if key in params:
                pin["api_version"] = str(text_at(doc, f"{psrc}/{key}", params[key]))
                where[f"{out}/api_version"] = f"{psrc}/{key}"
    sampling = {
        ("max_tokens" if k == "max_new_tokens" else k): params[k] for k in _SAMPLING if k in params
    }
    if sampling:
        pin["params"] = sampling
        where[f"{out}/params"] = psrc
        for key in _SAMPLING:
            if key in params:
                name = "max_tokens" if key == "max_new_tokens" else key
                where[f"{out}/params/{name}"] = f"{psrc}/{key}"
    metadata: dict[str, Any] = {"format": NAME, "type": entry["type"], "engine": engine}
    for key in _ENDPOINTS:
        if key in params:
            metadata[key] = text_at(doc, f"{psrc}/{key}", params[key])
            where[f"{out}/metadata/{key}"] = f"{psrc}/{key}"
    pin["metadata"] = metadata
    where[f"{out}/metadata"] = src
    return pin


# ---- the guardrail -----------------------------------------------------------------------------

# library flow (without `$name=` bindings) -> rail type; `mask ...` flows redact, others block
_LIBRARY = {
    "self check input": "prompt_injection",
    "self check output": "moderation",
    "self check facts": "fact_check",
    "self check hallucination": "hallucination",
    "jailbreak detection heuristics": "jailbreak",
    "jailbreak detection model": "jailbreak",
    "injection detection": "prompt_injection",
    "content safety check input": "toxicity",
    "content safety check output": "toxicity",
    "topic safety check input": "topic",
    "llama guard check input": "toxicity",
    "llama guard check output": "toxicity",
    "alignscore check facts": "fact_check",
    **{
        f"{verb} sensitive data on {stage}": "pii"
        for verb in ("detect", "mask")
        for stage in ("input", "output", "retrieval")
    },
}
# third-party integrations shipped in nemoguardrails/library: their flows start with the vendor
_VENDORS = re.compile(
    r"^(?:activefence|autoalign|autoguard|clavata|cleanlab|fiddler|gcpnlp|gcp|gotitai|"
    r"guardrailsai|pangea|patronus|polygraf|privateai|prompt security|trend ai|zscaler|"
    r"conduct|atr|hf classifier|embedding topic)\b"
)
# any other flow: its type from the words in its name
_BY_WORDS = (
    (re.compile(r"jailbreak"), "jailbreak"),
    (re.compile(r"injection"), "prompt_injection"),
    (re.compile(r"\bpii\b|sensitive data"), "pii"),
    (re.compile(r"hallucination"), "hallucination"),
    (re.compile(r"fact|truth|trustworth"), "fact_check"),
    (re.compile(r"topic"), "topic"),
    (re.compile(r"moderat|toxic|safety|llama guard"), "toxicity"),
)
# rails.config.<section> -> the settings NeMo reads there (others are silently ignored)
_KNOWN_SETTINGS = {
    "jailbreak_detection": frozenset(
        {
            "server_endpoint",
            "nim_base_url",
            "nim_server_endpoint",
            "nim_url",
            "nim_port",
            "api_key",
            "api_key_env_var",
            "length_per_perplexity_threshold",
            "prefix_suffix_perplexity_threshold",
            "embedding",
        }
    ),
}
# rails.config.<section> that configures the rails whose flows match
_SETTINGS_FOR = (
    (re.compile(r"^jailbreak detection"), "jailbreak_detection"),
    (re.compile(r"sensitive data"), "sensitive_data_detection"),
    (re.compile(r"^polygraf"), "polygraf"),
    (re.compile(r"^privateai"), "privateai"),
    (re.compile(r"facts$"), "fact_checking"),
)
_BINDING = re.compile(r"\s+\$(?P<name>\w+)\s*=\s*(?P<value>\"[^\"]*\"|'[^']*'|\S+)")
_STAGES = (("input", "input"), ("retrieval", "input"), ("output", "output"))
# where Colang files usually sit beside config.yml: read when the folder cannot be listed
_COLANG = (
    "config.co",
    "rails.co",
    "flows.co",
    "main.co",
    "input_rails.co",
    "output_rails.co",
    "rails/config.co",
    "rails/rails.co",
    "rails/flows.co",
    "rails/input.co",
    "rails/output.co",
)
_DEFINE = re.compile(
    r"^[ \t]*(?:define[ \t]+(?:sub)?flow|flow)[ \t]+([^\n$#]+?)[ \t]*(?:\$|#|$)", re.M
)


def parse_flow(flow: str) -> tuple[str, dict[str, str]]:
    """`content safety check input $model="x"` -> (`content safety check input`, {model: x})."""
    bindings = {m["name"]: m["value"].strip("\"'") for m in _BINDING.finditer(flow)}
    return _BINDING.sub("", flow).strip(), bindings


def rail_type(name: str) -> str:
    if name in _LIBRARY:
        return _LIBRARY[name]
    for regex, type_ in _BY_WORDS:
        if regex.search(name):
            return type_
    return "custom"


def is_library(name: str) -> bool:
    return name in _LIBRARY or _VENDORS.match(name) is not None


def _guardrail(
    doc: Document, data: dict[str, Any], folder: str, path: str, files: Files
) -> tuple[Document | None, tuple[str, ...]]:
    rails = data.get("rails")
    if not isinstance(rails, dict):
        return None, ()
    config = rails.get("config")
    settings: dict[str, Any] = config if isinstance(config, dict) else {}
    flows = _flows(rails)
    if not flows:
        return None, ()
    custom = [f for _, _, _, f in flows if not is_library(parse_flow(f)[0])]
    defined, siblings = _colang_flows(path, files) if custom else (set(), ())
    guard: dict[str, Any] = {"id": folder, "metadata": {"format": NAME}}
    where: Where = {"": "/rails", "/id": "/rails"}
    for stage, side, index, flow in flows:
        rails_out = guard.setdefault(side, [])
        src = f"/rails/{stage}/flows/{index}"
        out = f"/{side}/{len(rails_out)}"
        at = (stage, src, out)
        rails_out.append(_rail(doc, settings, flow, at=at, defined=defined, where=where))
        where[f"/{side}"] = f"/rails/{stage}/flows"
    ignored = _ignored(settings, where)
    if ignored:
        guard["metadata"]["ignored_settings"] = ignored
    return project(doc, guard, where), siblings


def _flows(rails: dict[str, Any]) -> list[tuple[str, str, int, str]]:
    """(NeMo stage, canonical side, index in the stage's list, flow) in order."""
    out = []
    for stage, side in _STAGES:
        section = rails.get(stage)
        flows = section.get("flows") if isinstance(section, dict) else None
        if isinstance(flows, list):
            out += [
                (stage, side, i, f) for i, f in enumerate(flows) if isinstance(f, str) and f.strip()
            ]
    return out


def _rail(
    doc: Document,
    settings: dict[str, Any],
    flow: str,
    *,
    at: tuple[str, str, str],
    defined: set[str],
    where: Where,
) -> dict[str, Any]:
    """A flow's rail; `at` is (NeMo stage, source pointer, canonical pointer)."""
    stage, src, out = at
    name, bindings = parse_flow(flow)
    options: dict[str, Any] = {"flow": name, **bindings}
    if stage == "retrieval":
        options["stage"] = stage
    if not is_library(name):
        options["flow_defined"] = name in defined
        where[f"{out}/options/flow_defined"] = src
    rail: dict[str, Any] = {
        "type": rail_type(name),
        "id": flow.strip(),
        "action": "redact" if re.search(r"\bmask\b", name) else "block",
        "options": options,
    }
    where.update({out: src, f"{out}/id": src, f"{out}/type": src, f"{out}/action": src})
    where[f"{out}/options"] = src
    for regex, section in _SETTINGS_FOR:
        config = settings.get(section)
        if regex.search(name) and isinstance(config, dict):
            _settings(
                doc, config, section, at=(stage, f"{out}/options"), options=options, where=where
            )
    return rail


def _settings(
    doc: Document,
    config: dict[str, Any],
    section: str,
    *,
    at: tuple[str, str],
    options: dict[str, Any],
    where: Where,
) -> None:
    """A rail's `rails.config.<section>`: per-stage sections (`input: {entities}`) give only
    that stage's part."""
    stage, out = at
    src = f"/rails/config/{section}"
    if isinstance(config.get(stage), dict):
        config, src = config[stage], f"{src}/{stage}"
    for key, value in config.items():
        if key in ("input", "output", "retrieval") or not isinstance(key, str):
            continue
        options[key] = value
        subtree(where, doc, f"{out}/{key}", f"{src}/{key}")


def _ignored(settings: dict[str, Any], where: Where) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for section, known in _KNOWN_SETTINGS.items():
        config = settings.get(section)
        if not isinstance(config, dict):
            continue
        for key, value in config.items():
            if isinstance(key, str) and key not in known:
                name = f"{section}.{key}"
                found[name] = value
                where[f"/metadata/ignored_settings/{name}"] = f"/rails/config/{section}/{key}"
    return found


def _colang_flows(path: str, files: Files) -> tuple[set[str], tuple[str, ...]]:
    """The flows the `.co` files of the config folder define: every one below the folder, as
    NeMo loads them, or the usual names when the reader cannot list a folder."""
    folder = path.rpartition("/")[0]
    names: set[str] = set()
    read: list[str] = []
    listed = listing(files, folder)
    candidates = (
        [p for p in listed if p.endswith(".co")]
        if listed is not None
        else [f"{folder}/{name}" if folder else name for name in _COLANG]
    )
    for sibling in candidates:
        read.append(sibling)
        raw = files(sibling)
        if raw is not None:
            text = raw.decode("utf-8", "replace")
            names |= {" ".join(m.split()) for m in _DEFINE.findall(text)}
    return names, tuple(read)


# ---- prompts of rail tasks ---------------------------------------------------------------------

_RAIL_TASK = re.compile(r"^(?:self_check_\w+|\w+_check_(?:input|output|facts)\b.*)$")


def _for_models(entry: dict[str, Any]) -> str:
    """NeMo picks a task's prompt by the model in use (`models: [openai/gpt-4o]`): when a task has
    several, each is its own prompt, `<task>/<models>`, and the one without `models` is `<task>`."""
    models = entry.get("models")
    names = [m for m in models if isinstance(m, str)] if isinstance(models, list) else []
    return "/" + safe_id("+".join(names)) if names else ""


def _prompts(doc: Document, data: dict[str, Any], folder: str, main: str | None) -> list[Document]:
    from llmward.policy.matchers.templates import analyze

    entries = data.get("prompts")
    if not isinstance(entries, list):
        return []
    out = []
    tasks = Counter(e.get("task") for e in entries if isinstance(e, dict))
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        task, content = entry.get("task"), entry.get("content")
        if not (isinstance(task, str) and _RAIL_TASK.match(task) and isinstance(content, str)):
            continue
        src = f"/prompts/{index}"
        names = sorted(analyze("jinja2", content).names)
        prompt: dict[str, Any] = {
            "id": f"{folder}/{safe_id(task)}" + (_for_models(entry) if tasks[task] > 1 else ""),
            "description": f"NeMo Guardrails prompt of the `{task}` rail task",
            "messages": [{"role": "user", "content": content}],
            "inputs": [{"name": n} for n in names],
            "metadata": {"format": NAME, "task": task, "guardrail": folder},
        }
        if main is not None:
            prompt["model"] = main
        where: Where = {"": src, "/id": f"{src}/task", "/messages/0/content": f"{src}/content"}
        where.update({"/messages": f"{src}/content", "/messages/0": f"{src}/content"})
        where.update({"/inputs": f"{src}/content", "/metadata/task": f"{src}/task"})
        for key in ("models", "max_tokens", "output_parser", "mode"):
            if key in entry:
                prompt["metadata"][key] = entry[key]
                subtree(where, doc, f"/metadata/{key}", f"{src}/{key}")
        out.append(project(doc, prompt, where))
    return out
