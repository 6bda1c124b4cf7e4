"""Guardrails AI: `.rail` specs (XML) and Hub guard templates (JSON).

A `.rail` file is one guard: one guardrail config (id from its path) whose rails are its
validators, plus a prompt (same id) when it holds `<prompt>`, `<instructions>` or `<messages>`.
Only a `validators="a; b"` attribute creates validators (guardrails `schema/rail_schema.py`):
those under `<output>` are output rails, those on the prompt elements input rails. Each takes
its on-fail from `on-fail-<name>` (`/` in a Hub name becomes `_`); a rail without one is `noop`:
the validator runs and its failure is ignored (in code the default is `exception`).

A legacy `format="a; b"` is now only a schema format string: validators named there never run.
They are kept under `metadata.inactive_validators`, and an `on-fail-*` naming no validator of its
element under `metadata.orphan_on_fail`, each at its attribute (GRD020, GRD021).

Actions follow Guardrails' order exception > refrain > filter > reask/fix_reask > fix > noop:
exception, refrain and filter stop the value (block); reask, fix_reask and fix replace it
(redact); noop only logs (warn). `custom` runs application code: redact, and GRD023 asks for a
review. The value itself is kept in `options.on_fail`.

A guard template (`guards: [{id, validators: [{id, on, onFail, kwargs}]}]`) gives one guardrail
per guard; a validator `on` the prompt, instructions or messages is an input rail.
"""

from __future__ import annotations

import re
from typing import Any

from llmward.formats import Files, Projection, Reading
from llmward.formats._build import Where, offsets_node, path_id, project, safe_id, subtree
from llmward.formats._xml import Element, attribute, parse
from llmward.parse.document import Document, Node, Span
from llmward.parse.yaml_doc import load_yaml

NAME = "guardrails-ai"
_GUARDS = re.compile(r'"guards"\s*:\s*\[')
_VALIDATORS = re.compile(r'"validators"\s*:\s*\[')
_ON_FAIL = re.compile(r'"(?:onFail|on)"\s*:')

ACTIONS = {
    "exception": "block",
    "refrain": "block",
    "filter": "block",
    "reask": "redact",
    "fix_reask": "redact",
    "fix": "redact",
    "custom": "redact",
    "noop": "warn",
}
# validator names (Hub namespace dropped, `-` as `_`) -> the rail types llmward's policies know
_RAIL_TYPES = {
    "detect_pii": "pii",
    "pii": "pii",
    "pii_filter": "pii",
    "guardrails_pii": "pii",
    "toxic_language": "toxicity",
    "nsfw_text": "toxicity",
    "profanity_free": "toxicity",
    "is_profanity_free": "toxicity",
    "detect_prompt_injection": "prompt_injection",
    "prompt_injection": "prompt_injection",
    "detect_jailbreak": "jailbreak",
    "unusual_prompt": "jailbreak",
    "secrets_present": "secrets",
    "detect_secrets": "secrets",
    "restricttotopic": "topic",
    "restrict_to_topic": "topic",
}
# the elements whose validators check what is sent to the model
_PROMPT_TAGS = ("instructions", "prompt", "messages")
_INPUT_ON = frozenset({"prompt", "instructions", "messages", "msg_history"})
# validators that shipped with Guardrails when `format=` still created them: a `format=` entry
# with one of these names, or with an `on-fail-<name>` beside it, was meant as a validator
LEGACY_VALIDATORS = frozenset(
    {
        "bug-free-python",
        "bug-free-sql",
        "valid-sql",
        "sql-column-presence",
        "exclude-sql-predicates",
        "lower-case",
        "upper-case",
        "two-words",
        "one-line",
        "valid-range",
        "valid-length",
        "valid-choices",
        "valid-url",
        "is-reachable",
        "ends-with",
        "regex_match",
        "is-profanity-free",
        "similar-to-document",
        "similar-to-list",
        "reading-time",
        "extractive-summary",
        "remove-redundant-sentences",
        "saliency-check",
        "qa-relevance-llm-eval",
        "provenance-v0",
        "provenance-v1",
        "pii",
        "detect-secrets",
        "toxic-language",
        "competitor-check",
        "is-high-quality-translation",
    }
)


def sniff(path: str, head: str) -> bool:
    return bool(_GUARDS.search(head) and _VALIDATORS.search(head) and _ON_FAIL.search(head))


def read(path: str, text: str, files: Files) -> Reading:
    if path.endswith(".rail"):
        return _read_rail(path, text)
    return _read_template(path, text)


def rail_type(name: str) -> str:
    """`hub://guardrails/detect_pii` -> pii, `valid-sql` -> valid_sql."""
    base = name.strip().removeprefix("hub://").rsplit("/", 1)[-1].lower()
    key = re.sub(r"[^a-z0-9_]+", "_", base.replace("-", "_")).strip("_")
    kind = _RAIL_TYPES.get(key, key)
    return kind if kind[:1].isalpha() else "v_" + kind if kind else "unknown"


def _rail(validator: str, on: str, on_fail: str, default: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"validator": validator, "on": on, "on_fail": on_fail}
    if default:
        options["on_fail_default"] = True
    return {
        "type": rail_type(validator),
        "id": f"{on} {validator}",
        "action": ACTIONS.get(on_fail, "warn"),
        "options": options,
    }


# ---- .rail -------------------------------------------------------------------------------------


def _read_rail(path: str, text: str) -> Reading:
    found = parse(text)
    end = max(text.count("\n") + 1, 1)
    src = Document(path, text, None, {"": Node(Span(1, 1, end, 1), None, 0, len(text))})
    if found.problem is not None or found.root is None:
        problems = (found.problem,) if found.problem is not None else ()
        return Reading(Document(path, text, None, {}, problems), format=NAME)
    rail = _Rail(src, path_id(path, ".rail"))
    rail.walk(found.root)
    projections = [Projection("guardrail", rail.guardrail())]
    prompt = rail.prompt(found.root)
    if prompt is not None:
        projections.append(Projection("prompt", prompt))
    return Reading(src, tuple(projections), format=NAME)


class _Rail:
    """Collects one rail file's validators with the nodes of the attributes they came from."""

    def __init__(self, src: Document, id_: str) -> None:
        self.src, self.id = src, id_
        self.rails: dict[str, list[dict[str, Any]]] = {"input": [], "output": []}
        self.inactive: list[dict[str, Any]] = []
        self.orphans: list[dict[str, Any]] = []
        self.where: Where = {"/id": self.src.nodes[""]}

    def node(self, element: Element, name: str | None = None) -> Node:
        span = attribute(self.src.text, element, name) if name else None
        start, end = span if span else (element.start, element.start + 1 + len(element.tag))
        return offsets_node(self.src, start, end)

    def walk(self, root: Element) -> None:
        output = root.find("output")
        if output is not None:
            self.where["/output"] = self.node(output)
            self._output(output, "$")
        for tag in _PROMPT_TAGS:
            element = root.find(tag)
            if element is not None:
                self.where.setdefault("/input", self.node(element))
                self._validators(element, tag, "input")
                for message in element.children if tag == "messages" else ():
                    self._validators(message, tag, "input")

    def _output(self, element: Element, json_path: str) -> None:
        self._validators(element, json_path, "output")
        base = json_path.replace(".*", "")
        for child in element.children:
            if element.tag == "list":
                self._output(child, f"{base}.*")
            elif child.tag == "case":
                for grandchild in child.children:
                    self._named(grandchild, base)
            else:
                self._named(child, base)

    def _named(self, child: Element, base: str) -> None:
        name = child.attrs.get("name")
        if name:  # Guardrails skips a nameless field, and so do its validators
            self._output(child, f"{base}.{name}")

    def _validators(self, element: Element, on: str, side: str) -> None:
        handlers = {
            k[len("on-fail-") :]: v for k, v in element.attrs.items() if k[:8] == "on-fail-"
        }
        used: set[str] = set()
        for name in _names(element.attrs.get("validators", "")):
            used.add(_key(name))
            self._add(element, side, name, on, handlers)
        for name in _names(element.attrs.get("format", "")):
            if _key(name) in handlers or name in LEGACY_VALIDATORS:
                used.add(_key(name))
                entry = {"validator": name, "on": on, "attribute": "format"}
                self._extra(self.inactive, "inactive_validators", entry, element, "format")
        for key, value in handlers.items():
            if key not in used:
                entry = {"validator": key, "on": on, "on_fail": value}
                self._extra(self.orphans, "orphan_on_fail", entry, element, f"on-fail-{key}")

    def _add(
        self, element: Element, side: str, name: str, on: str, handlers: dict[str, str]
    ) -> None:
        value = handlers.get(_key(name))
        rail = _rail(name, on, value or "noop", value is None)
        out = f"/{side}/{len(self.rails[side])}"
        self.rails[side].append(rail)
        self.where[out] = self.node(element)
        self.where[f"{out}/type"] = self.where[f"{out}/id"] = self.node(element, "validators")
        acted = self.node(element, f"on-fail-{_key(name)}" if value else "validators")
        self.where[f"{out}/action"] = self.where[f"{out}/options/on_fail"] = acted
        self.where[f"{out}/options"] = self.node(element)
        if value is None:  # GRD022 points at the validator that has no handler
            self.where[f"{out}/options/on_fail_default"] = self.node(element, "validators")

    def _extra(
        self, found: list[dict[str, Any]], key: str, entry: dict[str, Any], el: Element, attr: str
    ) -> None:
        self.where[f"/metadata/{key}/{len(found)}"] = self.node(el, attr)
        found.append(entry)

    def guardrail(self) -> Document:
        metadata: dict[str, Any] = {"format": NAME}
        if self.inactive:
            metadata["inactive_validators"] = self.inactive
        if self.orphans:
            metadata["orphan_on_fail"] = self.orphans
        guard: dict[str, Any] = {"id": self.id, "metadata": metadata}
        guard.update({side: rails for side, rails in self.rails.items() if rails})
        return project(self.src, guard, self.where)

    def prompt(self, root: Element) -> Document | None:
        messages: list[dict[str, str]] = []
        where: Where = {"/id": self.src.nodes[""]}
        for tag in _PROMPT_TAGS:
            element = root.find(tag)
            if element is None:
                continue
            parts = element.children if tag == "messages" else [element]
            for part in parts:
                role = _ROLES.get(part.attrs.get("role", tag).lower())
                content = part.content.removeprefix("\n").rstrip()
                if role is None or not content.strip():
                    continue
                where[f"/messages/{len(messages)}"] = self.node(part)
                where[f"/messages/{len(messages)}/content"] = self._content_node(part)
                messages.append({"role": role, "content": content})
        if not messages:
            return None
        variables = sorted(set(re.findall(r"\$\{([A-Za-z_][\w.]*)\}", "".join(_all_text(root)))))
        data = {
            "id": self.id,
            "guardrails": [self.id],
            "messages": messages,
            "metadata": {"format": NAME, "template": "string.Template", "variables": variables},
        }
        return project(self.src, data, where)

    def _content_node(self, element: Element) -> Node:
        """Like a literal block: line n of the content is line n after the line of the tag."""
        start = element.tag_end
        header = self.src.position(start)[0] - (
            0 if self.src.text[start : start + 1] == "\n" else 1
        )
        end_line, end_col = self.src.position(element.end)
        return Node(Span(max(header, 1), 1, end_line, end_col), None, start, element.end, "|")


_ROLES = {
    "instructions": "system",
    "prompt": "user",
    "system": "system",
    "developer": "developer",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "tool": "tool",
}


def _all_text(element: Element) -> list[str]:
    return [element.content] + [t for child in element.children for t in _all_text(child)]


def _key(name: str) -> str:
    """The `on-fail-` suffix that applies to a validator: its alias with `/` as `_`."""
    return name.removeprefix("hub://").replace("/", "_")


def _names(spec: str) -> list[str]:
    """Validator names in `a; b: arg1 arg2; {c}` (`;` inside quotes or brackets does not split)."""
    names: list[str] = []
    depth, quote, current = 0, "", list[str]()
    for char in spec + ";":
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif char == ";" and depth == 0:
            names.append(_name("".join(current)))
            current = []
            continue
        current.append(char)
    return [n for n in names if n]


def _name(entry: str) -> str:
    """`bug-free-sql: ${conn}` -> bug-free-sql; `hub://guardrails/regex_match: x` keeps `hub://`."""
    entry = entry.strip()
    hub = "hub://" if entry.startswith("hub://") else ""
    return hub + entry[len(hub) :].split(":", 1)[0].strip()


# ---- guard templates (JSON) --------------------------------------------------------------------


def _read_template(path: str, text: str) -> Reading:
    doc = load_yaml(path, text)
    data = doc.data
    if not doc.ok or not isinstance(data, dict) or not isinstance(data.get("guards"), list):
        return Reading(doc, format=NAME)
    base = path_id(path, ".json", ".yaml", ".yml")
    projections = []
    for index, guard in enumerate(data["guards"]):
        if isinstance(guard, dict):
            projections.append(Projection("guardrail", _guard(doc, guard, index, base)))
    return Reading(doc, tuple(projections), format=NAME)


def _guard(doc: Document, guard: dict[str, Any], index: int, base: str) -> Document:
    src = f"/guards/{index}"
    name = guard.get("id") or guard.get("name") or str(index)
    out: dict[str, Any] = {"id": f"{base}/{safe_id(str(name))}", "metadata": {"format": NAME}}
    where: Where = {"/id": f"{src}/id" if "id" in guard else src}
    validators = guard.get("validators")
    for j, validator in enumerate(validators if isinstance(validators, list) else []):
        if not isinstance(validator, dict) or not isinstance(validator.get("id"), str):
            continue
        on = validator.get("on", "$")
        on = on if isinstance(on, str) else "$"
        on_fail = validator.get("onFail")
        on_fail = on_fail if isinstance(on_fail, str) else "exception"
        side = "input" if on in _INPUT_ON else "output"
        rails = out.setdefault(side, [])
        rail = _rail(validator["id"], on, on_fail, False)
        at, vsrc = f"/{side}/{len(rails)}", f"{src}/validators/{j}"
        where.update({f"/{side}": f"{src}/validators", at: vsrc, f"{at}/type": f"{vsrc}/id"})
        where[f"{at}/id"] = f"{vsrc}/id"
        acted = f"{vsrc}/onFail" if "onFail" in validator else f"{vsrc}/id"
        where[f"{at}/action"] = where[f"{at}/options/on_fail"] = acted
        where[f"{at}/options"] = vsrc
        if isinstance(validator.get("kwargs"), dict):
            rail["options"]["kwargs"] = validator["kwargs"]
            subtree(where, doc, f"{at}/options/kwargs", f"{vsrc}/kwargs")
        rails.append(rail)
    return project(doc, out, where)
