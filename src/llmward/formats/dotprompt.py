"""Google Dotprompt / Genkit (`*.prompt`): YAML front matter, then a Handlebars body.

One file is one prompt and, when it names a `model`, the model pin it runs on (same id). The pin
is `config.version` when set (Genkit sends it as the model version: `model` names the family),
else the `model` id; `googleai/…` and `vertexai/…` map to the providers `google` and `vertex_ai`.
Evaluator prompts omit `model` (set at run time): they have no pin. `name.variant.prompt` keeps
its variant in its id; a partial `_name.prompt` has no front matter and is read as a prompt
fragment with no model whose inputs are the names it reads (the prompts including it declare
them). `#` licence lines may come before the opening `---`; a `---` line in the body is text.

The body's `{{role "system"}}` / `{{#role "x"}}…{{/role}}` markers split it into messages (text
before the first marker is `user`; `model` is `assistant`). Handlebars is not Mustache: block
helpers (`{{#if x}}…{{/if}}`), helper calls (`{{media url=x}}`, `{{json x}}`), `{{else}}`,
`this`, `@data` variables and `~` whitespace control are rewritten to the Mustache the template
checks read (`{{#x}}…{{/x}}`, `{{x}}`), one line for one line, so only real inputs are judged.
Docs: google.github.io/dotprompt/reference/frontmatter, picoschema.
"""

from __future__ import annotations

import re
from typing import Any

from llmward.formats import Files, Projection, Reading
from llmward.formats._build import (
    Where,
    front_matter,
    load_front_matter,
    path_id,
    project,
    subtree,
    text_at,
    unclosed,
)
from llmward.formats.prompty import messages, params
from llmward.formats.providers import split_slash
from llmward.parse.document import Document, escape

NAME = "dotprompt"

_ROLE_TAG = re.compile(r"\{\{~?\s*#?role\s+[\"'](?P<role>\w+)[\"']\s*~?\}\}")
_ROLES = {"model": "assistant"}
_KEPT = ("name", "variant", "tools", "output", "ext", "raw")


def sniff(path: str, head: str) -> bool:
    return False  # `*.prompt` files are found by name


def read(path: str, text: str, files: Files) -> Reading:
    id_ = path_id(path, ".prompt")
    fm = front_matter(text, comments_before=True)
    opened = unclosed(path, text, comments_before=True) if fm is None else None
    if opened is not None:
        return Reading(opened, format=NAME)
    if fm is None:  # a partial, or a prompt with no front matter: the whole file is the body
        doc = Document(path, text, {}, {}, (), ((0, len(text)),))
        where: Where = {}
        prompt = _prompt(doc, {}, id_, 0, where)
        return Reading(doc, (Projection("prompt", project(doc, prompt, where)),), format=NAME)
    doc = load_front_matter(path, text, fm)
    if not doc.ok:
        return Reading(doc, format=NAME)
    data = doc.data if isinstance(doc.data, dict) else {}
    where = {}
    prompt = _prompt(doc, data, id_, fm.body_start, where)
    pin = _pin(doc, data, id_)
    if pin is not None:
        prompt["model"] = id_
        where["/model"] = "/model"
    projections = [Projection("prompt", project(doc, prompt, where))]
    if pin is not None:
        projections.append(Projection("model", pin))
    return Reading(doc, tuple(projections), format=NAME)


def _prompt(
    doc: Document, data: dict[str, Any], id_: str, body: int, where: Where
) -> dict[str, Any]:
    prompt: dict[str, Any] = {"id": id_, "template_format": "mustache"}
    for key in ("description", "version"):
        if data.get(key) is not None:
            prompt[key] = text_at(doc, f"/{key}", data[key])
            where[f"/{key}"] = f"/{key}"
    prompt["messages"] = messages(
        doc, body, _ROLE_TAG, default_role="user", roles=_ROLES, where=where, content=handlebars
    )
    inputs, schema = _inputs(data, where)
    if inputs is None:  # declared in code (a named schema) or by the includer (a partial)
        inputs = [{"name": n} for n in sorted(_read_names(prompt["messages"]))]
    if inputs:
        prompt["inputs"] = inputs
    metadata: dict[str, Any] = {"format": NAME}
    for key in _KEPT:
        if key in data:
            metadata[key] = data[key]
            subtree(where, doc, f"/metadata/{key}", f"/{key}")
    if schema is not None:
        metadata["input_schema"] = schema
        where["/metadata/input_schema"] = "/input/schema"
    if id_.rpartition("/")[2].startswith("_"):
        metadata["partial"] = True
    config = data.get("config")
    if "model" not in data and isinstance(config, dict):
        metadata["config"] = config  # no pin to carry it: kept with the prompt
        subtree(where, doc, "/metadata/config", "/config")
    prompt["metadata"] = metadata
    return prompt


# ---- inputs: Picoschema ------------------------------------------------------------------------

_FIELD = re.compile(r"^(?P<name>[^?(]+)(?P<optional>\?)?(?:\((?P<spec>[^)]*)\))?$")


def _inputs(data: dict[str, Any], where: Where) -> tuple[list[dict[str, Any]] | None, Any]:
    """(inputs, a named schema). `input.schema` is Picoschema (`name: type, description`,
    `name?: type` optional, `name(array, description)`) or a JSON Schema with `properties`; a
    string names a schema registered in code (inputs unknown: None)."""
    spec = data.get("input")
    schema = spec.get("schema") if isinstance(spec, dict) else None
    if not isinstance(schema, dict):
        # a named schema (`schema: Ticket`) is registered in code, as is a partial's (its
        # includer's): inputs unknown. Otherwise the prompt declares none.
        return (None, schema) if schema is not None or not data else ([], None)
    src = "/input/schema"
    fields = schema
    if isinstance(schema.get("properties"), dict) and "type" in schema:  # JSON Schema
        fields, src = schema["properties"], "/input/schema/properties"
    inputs: list[dict[str, Any]] = []
    for key, value in fields.items():
        m = _FIELD.match(str(key).strip())
        if m is None or str(key).startswith("("):  # `(*)`: any other key, not an input
            continue
        out = f"/inputs/{len(inputs)}"
        pointer = f"{src}/{escape(str(key))}"
        entry: dict[str, Any] = {"name": m.group("name").strip()}
        description = _description(value, m.group("spec"))
        if description:
            entry["description"] = description
            where[f"{out}/description"] = pointer
        where[out] = where[f"{out}/name"] = pointer
        inputs.append(entry)
    return inputs, None


def _description(value: Any, spec: str | None) -> str | None:
    if isinstance(value, str) and "," in value:
        return value.split(",", 1)[1].strip() or None
    if isinstance(value, dict) and isinstance(value.get("description"), str):
        return str(value["description"])
    if spec and "," in spec:
        return spec.split(",", 1)[1].strip() or None
    return None


# ---- the model pin -----------------------------------------------------------------------------


def _pin(doc: Document, data: dict[str, Any], id_: str) -> Document | None:
    ref = data.get("model")
    if not isinstance(ref, str) or not ref:
        return None
    provider, model = split_slash(ref)
    pin: dict[str, Any] = {"id": id_, "provider": provider, "model": model}
    where: Where = {"/models": "/model", "/models/0": "/model", "/models/0/id": "/model"}
    where["/models/0/provider"] = where["/models/0/model"] = "/model"
    config = data.get("config")
    if isinstance(config, dict):
        version = config.get("version")
        if isinstance(version, str) and version:
            pin["model"] = version
            where["/models/0/model"] = "/config/version"
        options = {k: v for k, v in config.items() if k != "version"}
        if options:
            pin["params"] = params(options, "/config", where)
    pin["metadata"] = {"format": NAME, "model": ref}
    where["/models/0/metadata/model"] = "/model"
    return project(doc, {"models": [pin]}, where)


# ---- Handlebars -> the Mustache the template checks read ---------------------------------------

_TAG = re.compile(
    r"(?P<comment>\{\{~?!--.*?--~?\}\})"
    r"|\{\{(?P<open>\{?)~?\s*(?P<sigil>[#/^&!>]?)(?P<expr>.*?)~?\}?\}\}",
    re.S,
)
_STRING = re.compile(r"\"[^\"]*\"|'[^']*'")
_SUBEXPRESSION = re.compile(r"\(\s*[^\s()]+")  # `(eq a b)`: `eq` is a helper
_BLOCK_PARAMS = re.compile(r"\bas\s*\|[^|]*\|")  # `{{#each xs as |x|}}`
_PATH = re.compile(r"[@A-Za-z_.][\w.@/-]*")
_NO_ARG_HELPERS = frozenset({"else", "history", "log", "debugger"})
_NOT_INPUTS = frozenset({"true", "false", "null", "undefined", "if", "unless", "each", "with"})


def handlebars(text: str) -> str:
    """Block helpers become sections named by their first argument (`{{#if x}}` -> `{{#x}}`),
    helper calls the variables they read; unmatched closing tags are kept, so the checks still
    report them. Newlines are kept: line n stays line n."""
    stack: list[tuple[str, str]] = []  # (helper, section name written for it)

    def one(m: re.Match[str]) -> str:
        keep_lines = "\n" * m.group(0).count("\n")
        if m.group("comment") or m.group("sigil") == "!":  # never sent to the model
            return keep_lines
        sigil, expr = m.group("sigil"), (m.group("expr") or "").strip()
        if sigil in (">", "/"):
            return _closing(stack, m.group(0), expr, keep_lines) if sigil == "/" else m.group(0)
        reads = _reads(expr)
        if sigil not in ("#", "^"):
            return "".join(f"{{{{{r}}}}}" for r in reads) + keep_lines
        name = reads[0] if reads else "."
        stack.append(((expr.split() or [""])[0], name))
        tags = "".join(f"{{{{{r}}}}}" for r in reads[1:])
        return tags + f"{{{{{sigil}{name}}}}}" + keep_lines

    return _TAG.sub(one, text)


def _closing(stack: list[tuple[str, str]], tag: str, helper: str, keep_lines: str) -> str:
    """`{{/if}}` closes the section its `{{#if x}}` opened; `{{/role}}` ends a role block."""
    if helper == "role":
        return keep_lines
    if stack and stack[-1][0] == helper:
        return "{{/" + stack.pop()[1] + "}}" + keep_lines
    return tag  # closes nothing: kept, so the syntax check reports it


def _reads(expr: str) -> list[str]:
    """The variables an expression reads: `if x` -> [x], `media url=a` -> [a], `x` -> [x]."""
    expr = _BLOCK_PARAMS.sub(" ", _STRING.sub(' "" ', expr))
    tokens = _SUBEXPRESSION.sub(" ", expr).replace(")", " ").split()
    if len(tokens) > 1:
        tokens = tokens[1:]  # the first names the helper
    elif tokens and tokens[0] in _NO_ARG_HELPERS:
        return []
    out: list[str] = []
    for token in tokens:
        path = token.split("=", 1)[1] if "=" in token else token
        while path.startswith("../"):
            path = path[3:]
        if not _PATH.fullmatch(path) or path.startswith("@") or path in _NOT_INPUTS:
            continue
        out.append("." if path in ("this", ".") or path.startswith(("this.", "./")) else path)
    return out


def _read_names(msgs: list[dict[str, Any]]) -> set[str]:
    names: set[str] = set()
    tag = re.compile(r"\{\{\{?\s*[#^&]?\s*([A-Za-z_]\w*)")
    for message in msgs:
        names.update(tag.findall(message["content"]))
    return names
