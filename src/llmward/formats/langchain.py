"""LangChain serialized prompts (`load_prompt` files): `_type: prompt | few_shot | chat`, in YAML
or JSON.

One file is one prompt. `prompt`: the `template` (or the file `template_path` names, resolved
beside this file) is one user message. `chat`: each `template` / `messages` entry is a message
(`human` -> user, `ai` -> assistant; `prompt.template` or `content`). `few_shot`: `prefix` and
`suffix` are two user messages (LangChain joins them, with the rendered examples between, into one
string; kept apart so findings keep their lines); `example_prompt` and `examples` (inline, or the
name of a file) are metadata, since their variables are filled from the examples, not by callers.

`input_variables` are the inputs; `partial_variables` are inputs too, marked trusted (their values
are written in the file). `template_format`: `f-string` (the default) -> fstring, `jinja2`,
`mustache`. A Jinja2 template is refused by upstream `load_prompt` as arbitrary code execution
(PRM022), and absolute or `..` paths in `template_path` / `examples` are refused unless
`allow_dangerous_paths=True` (PRM023).
"""

from __future__ import annotations

import re
from posixpath import dirname, join, normpath
from typing import Any

from llmward.formats import Files, Projection, Reading
from llmward.formats._build import Where, path_id, project
from llmward.parse.document import Document
from llmward.parse.yaml_doc import load_yaml

NAME = "langchain"

_SNIFF = re.compile(r"""^\s*["']?_type["']?\s*:\s*["']?(?:prompt|few_shot|chat)\b""", re.M)
TYPES = ("prompt", "few_shot", "chat")
FORMATS = {"f-string": "fstring", "jinja2": "jinja2", "mustache": "mustache"}
ROLES = {
    "human": "user",
    "user": "user",
    "ai": "assistant",
    "assistant": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "tool",
    "developer": "developer",
}


def sniff(path: str, head: str) -> bool:
    return bool(_SNIFF.search(head))


def read(path: str, text: str, files: Files) -> Reading:
    doc = load_yaml(path, text)
    data = doc.data
    if not doc.ok or not isinstance(data, dict) or data.get("_type") not in TYPES:
        return Reading(doc, format=NAME)
    folder = dirname(path)
    siblings: list[str] = []
    prompt, where = _base(doc, data, path_id(path, ".yaml", ".yml", ".json"))
    loader = _Loader(files, folder, siblings)
    messages = _MESSAGES[data["_type"]](data, prompt["metadata"], where, loader)
    if not messages:  # nothing to review: no template, or one in a file that is not there
        return Reading(doc, format=NAME, siblings=tuple(siblings))
    prompt["messages"] = messages
    projection = Projection("prompt", project(doc, prompt, where))
    return Reading(doc, (projection,), format=NAME, siblings=tuple(siblings))


class _Loader:
    """Files a prompt names (`template_path`, `examples`), read beside it; remembered as
    siblings, since the prompt's content depends on them."""

    def __init__(self, files: Files, folder: str, seen: list[str]) -> None:
        self.files, self.folder, self.seen = files, folder, seen

    @staticmethod
    def inside(name: str) -> bool:
        """Never read outside the prompt's folder: PRM023 reports such paths."""
        return not name.startswith(("/", "\\", "~")) and ".." not in re.split(r"[\\/]", name)

    def text(self, name: str) -> str | None:
        if not self.inside(name):
            return None
        path = normpath(join(self.folder, name)) if self.folder else normpath(name)
        self.seen.append(path)
        raw = self.files(path)
        return None if raw is None else raw.decode("utf-8", "replace").lstrip("\ufeff")


def _base(doc: Document, data: dict[str, Any], id_: str) -> tuple[dict[str, Any], Where]:
    native = data.get("template_format", "f-string")
    prompt: dict[str, Any] = {
        "id": id_,
        "template_format": FORMATS.get(native, native) if isinstance(native, str) else native,
    }
    where: Where = {"/messages": "/template" if "template" in doc.data else ""}
    if "template_format" in data:
        where["/template_format"] = "/template_format"
    metadata: dict[str, Any] = {"format": NAME, "type": data["_type"]}
    inputs = _inputs(data, where)
    if inputs:
        prompt["inputs"] = inputs
    for key in ("template_path", "output_parser", "partial_variables", "validate_template"):
        if key in data:
            metadata[key] = data[key]
            where[f"/metadata/{key}"] = f"/{key}"
    prompt["metadata"] = metadata
    return prompt, where


def _inputs(data: dict[str, Any], where: Where) -> list[dict[str, Any]]:
    inputs: list[dict[str, Any]] = []
    names = data.get("input_variables")
    for index, name in enumerate(names if isinstance(names, list) else ()):
        where[f"/inputs/{len(inputs)}"] = where[f"/inputs/{len(inputs)}/name"] = (
            f"/input_variables/{index}"
        )
        inputs.append({"name": name})
    partials = data.get("partial_variables")
    for name in partials if isinstance(partials, dict) else ():
        out = f"/inputs/{len(inputs)}"
        where[out] = where[f"{out}/name"] = f"/partial_variables/{name}"
        inputs.append({"name": name, "trusted": True})
    return inputs


Messages = list[dict[str, Any]]
Metadata = dict[str, Any]


def _plain(data: dict[str, Any], metadata: Metadata, where: Where, files: _Loader) -> Messages:
    template = data.get("template")
    if template is None and isinstance(data.get("template_path"), str):
        # a path outside the folder is never read and a missing file has nothing to read, but
        # the prompt is still an artifact, so PRM023 and the diff see the path itself
        template = files.text(data["template_path"])
        metadata["template_found"] = template is not None
        where["/messages/0"] = where["/messages/0/content"] = "/template_path"
        return [{"role": "user", "content": template or ""}]
    if template is None:
        return []
    where["/messages/0"] = where["/messages/0/content"] = "/template"
    return [{"role": "user", "content": template}]


def _chat(data: dict[str, Any], metadata: Metadata, where: Where, files: _Loader) -> Messages:
    key = "/template" if isinstance(data.get("template"), list) else "/messages"
    entries = data.get(key[1:])
    if isinstance(data.get("template"), str):
        return _plain(data, metadata, where, files)
    out: Messages = []
    for index, entry in enumerate(entries if isinstance(entries, list) else ()):
        message = _chat_message(entry, f"{key}/{index}", f"/messages/{len(out)}", where)
        if message is not None:
            out.append(message)
    return out


def _chat_message(entry: Any, src: str, out: str, where: Where) -> dict[str, Any] | None:
    if isinstance(entry, (list, tuple)) and len(entry) == 2:  # ("human", "text") pairs
        role, content = entry
        where[f"{out}/role"], where[f"{out}/content"] = f"{src}/0", f"{src}/1"
    elif isinstance(entry, dict):
        role = entry.get("role") or entry.get("_type", "")
        content, field = entry.get("content"), "content"
        prompt = entry.get("prompt")
        if content is None and isinstance(prompt, dict):
            content, field = prompt.get("template"), "prompt/template"
        if content is None:  # a MessagesPlaceholder: filled by the caller in code
            return None
        where[f"{out}/role"] = f"{src}/role" if "role" in entry else f"{src}/_type"
        where[f"{out}/content"] = f"{src}/{field}"
    else:
        return None
    where[out] = src
    name = str(role).lower().removesuffix("messageprompttemplate").removesuffix("message")
    return {"role": ROLES.get(name, role), "content": content}


def _few_shot(data: dict[str, Any], metadata: Metadata, where: Where, files: _Loader) -> Messages:
    out: Messages = []
    for key in ("prefix", "suffix"):
        if isinstance(data.get(key), str) and data[key].strip():
            where[f"/messages/{len(out)}"] = where[f"/messages/{len(out)}/content"] = f"/{key}"
            out.append({"role": "user", "content": data[key]})
    _examples(data, metadata, where, files)
    return out


def _examples(data: dict[str, Any], metadata: Metadata, where: Where, files: _Loader) -> None:
    """The example prompt and the examples: what the diff shows and PRM022/PRM023 judge."""
    prompt = data.get("example_prompt")
    if isinstance(prompt, dict):
        example: dict[str, Any] = {
            k: prompt[k] for k in ("template", "input_variables", "template_format") if k in prompt
        }
        metadata["example_prompt"] = example
        where["/metadata/example_prompt"] = "/example_prompt"
        for key in example:
            where[f"/metadata/example_prompt/{key}"] = f"/example_prompt/{key}"
    elif isinstance(prompt, str):  # example_prompt_path, by its older name
        metadata["example_prompt_path"] = prompt
        where["/metadata/example_prompt_path"] = "/example_prompt"
    if isinstance(data.get("example_prompt_path"), str):
        metadata["example_prompt_path"] = data["example_prompt_path"]
        where["/metadata/example_prompt_path"] = "/example_prompt_path"
    examples = data.get("examples")
    if isinstance(examples, str):
        metadata["examples_path"] = examples
        where["/metadata/examples_path"] = "/examples"
        if files.inside(examples):
            metadata["examples_found"] = files.text(examples) is not None
    elif isinstance(examples, list):
        metadata["examples"] = examples
        where["/metadata/examples"] = "/examples"


_MESSAGES = {"prompt": _plain, "chat": _chat, "few_shot": _few_shot}
