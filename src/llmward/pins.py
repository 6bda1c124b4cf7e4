"""Is a model pin immutable? Provider by provider (see docs/policies.md, PIN001-PIN005, PIN017).

The lint policies say it with JSON Schema; the diff needs the same judgement as a function, to
name "pin made floating". tests/test_pins.py holds the two to the same answers.
"""

from __future__ import annotations

import re

from llmward.policy.matchers.pins import anthropic_floats, bedrock_floats

_OPENAI_DATED = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")
_GEMINI_STABLE = re.compile(r"-\d{3}$")
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$|^sha256:[0-9a-f]{64}$")
# read at run time (`${env:X}`, `os.environ/X`, `{{$x}}`) or any model (`*`, `openai/*`): not a
# provider's id, so no provider rule judges it (the same pattern is in each PIN policy's `when`)
INDIRECT = re.compile(r"^\$|^os\.environ/|^\{\{|\*")


def floating(
    provider: str, model: str, revision: str | None = None, digest: str | None = None
) -> bool:
    """True when the pin can change without a change in the repository."""
    check = _RULES.get(provider)
    if check is None or INDIRECT.search(model):
        return False
    return check(model, revision, digest)


# OpenAI models that have no dated snapshots: the name is the only way to ask for them
_OPENAI_UNDATED = ("text-embedding-", "whisper-", "tts-1", "dall-e-")


def _openai(model: str, revision: str | None, digest: str | None) -> bool:
    if model.startswith(_OPENAI_UNDATED):
        return False
    return not _OPENAI_DATED.search(model) or "latest" in model or "preview" in model


def _anthropic(model: str, revision: str | None, digest: str | None) -> bool:
    return anthropic_floats(model)


def _bedrock(model: str, revision: str | None, digest: str | None) -> bool:
    return bedrock_floats(model)


def _gemini(model: str, revision: str | None, digest: str | None) -> bool:
    name = model.rsplit("/", 1)[-1]
    if "gemini" not in name:
        return False  # not a Gemini id: PIN003 does not judge it either
    if any(tag in name for tag in ("-latest", "-preview", "-exp")):
        return True
    if _GEMINI_STABLE.search(name):
        return False
    version = re.match(r"gemini-(\d+)\.(\d+)", name)
    return version is None or (int(version.group(1)), int(version.group(2))) < (2, 5)


def _huggingface(model: str, revision: str | None, digest: str | None) -> bool:
    return not (isinstance(revision, str) and _HEX40.match(revision))


def _ollama(model: str, revision: str | None, digest: str | None) -> bool:
    if (digest and _DIGEST.search(digest)) or _DIGEST.search(model):
        return False
    return ":" not in model or model.endswith(":latest")


_RULES = {
    "openai": _openai,
    "anthropic": _anthropic,
    "google": _gemini,
    "vertex_ai": _gemini,
    "gemini": _gemini,
    "vertexai": _gemini,
    "huggingface": _huggingface,
    "ollama": _ollama,
    "bedrock": _bedrock,
}

_SNAPSHOT = re.compile(
    r"(?:-\d{4}-\d{2}-\d{2}|-\d{8}|-\d{3,4}|-latest|-preview(?:-[\w-]+)?|-exp(?:-[\w-]+)?"
    r"|-v\d+(?::\d+)?|:[\w.-]+|@sha256:[0-9a-f]+)$"
)


def family(model: str) -> str:
    """The model id without its snapshot, date, tag or digest: gpt-4o-2024-08-06 -> gpt-4o."""
    name = model.rsplit("/", 1)[-1]
    previous = None
    while previous != name:
        previous, name = name, _SNAPSHOT.sub("", name)
    return name
