"""Microsoft Prompty (`*.prompty`): YAML front matter, then a body split on role lines.

One file is one prompt and, when its front matter names a model, the model pin it runs on (same
id, `prompt.model` names it). Two generations of front matter are read:

- v1: `model.api`, `model.configuration {type, azure_deployment, endpoint, model, api_version,
  key}`, `model.parameters`, and `sample` values;
- v2: `model.id`, `provider`, `apiType`, `connection {kind, endpoint, apiKey}`, `options` (or
  `model:` as a plain string), `inputs` as a list or a mapping, `tools`, `template.format.kind`.

Body lines `system:`, `user:`, `assistant:` (also `# user:` and `user[name="x"]:`, as Prompty's own
parser accepts) open a message; text before the first one is the system message; a `# Heading`
is text. Values such as `${env:AZURE_DEPLOYMENT}` are kept as written: a deployment named by the
environment is not a pin, and a key read from it is no secret (its `:default` part is a literal).
Spec: microsoft/prompty `spec/spec.md`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from llmward.formats import Files, Projection, Reading
from llmward.formats._build import (
    Section,
    Where,
    front_matter,
    load_front_matter,
    path_id,
    project,
    sections,
    subtree,
    text_at,
    unclosed,
)
from llmward.formats.providers import guess_provider, provider_name
from llmward.parse.document import Document, Node, Span, escape

NAME = "prompty"

_ROLE_LINE = re.compile(
    r"^[ \t]*#?[ \t]*(?P<role>system|user|assistant|developer|function|tool)"
    r"(?:\[[^\]\n]*\])?[ \t]*:[ \t]*$",
    re.M | re.I,
)
_ROLES = {"function": "tool"}
_TEMPLATE_FORMATS = {
    "jinja2": "jinja2",
    "jinja": "jinja2",
    "nunjucks": "jinja2",  # Jinja's syntax in JavaScript: the same checks apply
    "mustache": "mustache",
    "handlebars": "mustache",
    "fstring": "fstring",
    "f-string": "fstring",
}
# v1 `configuration.type` -> llmward's provider; serverless is Azure AI model inference, which
# names a model directly: neither an Azure OpenAI deployment nor an OpenAI snapshot
_V1_PROVIDERS = {"azure_openai": "azure", "azure": "azure", "serverless": "azure_ai"}
# sampling options as Prompty v1 (OpenAI names) and v2 (camelCase) spell them -> Params fields
PARAMS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "topP": "top_p",
    "top_k": "top_k",
    "topK": "top_k",
    "max_tokens": "max_tokens",
    "maxTokens": "max_tokens",
    "maxOutputTokens": "max_tokens",
    "max_completion_tokens": "max_tokens",
    "frequency_penalty": "frequency_penalty",
    "frequencyPenalty": "frequency_penalty",
    "presence_penalty": "presence_penalty",
    "presencePenalty": "presence_penalty",
    "seed": "seed",
}
_KEPT = ("name", "authors", "tags", "outputs", "tools", "metadata")


def sniff(path: str, head: str) -> bool:
    return False  # `*.prompty` files are found by name


def read(path: str, text: str, files: Files) -> Reading:
    # Prompty's loader allows blank lines before the opening fence (never `#` lines)
    fm = front_matter(text, comments_before=text.lstrip().startswith("---"))
    opened = unclosed(path, text) if fm is None else None
    if opened is not None:
        return Reading(opened, format=NAME)
    if fm is None:  # no front matter: the whole file is the body
        doc = Document(path, text, {}, {}, (), ((0, len(text)),))
        data: Any = {}
        body = 0
    else:
        doc = load_front_matter(path, text, fm)
        data, body = doc.data, fm.body_start
        if not doc.ok:
            return Reading(doc, format=NAME)
    data = data if isinstance(data, dict) else {}
    id_ = path_id(path, ".prompty")
    prompt, where = _prompt(doc, data, id_, body)
    projections = []
    pin = _pin(doc, data, id_)
    if pin is not None:
        prompt["model"] = id_
        where["/model"] = "/model"
        projections.append(Projection("model", pin))
    projections.insert(0, Projection("prompt", project(doc, prompt, where)))
    return Reading(doc, tuple(projections), format=NAME)


# ---- the prompt --------------------------------------------------------------------------------


def _prompt(
    doc: Document, data: dict[str, Any], id_: str, body: int
) -> tuple[dict[str, Any], Where]:
    where: Where = {"/id": "/name"} if "name" in data else {}
    prompt: dict[str, Any] = {"id": id_}
    for key in ("description", "version"):
        if data.get(key) is not None:
            prompt[key] = text_at(doc, f"/{key}", data[key])
            where[f"/{key}"] = f"/{key}"
    owner = _owner(data)
    if owner is not None:
        prompt["owner"], where["/owner"] = owner
    fmt, pointer = _template_format(data)
    prompt["template_format"] = fmt
    if pointer:
        where["/template_format"] = pointer
    inputs, defaults = _inputs(doc, data, where)
    if inputs:
        prompt["inputs"] = inputs
    prompt["messages"] = messages(
        doc, body, _ROLE_LINE, default_role="system", roles=_ROLES, where=where
    )
    metadata: dict[str, Any] = {"format": NAME}
    for key in _KEPT:
        if key in data:
            metadata[key] = data[key]
            subtree(where, doc, f"/metadata/{key}", f"/{escape(key)}")
    if defaults:
        metadata["defaults"] = defaults
    prompt["metadata"] = metadata
    return prompt, where


def _owner(data: dict[str, Any]) -> tuple[str, str] | None:
    """The authors (v1 `authors`, v2 `metadata.authors`): the people accountable for the file."""
    meta = data.get("metadata")
    for authors, pointer in (
        (data.get("authors"), "/authors"),
        (meta.get("authors") if isinstance(meta, dict) else None, "/metadata/authors"),
    ):
        if isinstance(authors, str) and authors:
            return authors, pointer
        if isinstance(authors, list) and authors and all(isinstance(a, str) for a in authors):
            return ", ".join(authors), pointer
    return None


def _template_format(data: dict[str, Any]) -> tuple[Any, str]:
    """(canonical format, its source pointer). An unknown format is kept as written, so the schema
    check reports it where it is rather than llmward checking the template in the wrong syntax."""
    template = data.get("template")
    kind: Any
    if isinstance(template, str):  # v1: `template: jinja2`
        kind, pointer = template, "/template"
    elif isinstance(template, dict) and isinstance(template.get("format"), dict):
        kind, pointer = template["format"].get("kind"), "/template/format/kind"
    elif isinstance(template, dict) and "format" in template:
        kind, pointer = template["format"], "/template/format"
    elif isinstance(template, dict) and "type" in template:
        kind, pointer = template["type"], "/template/type"
    else:
        return "jinja2", ""
    if not isinstance(kind, str):
        return kind, pointer
    return _TEMPLATE_FORMATS.get(kind.lower(), kind), pointer


def _inputs(
    doc: Document, data: dict[str, Any], where: Where
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Canonical inputs and their defaults: v2 `inputs` (a list of `{name, kind, default}` or a
    mapping of name -> spec) or, without it, the names of v1 `sample` values."""
    raw = data.get("inputs")
    found: list[tuple[str, str, str, Any]] = []  # (name, name pointer, item pointer, item)
    if isinstance(raw, list):
        for i, item in enumerate(raw):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                found.append((item["name"], f"/inputs/{i}/name", f"/inputs/{i}", item))
    elif isinstance(raw, dict):
        for key, item in raw.items():
            pointer = f"/inputs/{escape(str(key))}"
            found.append((str(key), pointer, pointer, item))
    elif isinstance(data.get("sample"), dict):
        for key, value in data["sample"].items():
            pointer = f"/sample/{escape(str(key))}"
            found.append((str(key), pointer, pointer, {"default": value}))
    inputs: list[dict[str, Any]] = []
    defaults: dict[str, Any] = {}
    for name, name_at, item_at, item in found:
        out = f"/inputs/{len(inputs)}"
        entry: dict[str, Any] = {"name": name}
        where[out], where[f"{out}/name"] = item_at, name_at
        spec = item if isinstance(item, dict) else {"default": item}
        if isinstance(spec.get("description"), str):
            entry["description"] = spec["description"]
            where[f"{out}/description"] = f"{item_at}/description"
        for key in ("default", "sample"):
            if key in spec:
                defaults[name] = spec[key]
                where[f"/metadata/defaults/{escape(name)}"] = (
                    f"{item_at}/{key}" if isinstance(item, dict) else item_at
                )
                break
        inputs.append(entry)
    return inputs, defaults


# ---- the body: shared with Dotprompt -----------------------------------------------------------


def trimmed(text: str, section: Section) -> Section | None:
    """A section without its leading blank lines and trailing blanks, so line n of its content
    is line n after `header_line` (what template error positions rely on)."""
    start, end = section.start, section.end
    while True:
        newline = text.find("\n", start, end)
        if newline == -1 or text[start:newline].strip():
            break
        start = newline + 1
    end = start + len(text[start:end].rstrip())
    if end <= start:
        return None
    return Section(section.role, start, end, text.count("\n", 0, start))


def content_node(doc: Document, section: Section) -> Node:
    """The section's content as a literal block: line n of the content is line header + 1 + n."""
    end_line, end_col = doc.position(section.end)
    if section.header_line < 1:  # content on line 1: no line above to anchor a block on
        return Node(
            doc.span_of_offsets(section.start, section.end), None, section.start, section.end
        )
    span = Span(section.header_line, 1, end_line, end_col)
    return Node(span, None, section.start, section.end, "|")


def messages(
    doc: Document,
    body: int,
    header: re.Pattern[str],
    *,
    default_role: str,
    roles: dict[str, str],
    where: Where,
    content: Callable[[str], str] = lambda text: text,
) -> list[dict[str, Any]]:
    """The body's role sections as canonical messages, each placed on its own lines. `content`
    turns a section's text into the canonical message text (Dotprompt's Handlebars)."""
    out: list[dict[str, Any]] = []
    text = doc.text
    for raw in sections(text, body, len(text), header, default_role):
        section = trimmed(text, raw)
        body_text = "" if section is None else content(text[section.start : section.end])
        if section is None or not body_text.strip():  # nothing but comments: no message
            continue
        pointer = f"/messages/{len(out)}"
        node = content_node(doc, section)
        where[pointer] = where[f"{pointer}/content"] = node
        where[f"{pointer}/role"] = node
        role = roles.get(section.role, section.role)
        out.append({"role": role, "content": body_text.rstrip()})
    return out


# ---- the model pin -----------------------------------------------------------------------------


def _pin(doc: Document, data: dict[str, Any], id_: str) -> Document | None:
    model = data.get("model")
    if isinstance(model, str) and model:  # v2 shorthand: `model: gpt-4o`
        pin: dict[str, Any] = {"id": id_, "provider": guess_provider(model), "model": model}
        where: Where = {"/models": "/model", "/models/0": "/model"}
        where.update({f"/models/0/{k}": "/model" for k in ("id", "provider", "model")})
        pin["metadata"] = {"format": NAME}
        return project(doc, {"models": [pin]}, where)
    if not isinstance(model, dict):
        return None
    v1 = "configuration" in model or "parameters" in model or ("api" in model and "id" not in model)
    found = (_v1 if v1 else _v2)(doc, model)
    if found is None:
        return None
    fields, where = found
    pin = {"id": id_, **fields}
    where.update({"/models": "/model", "/models/0": "/model", "/models/0/id": "/model"})
    options = model.get("parameters" if v1 else "options")
    if isinstance(options, dict) and options:
        pin["params"] = params(options, "/model/" + ("parameters" if v1 else "options"), where)
    return project(doc, {"models": [pin]}, where)


def _v1(doc: Document, model: dict[str, Any]) -> tuple[dict[str, Any], Where] | None:
    conf = model.get("configuration")
    conf = conf if isinstance(conf, dict) else {}
    kind = conf.get("type")
    if not isinstance(kind, str):  # v1's default connection is Azure OpenAI
        kind = "openai" if "azure_deployment" not in conf and "name" in conf else "azure_openai"
    provider = _V1_PROVIDERS.get(kind.lower(), provider_name(kind))
    src = "/model/configuration"
    key = next(
        (k for k in ("azure_deployment", "model", "name") if isinstance(conf.get(k), str)), ""
    )
    if not key:
        return None
    pin: dict[str, Any] = {"provider": provider, "model": conf.get("model", conf[key])}
    where: Where = {"/models/0/provider": f"{src}/type" if "type" in conf else f"{src}/{key}"}
    where["/models/0/model"] = f"{src}/model" if "model" in conf else f"{src}/{key}"
    if "azure_deployment" in conf:
        pin["deployment"] = conf["azure_deployment"]
        where["/models/0/deployment"] = f"{src}/azure_deployment"
    if conf.get("api_version") is not None:
        pin["api_version"] = str(text_at(doc, f"{src}/api_version", conf["api_version"]))
        where["/models/0/api_version"] = f"{src}/api_version"
    return _with_metadata(doc, pin, where, model, "configuration")


def _v2(doc: Document, model: dict[str, Any]) -> tuple[dict[str, Any], Where] | None:
    ref = model.get("id")
    if not isinstance(ref, str) or not ref:
        return None
    named = model.get("provider")
    provider = provider_name(named) if isinstance(named, str) else guess_provider(ref)
    pin: dict[str, Any] = {"provider": provider, "model": ref}
    where: Where = {"/models/0/model": "/model/id"}
    where["/models/0/provider"] = "/model/provider" if isinstance(named, str) else "/model/id"
    if provider == "azure":  # an Azure model id is the deployment's name
        pin["deployment"] = ref
        where["/models/0/deployment"] = "/model/id"
    connection = model.get("connection")
    version = connection.get("apiVersion") if isinstance(connection, dict) else None
    if version is not None:
        pin["api_version"] = str(text_at(doc, "/model/connection/apiVersion", version))
        where["/models/0/api_version"] = "/model/connection/apiVersion"
    return _with_metadata(doc, pin, where, model, "connection")


def _with_metadata(
    doc: Document, pin: dict[str, Any], where: Where, model: dict[str, Any], connection: str
) -> tuple[dict[str, Any], Where]:
    """Where requests go and how they authenticate: endpoints and keys (literal keys are then
    seen by the secret policies; `${env:X}` references are not secrets)."""
    metadata: dict[str, Any] = {"format": NAME}
    for key in ("api", "apiType"):
        if isinstance(model.get(key), str):
            metadata["api"] = model[key]
            where["/models/0/metadata/api"] = f"/model/{key}"
    if isinstance(model.get(connection), dict):
        metadata["connection"] = model[connection]
        subtree(where, doc, "/models/0/metadata/connection", f"/model/{connection}")
    for key in ("response", "responseFormat"):
        if key in model:
            metadata[key] = model[key]
            subtree(where, doc, f"/models/0/metadata/{key}", f"/model/{key}")
    pin["metadata"] = metadata
    return pin, where


def params(options: dict[str, Any], src: str, where: Where) -> dict[str, Any]:
    """Sampling options -> canonical `params` (known names typed, the rest kept as extras)."""
    out: dict[str, Any] = {}
    where["/models/0/params"] = src
    for key, value in options.items():
        name = PARAMS.get(str(key), str(key))
        if name in out:
            continue
        out[name] = value
        where[f"/models/0/params/{escape(name)}"] = f"{src}/{escape(str(key))}"
    return out
