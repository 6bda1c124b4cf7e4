"""promptfoo eval configs (`promptfooconfig*.yaml`, or any YAML/JSON naming promptfoo's schema).

Each entry of `providers` (or `targets`) is a model pin: `provider:rest` split on the first colon
(`openai:gpt-4.1`, `bedrock:us.anthropic...-v1:0`, `anthropic:messages:<id>`,
`azure:chat:<deployment>`), or `{id, label, config}`. Its id is the file's id plus the `label`
(else the provider's name: `openai`, `openai/2`...), made unique in the file; so a new model for
a provider is a change to its pin, not a pin removed and another added. Known sampling keys of
`config` are params; the rest of `config` is metadata. Providers that are code or endpoints
(`file://`, `exec:`, `python:`, `http(s):`...) name no model and are not pins.

Each inline prompt (a string, or `{raw, id/label}`) is a prompt artifact: promptfoo renders
prompts with Nunjucks (read as jinja2); the variables its tests set are its inputs, marked
trusted (their values are written in the file). `file://` prompts are left to their own files.
What the eval checks (test count, each assertion's type, value and threshold, `defaultTest`) is
kept in the metadata of the prompts, or of the first pin when the file has no inline prompt, so a
diff shows an assertion dropped or a threshold loosened.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from llmward.formats import Files, Projection, Reading
from llmward.formats._build import Where, path_id, project, safe_id, subtree
from llmward.formats.providers import split_colon
from llmward.parse.document import Document
from llmward.parse.yaml_doc import load_yaml

NAME = "promptfoo"
_SNIFF = re.compile(r"promptfoo\.dev/config-schema\.json")

SAMPLING = ("temperature", "top_p", "top_k", "max_tokens", "seed", "frequency_penalty")
# config keys under other names in some providers
_RENAMED = {"maxTokens": "max_tokens", "topP": "top_p", "topK": "top_k", "max_output_tokens": ""}
_NOT_MODELS = ("file://", "exec:", "python:", "js:", "http:", "https:", "webhook:", "golang:")


def sniff(path: str, head: str) -> bool:
    return bool(_SNIFF.search(head))


def read(path: str, text: str, files: Files) -> Reading:
    doc = load_yaml(path, text)
    data = doc.data
    if not doc.ok or not isinstance(data, dict):
        return Reading(doc, format=NAME)
    base = path_id(path, ".yaml", ".yml", ".json")
    pins = _pins(doc, data, base)
    evals = _evals(data)
    prompts = _prompts(doc, data, base, pins, evals)
    projections = [Projection("prompt", p) for p in prompts]
    if pins is not None:
        if not prompts and evals:
            pins.data["models"][0]["metadata"]["evals"] = evals
        projections.append(Projection("model", pins))
    return Reading(doc, tuple(projections), format=NAME)


# ---- providers ---------------------------------------------------------------------------------


def _providers(data: dict[str, Any]) -> tuple[str, list[Any]]:
    for key in ("providers", "targets"):
        found = data.get(key)
        if isinstance(found, str):
            return f"/{key}", [found]
        if isinstance(found, list):
            return f"/{key}", found
    return "", []


def _entry(item: Any, src: str) -> tuple[str, str, dict[str, Any], str] | None:
    """(provider id, label, config, source pointer of the id) of a providers entry."""
    if isinstance(item, str):
        return item, "", {}, src
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("id"), str):
        label = item.get("label")
        config = item.get("config")
        return (
            item["id"],
            label if isinstance(label, str) else "",
            config if isinstance(config, dict) else {},
            f"{src}/id",
        )
    if len(item) == 1:  # the older map form: {"openai:gpt-4": {config: ...}}
        ((ref, options),) = item.items()
        options = options if isinstance(options, dict) else {}
        config = options.get("config")
        label = options.get("label")
        return (
            str(ref),
            label if isinstance(label, str) else "",
            config if isinstance(config, dict) else {},
            src,
        )
    return None


def _pins(doc: Document, data: dict[str, Any], base: str) -> Document | None:
    key, entries = _providers(data)
    seen: Counter[str] = Counter()
    models: list[dict[str, Any]] = []
    where: Where = {"/models": key}
    for index, item in enumerate(entries):
        src = key if isinstance(data.get(key[1:]), str) else f"{key}/{index}"
        found = _entry(item, src)
        if found is None or not found[0] or found[0].startswith(_NOT_MODELS):
            continue
        ref, label, config, at = found
        # unlabelled: the provider's name, not its model, so a model swap is a change to the pin
        name = safe_id(label or ref.partition(":")[0]).replace("/", "_").strip("_") or "provider"
        seen[name] += 1
        id_ = f"{base}/{name}" + ("" if seen[name] == 1 else f"/{seen[name]}")
        out = f"/models/{len(models)}"
        models.append(
            _pin(doc, id_, ref, label=label, config=config, src=src, at=at, out=out, where=where)
        )
    return project(doc, {"models": models}, where) if models else None


def _pin(
    doc: Document,
    id_: str,
    ref: str,
    *,
    label: str,
    config: dict[str, Any],
    src: str,
    at: str,
    out: str,
    where: Where,
) -> dict[str, Any]:
    provider, model = split_colon(ref)
    pin: dict[str, Any] = {"id": id_, "provider": provider, "model": model or ref}
    where[out] = src
    where[f"{out}/id"] = f"{src}/label" if label else at
    where[f"{out}/provider"] = where[f"{out}/model"] = at
    if provider == "azure":
        pin["deployment"] = model
        where[f"{out}/deployment"] = at
    version = config.get("apiVersion") or config.get("api_version")
    if isinstance(version, str):
        pin["api_version"] = version
    params: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for name, value in config.items():
        canonical = _RENAMED.get(name, name)
        if canonical in SAMPLING and canonical not in params:
            params[canonical] = value
            where[f"{out}/params/{canonical}"] = f"{src}/config/{name}"
        else:
            rest[name] = value
    if params:
        pin["params"] = params
        where[f"{out}/params"] = f"{src}/config"
    metadata: dict[str, Any] = {"format": NAME, "provider_id": ref}
    where[f"{out}/metadata/provider_id"] = at
    if label:
        metadata["label"] = label
        where[f"{out}/metadata/label"] = f"{src}/label"
    if rest:
        metadata["config"] = rest
        subtree(where, doc, f"{out}/metadata/config", f"{src}/config")
    pin["metadata"] = metadata
    where[f"{out}/metadata"] = src
    return pin


# ---- prompts and what the eval checks ----------------------------------------------------------


def _prompts(
    doc: Document, data: dict[str, Any], base: str, pins: Document | None, evals: dict[str, Any]
) -> list[Document]:
    found = data.get("prompts")
    entries = [found] if isinstance(found, str) else found if isinstance(found, list) else []
    inline = []
    for index, item in enumerate(entries):
        src = "/prompts" if isinstance(found, str) else f"/prompts/{index}"
        text, name, at = _prompt_text(item, src)
        if text is not None:
            inline.append((text, name, src, at))
    names = _vars(data)
    out = []
    for number, (text, name, src, at) in enumerate(inline, 1):
        suffix = safe_id(name).replace("/", "_") if name else str(number)
        id_ = f"{base}/prompt" if len(inline) == 1 else f"{base}/prompt/{suffix}"
        # test vars are shared by every prompt of the config (and by `file://` ones): each prompt
        # declares the ones it reads, so a var another prompt uses is not "unused" here
        used = [n for n in names if n in _reads(text)]
        out.append(_prompt(doc, id_, text, src=src, at=at, names=used, pins=pins, evals=evals))
    return out


def _reads(text: str) -> frozenset[str]:
    from llmward.policy.matchers.templates import analyze

    found = analyze("jinja2", text)
    return found.names if found.error is None else frozenset(re.findall(r"\w+", text))


def _prompt_text(item: Any, src: str) -> tuple[str | None, str, str]:
    if isinstance(item, str):
        return (None if item.startswith("file://") else item), "", src
    if isinstance(item, dict) and isinstance(item.get("raw"), str):
        name = item.get("id") or item.get("label")
        return item["raw"], name if isinstance(name, str) else "", f"{src}/raw"
    return None, "", src


def _prompt(
    doc: Document,
    id_: str,
    text: str,
    *,
    src: str,
    at: str,
    names: list[str],
    pins: Document | None,
    evals: dict[str, Any],
) -> Document:
    where: Where = {"/messages": src, "/messages/0": src, "/messages/0/content": at}
    prompt: dict[str, Any] = {
        "id": id_,
        "template_format": "jinja2",
        "messages": [{"role": "user", "content": text}],
        "inputs": [{"name": n, "trusted": True} for n in names],
        "metadata": {"format": NAME, **({"evals": evals} if evals else {})},
    }
    where.update(_evals_where(evals, "/metadata/evals"))
    if "description" in doc.data:
        prompt["description"] = doc.data["description"]
        where["/description"] = "/description"
    if pins is not None:
        ids = [m["id"] for m in pins.data["models"]]
        if len(ids) == 1:
            prompt["model"] = ids[0]
            where["/model"] = _providers(doc.data)[0]
        prompt["metadata"]["providers"] = ids
    return project(doc, prompt, where)


def _tests(data: dict[str, Any]) -> list[dict[str, Any]]:
    tests = data.get("tests")
    return [t for t in tests if isinstance(t, dict)] if isinstance(tests, list) else []


def _vars(data: dict[str, Any]) -> list[str]:
    """Every variable a test (or defaultTest) sets: the prompt's inputs."""
    names: dict[str, None] = {}
    default = data.get("defaultTest")
    for test in [default] if isinstance(default, dict) else []:
        names.update(dict.fromkeys(_var_names(test)))
    for test in _tests(data):
        names.update(dict.fromkeys(_var_names(test)))
    return [n for n in names if re.fullmatch(r"[A-Za-z_]\w*", n)]


def _var_names(test: dict[str, Any]) -> list[str]:
    found = test.get("vars")
    return [str(k) for k in found] if isinstance(found, dict) else []


def _evals(data: dict[str, Any]) -> dict[str, Any]:
    """What the eval checks: the number of tests, and every assertion (type, value, threshold)."""
    evals: dict[str, Any] = {}
    tests = _tests(data)
    if tests:
        evals["tests"] = len(tests)
    asserts: list[dict[str, Any]] = []
    default = data.get("defaultTest")
    if isinstance(default, dict):
        asserts += _asserts(default, "defaultTest")
    for index, test in enumerate(tests):
        asserts += _asserts(test, f"tests/{index}")
    if asserts:
        evals["asserts"] = asserts
    if isinstance(data.get("redteam"), dict):
        redteam = data["redteam"]
        evals["redteam"] = {k: redteam[k] for k in ("plugins", "strategies") if k in redteam}
    return evals


def _evals_where(evals: dict[str, Any], prefix: str) -> Where:
    """Each kept assertion at its place in the file, so a changed threshold points at its line."""
    where: Where = {}
    if "tests" in evals:
        where[f"{prefix}/tests"] = "/tests"
    if "redteam" in evals:
        where[f"{prefix}/redteam"] = "/redteam"
        where.update({f"{prefix}/redteam/{k}": f"/redteam/{k}" for k in ("plugins", "strategies")})
    seen: Counter[str] = Counter()
    for n, item in enumerate(evals.get("asserts", ())):
        test = item["test"]
        src = f"/{test}/assert/{seen[test]}"
        seen[test] += 1
        where[f"{prefix}/asserts/{n}"] = src
        where.update({f"{prefix}/asserts/{n}/{k}": f"{src}/{k}" for k in item if k != "test"})
    return where


def _asserts(test: dict[str, Any], where: str) -> list[dict[str, Any]]:
    found = test.get("assert")
    out = []
    for item in found if isinstance(found, list) else []:
        if isinstance(item, dict):
            keep = {k: item[k] for k in ("type", "value", "threshold", "weight") if k in item}
            out.append({"test": where, **keep})
    return out
