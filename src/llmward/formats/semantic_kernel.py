"""Semantic Kernel prompt functions: `*.yaml` prompt configs, and the legacy `skprompt.txt` with
its `config.json`.

A YAML prompt config (`template` plus `template_format`, `execution_settings` or
`input_variables`) is one prompt and one model pin per `execution_settings` entry. Its keys are
service ids, not models: the pin `<prompt id>/<service id>` carries `model_id` when the file names
one, else the service id itself (the kernel resolves the service by that name at run time). The
prompt's `model` is the `default` service's pin, or the first.

The template is judged in a language llmward's template checks read: Semantic Kernel's own syntax
(`{{$var}}`, `{{plugin.function $arg}}`) becomes Jinja (`{{ var }}`; a function call keeps only
the variables it passes), Handlebars becomes Mustache (block helpers become sections on their
argument). Liquid and Jinja stay Jinja. Positions are those of the original text.

`allow_dangerously_set_content: true` (on a variable, or on the whole template) inserts values
without encoding them, so message tags inside a value are read as messages: kept in
`metadata.unencoded_inputs` at the flag's line (PRM020). `function_choice_behavior` goes into the
pin's metadata (PRM021 for auto calling with no function filter).

Legacy folders: `skprompt.txt` (by name) is the prompt, read with the `config.json` beside it for
its description, inputs and model; `config.json` (by content: `"schema": 1`) holds the pins.
Source: semantic-kernel python/semantic_kernel/prompt_template/prompt_template_config.py.
"""

from __future__ import annotations

import re
from typing import Any

from llmward.formats import Files, Projection, Reading
from llmward.formats._build import Where, folder_id, path_id, project, safe_id, text_at
from llmward.formats.providers import guess_provider
from llmward.parse.document import Document, Node, Span, escape
from llmward.parse.yaml_doc import load_yaml

NAME = "semantic-kernel"

_TEMPLATE = re.compile(r"^template\s*:", re.M)
_SK_KEYS = re.compile(r"^(?:template_format|execution_settings|input_variables)\s*:", re.M)
_LEGACY = re.compile(r'"schema"\s*:\s*1\b')
_LEGACY_KEYS = re.compile(r'"(?:execution_settings|completion|input_variables|input)"\s*:')
_OTHER_TOOLS = re.compile(r'^\s*"?(?:_type|\$schema|prompts|model_list)"?\s*:', re.M)

SAMPLING = ("temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty", "seed")
FORMATS = {  # Semantic Kernel's template_format -> the language llmward's checks read
    "semantic-kernel": "jinja2",
    "handlebars": "mustache",
    "jinja2": "jinja2",
    "liquid": "jinja2",
}


def sniff(path: str, head: str) -> bool:
    if _OTHER_TOOLS.search(head):
        return False
    if path.rpartition("/")[2] == "config.json":
        return bool(_LEGACY.search(head)) and bool(_LEGACY_KEYS.search(head))
    return bool(_TEMPLATE.search(head)) and bool(_SK_KEYS.search(head))


def read(path: str, text: str, files: Files) -> Reading:
    if path.rpartition("/")[2] == "skprompt.txt":
        return _read_skprompt(path, text, files)
    doc = load_yaml(path, text)
    if not doc.ok or not isinstance(doc.data, dict):
        return Reading(doc, format=NAME)
    if "template" not in doc.data:
        base = folder_id(path)
        pins = _pins(doc, doc.data, base)
        return Reading(doc, (Projection("model", pins),) if pins else (), format=NAME)
    base = path_id(path, ".yaml", ".yml", ".json")
    pins = _pins(doc, doc.data, base)
    prompt = _prompt(doc, doc.data, base, pins)
    projections = [Projection("prompt", prompt)] if prompt is not None else []
    if pins is not None:
        projections.append(Projection("model", pins))
    return Reading(doc, tuple(projections), format=NAME)


# ---- the prompt --------------------------------------------------------------------------------


def _prompt(doc: Document, data: dict[str, Any], base: str, pins: Document | None) -> Document:
    where: Where = {"/messages": "/template", "/messages/0": "/template"}
    native = data.get("template_format", "semantic-kernel")
    fmt = FORMATS.get(native, "jinja2") if isinstance(native, str) else "jinja2"
    template = data.get("template")
    content = normalise(fmt, native, template) if isinstance(template, str) else template
    prompt: dict[str, Any] = {
        "id": base,
        "template_format": fmt,
        "messages": [{"role": "user", "content": content}],
    }
    where["/messages/0/content"] = "/template"
    where["/messages/0/role"] = "/template"
    if "template_format" in data:
        where["/template_format"] = "/template_format"
    _describe(prompt, where, data)
    inputs, metadata = _inputs(data, where)
    if inputs:
        prompt["inputs"] = inputs
    if pins is not None:
        prompt["model"] = _default_pin(pins)
        where["/model"] = "/execution_settings"
    prompt["metadata"] = {"format": NAME, "template_format": native, **metadata}
    if isinstance(data.get("name"), str):
        prompt["metadata"]["name"] = data["name"]
        where["/metadata/name"] = "/name"
    return project(doc, prompt, where)


def _describe(prompt: dict[str, Any], where: Where, data: dict[str, Any]) -> None:
    if "description" in data:
        prompt["description"] = data["description"]
        where["/description"] = "/description"


def _inputs(data: dict[str, Any], where: Where) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Canonical inputs, and what Semantic Kernel says about them that llmward keeps as metadata:
    defaults, required flags, and the inputs inserted without encoding."""
    found = data.get("input_variables")
    key = "/input_variables"
    if not isinstance(found, list):  # legacy config.json: input.parameters
        section = data.get("input")
        found = section.get("parameters") if isinstance(section, dict) else None
        key = "/input/parameters"
    inputs: list[dict[str, Any]] = []
    details: dict[str, Any] = {}
    unencoded: list[str] = []
    if data.get("allow_dangerously_set_content") is True:
        where[f"/metadata/unencoded_inputs/{len(unencoded)}"] = "/allow_dangerously_set_content"
        unencoded.append("*")
    for index, item in enumerate(found if isinstance(found, list) else ()):
        if not isinstance(item, dict) or "name" not in item:
            continue
        src, out = f"{key}/{index}", f"/inputs/{len(inputs)}"
        entry: dict[str, Any] = {"name": item["name"]}
        where[out], where[f"{out}/name"] = src, f"{src}/name"
        if "description" in item:
            entry["description"] = item["description"]
            where[f"{out}/description"] = f"{src}/description"
        inputs.append(entry)
        extra = {k: item[k] for k in ("default", "is_required") if k in item}
        if extra and isinstance(item["name"], str):
            details[item["name"]] = extra
        if item.get("allow_dangerously_set_content") is True:
            flag = f"{src}/allow_dangerously_set_content"
            where[f"/metadata/unencoded_inputs/{len(unencoded)}"] = flag
            unencoded.append(str(item["name"]))
    metadata: dict[str, Any] = {}
    if details:
        metadata["input_details"] = details
    if unencoded:
        metadata["unencoded_inputs"] = unencoded
        where["/metadata/unencoded_inputs"] = where["/metadata/unencoded_inputs/0"]
    return inputs, metadata


def _default_pin(pins: Document) -> str:
    models = pins.data["models"]
    for pin in models:
        if pin["metadata"]["service_id"] == "default":
            return str(pin["id"])
    return str(models[0]["id"])


# ---- model pins --------------------------------------------------------------------------------


def _pins(doc: Document, data: dict[str, Any], base: str) -> Document | None:
    """One pin per service id in `execution_settings` (legacy: `completion` is the default)."""
    settings = data.get("execution_settings")
    key = "/execution_settings"
    if not isinstance(settings, dict) and isinstance(data.get("completion"), dict):
        settings, key = {"default": data["completion"]}, "/completion"
    if not isinstance(settings, dict):
        return None
    models: list[dict[str, Any]] = []
    where: Where = {"/models": key}
    for service, options in settings.items():
        if not isinstance(options, dict):
            continue
        src = key if key == "/completion" else f"{key}/{escape(str(service))}"
        out = f"/models/{len(models)}"
        models.append(_pin(doc, str(service), options, src=src, out=out, base=base, where=where))
    return project(doc, {"models": models}, where) if models else None


def _pin(
    doc: Document,
    service: str,
    options: dict[str, Any],
    *,
    src: str,
    out: str,
    base: str,
    where: Where,
) -> dict[str, Any]:
    model = options.get("model_id") or options.get("ai_model_id")
    named = isinstance(model, str) and bool(model)
    field = "model_id" if "model_id" in options else "ai_model_id"
    pin: dict[str, Any] = {
        "id": f"{base}/{safe_id(service)}",
        "provider": guess_provider(str(model)) if named else "unknown",
        "model": model if named else service,
    }
    where[out] = where[f"{out}/id"] = src
    where[f"{out}/provider"] = where[f"{out}/model"] = f"{src}/{field}" if named else src
    sampling = {k: options[k] for k in SAMPLING if k in options}
    if sampling:
        pin["params"] = sampling
        where[f"{out}/params"] = src
        for name in sampling:
            where[f"{out}/params/{name}"] = f"{src}/{name}"
    metadata: dict[str, Any] = {"format": NAME, "service_id": service}
    for name in ("stop_sequences", "response_format"):
        if name in options:
            metadata[name] = text_at(doc, f"{src}/{name}", options[name])
            where[f"{out}/metadata/{name}"] = f"{src}/{name}"
    _function_choice(options, src, f"{out}/metadata", metadata, where)
    pin["metadata"] = metadata
    where[f"{out}/metadata"] = src
    return pin


def _function_choice(
    options: dict[str, Any], src: str, out: str, metadata: dict[str, Any], where: Where
) -> None:
    behavior = options.get("function_choice_behavior")
    if isinstance(behavior, str):  # the short form: `function_choice_behavior: auto`
        behavior = {"type": behavior}
    if not isinstance(behavior, dict):
        return
    src = f"{src}/function_choice_behavior"
    kind = behavior.get("type")
    metadata["function_choice"] = kind if isinstance(kind, str) else "auto"
    where[f"{out}/function_choice"] = f"{src}/type" if "type" in behavior else src
    for name in ("functions", "maximum_auto_invoke_attempts", "auto_invoke"):
        if name in behavior:
            metadata[name] = behavior[name]
            where[f"{out}/{name}"] = f"{src}/{name}"


# ---- template languages ------------------------------------------------------------------------

_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_SK_VAR = re.compile(r"\$([A-Za-z_]\w*)")
_HB_TAG = re.compile(r"\{\{(\{?)~?(.*?)~?\}?\}\}", re.S)
_HB_TOKEN = re.compile(r"""(?:[\w@.\-/]+=)?("[^"]*"|'[^']*'|[^\s()]+)""")


def normalise(fmt: str, native: Any, template: str) -> str:
    """The template in the language llmward's checks read (`fmt`), its text otherwise unchanged."""
    if native == "handlebars":
        return _handlebars(template)
    if fmt == "jinja2" and native in ("semantic-kernel", None):
        return semantic_kernel(template)
    return template


def semantic_kernel(template: str) -> str:
    """`{{$var}}` -> `{{ var }}`; `{{plugin.fn $a "x"}}` -> `{{ a }}`. Jinja's own block and
    comment openers in plain text are split so Jinja reads them as text, as the kernel does."""

    def tag(m: re.Match[str]) -> str:
        return "".join(f"{{{{ {name} }}}}" for name in _SK_VAR.findall(m.group(1)))

    parts = []
    last = 0
    for m in _TAG.finditer(template):
        parts += [_plain(template[last : m.start()]), tag(m)]
        last = m.end()
    parts.append(_plain(template[last:]))
    return "".join(parts)


def _plain(text: str) -> str:
    return text.replace("{%", "{ %").replace("{#", "{ #")


def _handlebars(template: str) -> str:
    """Handlebars as Mustache: `{{#each items}}` opens a section on `items` and `{{/each}}` closes
    it; helpers keep the variables they are given; comments, `else` and `this` are dropped."""
    stack: list[str] = []

    def tag(m: re.Match[str]) -> str:
        triple, body = m.group(1), m.group(2).strip()
        if body.startswith("!") or body in ("else", "^"):
            return ""
        if body.startswith("#"):
            args = _variables(body[1:].split(None, 1)[1:])
            stack.append(args[0] if args else ".")
            return f"{{{{#{stack[-1]}}}}}"
        if body.startswith("/"):
            return f"{{{{/{stack.pop()}}}}}" if stack else m.group(0)
        tokens = body.split(None, 1)
        names = _variables(tokens[1:]) if len(tokens) > 1 else _variables(tokens)
        if triple and len(names) == 1 and len(tokens) == 1:
            return f"{{{{{{{names[0]}}}}}}}"
        return "".join(f"{{{{{name}}}}}" for name in names)

    return _HB_TAG.sub(tag, template)


def _variables(args: list[str]) -> list[str]:
    """The data paths among helper arguments: not literals, not `this` / `@index`."""
    names: list[str] = []
    for token in _HB_TOKEN.findall(" ".join(args)):
        if token[0] in "\"'" or token[0].isdigit() or token in ("true", "false", "null"):
            continue
        path = token.removeprefix("../").removeprefix("this.")
        if path and path[0] not in "@." and path != "this" and "-" not in path:
            names.append(path)
    return names


# ---- legacy skprompt.txt -----------------------------------------------------------------------


def _read_skprompt(path: str, text: str, files: Files) -> Reading:
    """`skprompt.txt` is the template; `config.json` beside it describes it. Positions of values
    read from config.json stay in that file (its own reading holds the pins); here they fall
    back to the first line of the template."""
    whole = Node(_span_of_text(text), None, 0, len(text), None)
    doc = Document(path, text, None, {"": whole}, (), ((0, len(text)),))
    base = folder_id(path)
    config_path = f"{path.rpartition('/')[0]}/config.json" if "/" in path else "config.json"
    config = _sibling_config(files, config_path)
    prompt: dict[str, Any] = {
        "id": base,
        "template_format": "jinja2",
        "messages": [{"role": "user", "content": semantic_kernel(text)}],
        "metadata": {"format": NAME, "template_format": "semantic-kernel"},
    }
    where: Where = {"/messages/0/content": whole, "/messages/0": whole, "/messages": whole}
    if config is not None:
        _describe(prompt, {}, config)
        inputs, metadata = _inputs(config, {})
        if inputs:
            prompt["inputs"] = inputs
        prompt["metadata"].update(metadata)
        if isinstance(config.get("execution_settings") or config.get("completion"), dict):
            prompt["model"] = _legacy_model(config, base)
    if not text.strip():
        return Reading(doc, format=NAME, siblings=(config_path,))
    projection = Projection("prompt", project(doc, prompt, where))
    return Reading(doc, (projection,), format=NAME, siblings=(config_path,))


def _sibling_config(files: Files, config_path: str) -> dict[str, Any] | None:
    raw = files(config_path)
    if raw is None:
        return None
    config = load_yaml(config_path, raw.decode("utf-8", "replace").lstrip("\ufeff"))
    return config.data if config.ok and isinstance(config.data, dict) else None


def _legacy_model(config: dict[str, Any], base: str) -> str:
    settings = config.get("execution_settings")
    if isinstance(settings, dict) and settings and "default" not in settings:
        return f"{base}/{safe_id(str(next(iter(settings))))}"
    return f"{base}/default"


def _span_of_text(text: str) -> Span:
    lines = text.split("\n")
    return Span(1, 1, len(lines), len(lines[-1]) + 1)
