"""Artifacts as the policy engine sees them, and the whole-repository index they resolve against.

Per-file work (parse, most policies) runs without seeing other files, so it can be cached by
content hash and spread over processes. Policies that need the whole repository emit findings with
a *condition* (e.g. "guardrail X does not exist"); `RepoIndex.holds` decides them at the end, from
small per-artifact summaries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from llmward.parse.document import Document, join_pointer, resolve, unescape

Condition = tuple[Any, ...]
KINDS = ("prompt", "model", "guardrail")  # the artifact kinds, in discovery order


@dataclass(frozen=True)
class Artifact:
    """One prompt, model pin or guardrail config, as plain data plus its document's positions."""

    kind: str
    id: str
    path: str
    pointer: str  # where the artifact sits in its document ("" or "/models/3")
    data: Mapping[str, Any]
    doc: Document
    environments: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    def summary(self) -> Summary:
        model = self.data.get("model") if self.kind == "prompt" else None
        return Summary(
            self.kind,
            self.id,
            self.path,
            self.pointer,
            self.strings("guardrails"),
            self.strings("applies_to"),
            self.environments,
            model if isinstance(model, str) else None,
        )


@dataclass(frozen=True)
class Summary:
    """What other files need to know about an artifact."""

    kind: str
    id: str
    path: str
    pointer: str
    guardrails: tuple[str, ...] = ()
    applies_to: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    model: str | None = None  # a prompt's model pin


# Fields that are text whatever YAML makes of them: `version: 1.10` means "1.10", not 1.1.
STRING_FIELDS: dict[str, tuple[str, ...]] = {
    "prompt": (
        "/id",
        "/version",
        "/owner",
        "/description",
        "/model",
        "/guardrails/*",
        "/evals/*",
        "/inputs/*/name",
    ),
    "model": (
        *tuple(
            f"/models/*/{f}"
            for f in (
                "id",
                "model",
                "revision",
                "digest",
                "api_version",
                "deployment",
                "owner",
                "description",
            )
        ),
        "/models/*/fallbacks/*",
        "/models/*/environments/*",
    ),
    "guardrail": ("/id", "/owner", "/description", "/applies_to/*", "/input/*/id", "/output/*/id"),
}


def read_as_strings(kind: str, doc: Document) -> None:
    """Plain scalars YAML resolved to numbers or booleans become their source text, in place."""
    from llmward.policy.select import select

    for pattern in STRING_FIELDS.get(kind, ()):
        for pointer, value in list(select(doc.data, pattern)):
            node = doc.nodes.get(pointer)
            if isinstance(value, (bool, int, float)) and node is not None and node.style is None:
                parent, _, key = pointer.rpartition("/")
                container = resolve(doc.data, parent)
                container[int(key) if isinstance(container, list) else unescape(key)] = doc.raw(
                    pointer
                )


def artifacts_of(kind: str, doc: Document, environments: tuple[str, ...]) -> list[Artifact]:
    data = doc.data
    if not isinstance(data, dict):
        return []
    if kind != "model":
        return [Artifact(kind, _id(data, doc.path), doc.path, "", data, doc, environments)]
    entries = data.get("models")
    if not isinstance(entries, list):
        return []
    out = []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            pointer = join_pointer("/models", index)
            out.append(
                Artifact(
                    kind,
                    _id(entry, f"{doc.path}#{index}"),
                    doc.path,
                    pointer,
                    entry,
                    doc,
                    _pin_environments(entry, environments),
                )
            )
    return out


def _id(data: Mapping[str, Any], fallback: str) -> str:
    value = data.get("id")
    return value if isinstance(value, str) and value else fallback


def _pin_environments(entry: Mapping[str, Any], by_path: tuple[str, ...]) -> tuple[str, ...]:
    declared = entry.get("environments")
    extra = [e for e in declared if isinstance(e, str)] if isinstance(declared, list) else []
    return tuple(sorted(set(by_path) | set(extra)))


class RepoIndex:
    """Every artifact in the repository, by kind and id, with the references between them."""

    def __init__(self, summaries: Iterable[Summary]) -> None:
        self.summaries = list(summaries)
        self.ids: Counter[tuple[str, str]] = Counter((s.kind, s.id) for s in self.summaries)
        self.applies: dict[str, set[str]] = defaultdict(set)
        self.prompt_envs: dict[str, set[str]] = defaultdict(set)
        self.prompt_guards: dict[str, tuple[str, ...]] = {}
        self.model_users: dict[str, set[str]] = defaultdict(set)
        self.guard_users: dict[str, set[str]] = defaultdict(set)
        self.envs: dict[str, set[str]] = defaultdict(set)
        for s in self.summaries:
            self.envs[f"{s.kind}:{s.id}"].update(s.environments)
            if s.kind == "prompt":
                if s.model:
                    self.model_users[s.model].add(s.id)
                for guard in s.guardrails:
                    self.guard_users[guard].add(s.id)
            elif s.kind == "guardrail":
                self.guard_users[s.id].update(s.applies_to)
            if s.kind == "guardrail":
                for prompt_id in s.applies_to:
                    self.applies[prompt_id].add(s.id)
            elif s.kind == "prompt":
                self.prompt_envs[s.id].update(s.environments)
                self.prompt_guards[s.id] = s.guardrails

    def exists(self, kind: str, id_: str) -> bool:
        return (kind, id_) in self.ids

    def guardrails_for(self, prompt_id: str, own: Iterable[str]) -> list[str]:
        found = {g for g in own if self.exists("guardrail", g)} | self.applies.get(prompt_id, set())
        return sorted(found)

    def guardrail_environments(self, guardrail_id: str, applies_to: Iterable[str]) -> set[str]:
        """A guardrail serves the environments of every prompt it is attached to."""
        prompts = set(applies_to) | self.guard_users.get(guardrail_id, set())
        return {env for p in prompts for env in self.prompt_envs.get(p, ())}

    def users(self, kind: str, id_: str) -> set[str]:
        """Prompts using a model pin or a guardrail: the blast radius of a change to it."""
        if kind == "model":
            return set(self.model_users.get(id_, ()))
        if kind == "guardrail":
            return set(self.guard_users.get(id_, ()))
        return set()

    def holds(self, condition: Condition) -> bool:
        if not condition:
            return True
        check = _CONDITIONS[condition[0]]
        return bool(check(self, *condition[1:]))


def _missing(index: RepoIndex, kind: str, id_: str) -> bool:
    return not index.exists(kind, id_)


def _unguarded(index: RepoIndex, prompt_id: str, own: tuple[str, ...]) -> bool:
    return not index.guardrails_for(prompt_id, own)


def _duplicate(index: RepoIndex, kind: str, id_: str) -> bool:
    return index.ids[(kind, id_)] > 1


def _serves(
    index: RepoIndex, guardrail_id: str, applies_to: tuple[str, ...], envs: tuple[str, ...]
) -> bool:
    return bool(index.guardrail_environments(guardrail_id, applies_to) & set(envs))


def _all(index: RepoIndex, *conditions: Condition) -> bool:
    return all(index.holds(c) for c in conditions)


_CONDITIONS: dict[str, Any] = {
    "all": _all,
    "missing": _missing,
    "unguarded": _unguarded,
    "duplicate": _duplicate,
    "serves": _serves,
}
