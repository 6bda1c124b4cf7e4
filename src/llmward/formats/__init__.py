"""Format adapters: the files teams already have, read into llmward's canonical artifacts.

parse stage, second half: a file's bytes -> its own structure (with positions) -> one projection
per artifact kind it holds (see `_build.project`). llmward's own formats are one projection of
themselves. Each adapter is one module here with three names:

- `NAME`: its name in the config (`formats:`), the key of its entry in `FORMATS` below, which
  also gives its files by name (`**/*.prompty`; the config's `formats:` replaces them);
- `sniff(path, head) -> bool`: content detection for files under `detect:` globs (`*.yaml`...);
- `read(path, text, files) -> Reading`: never raises for bad input; problems are data.

`files(path)` reads another file of the same snapshot (the working tree, or a git ref when
diffing): a Semantic Kernel `config.json` and its `skprompt.txt`, NeMo's `.co` flows;
`listing(files, folder)` lists the files below a folder of that snapshot.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from llmward.parse.document import Document, Problem, Span
from llmward.parse.text import decode

Files = Callable[[str], "bytes | None"]


def listing(files: Files, folder: str) -> list[str] | None:
    """Every file below `folder` (repository-relative paths) in the snapshot `files` reads, when
    that reader can list folders (`files.listdir`), else None."""
    lister = getattr(files, "listdir", None)
    return None if lister is None else sorted(lister(folder))


@dataclass(frozen=True)
class Snapshot:
    """A reader of one snapshot's files that can also list a folder: what adapters get as
    `files` from lint (the working tree) and diff (a git tree)."""

    read: Callable[[str], bytes | None]
    below: Callable[[str], list[str]]

    def __call__(self, path: str) -> bytes | None:
        return self.read(path)

    def listdir(self, folder: str) -> list[str]:
        return self.below(folder)


# name -> (module, the files of this format by name). The order is the order content detection
# tries them. A module is imported only when a file of its format is read: a run that checks one
# of llmward's own files loads none of them.
FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "prompty": ("prompty", ("**/*.prompty",)),
    "dotprompt": ("dotprompt", ("**/*.prompt",)),
    "semantic-kernel": ("semantic_kernel", ("**/skprompt.txt",)),
    "langchain": ("langchain", ()),
    "promptfoo": (
        "promptfoo",
        ("**/promptfooconfig*.yaml", "**/promptfooconfig*.yml", "**/promptfooconfig*.json"),
    ),
    "litellm": ("litellm", ()),
    "nemo": ("nemo", ("**/*.co",)),
    "llm-guard": ("llm_guard", ()),
    "guardrails-ai": ("guardrails_ai", ("**/*.rail",)),
}
NATIVE = ("prompt", "model", "guardrail")
AUTO = "auto"  # a file under `detect:` globs: its format is decided by its content
SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Projection:
    kind: str  # prompt | model | guardrail
    doc: Document  # canonical data, positions in the original file


@dataclass(frozen=True)
class Reading:
    """A file read in its own format: the file as parsed (problems included) and its artifacts."""

    doc: Document
    projections: tuple[Projection, ...] = ()
    format: str | None = None  # None: a `detect:` file that is no format llmward reads
    siblings: tuple[str, ...] = field(default=())  # other files read: results depend on them too


def module(name: str) -> ModuleType:
    return importlib.import_module(f"llmward.formats.{FORMATS[name][0]}")


def default_globs(name: str) -> tuple[str, ...]:
    return FORMATS[name][1]


def sniff(path: str, head: str) -> str | None:
    """The first format whose content detection accepts this file, or None."""
    for name in FORMATS:
        if module(name).sniff(path, head):
            return name
    return None


def read(
    path: str, kind: str, raw: bytes, max_bytes: int, files: Files, *, size: int | None = None
) -> Reading:
    """Read one candidate file. `kind` is a native kind, a format name, or AUTO. `size`: the
    file's, when `raw` holds only its first `max_bytes + 1` bytes."""
    from llmward.parse.yaml_doc import load_yaml

    if kind == AUTO:
        head = raw[:SNIFF_BYTES].decode("utf-8", "replace").lstrip("\ufeff")
        found = sniff(path, head)
        if found is None:
            return Reading(Document(path, "", None, {}), format=None)
        kind = found
    text, problem = decode(raw, max_bytes=max_bytes, size=size)
    if problem is not None:
        return Reading(Document(path, text, None, {}, (problem,)), format=kind)
    if kind in NATIVE:
        doc = load_yaml(path, text)
        return Reading(doc, (Projection(kind, doc),), format=kind)
    reading: Reading = module(kind).read(path, text, files)
    return reading


def unreadable(path: str, kind: str, message: str) -> Reading:
    problem = Problem(kind, message, Span(1, 1, 1, 1))
    return Reading(Document(path, "", None, {}, (problem,)), format=None)
