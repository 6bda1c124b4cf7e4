"""Prompt changes: inputs and their trust, untrusted inputs reaching the system message, message
text (with its size and a unified diff), guardrails detached, the model reference."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from llmward.diff import ArtifactDiff, Change
from llmward.diff.helpers import change, listed, strings
from llmward.policy.matchers.templates import SYSTEM_ROLES, analyze


def classify(diff: ArtifactDiff) -> Iterator[Change]:
    assert diff.old is not None and diff.new is not None
    old, new = diff.old.data, diff.new.data
    yield from _inputs(diff, _inputs_by_name(old), _inputs_by_name(new))
    yield from _system_exposure(diff, old, new)
    yield from _messages(diff, listed(old.get("messages")), listed(new.get("messages")))
    yield from _guardrails(diff, strings(old.get("guardrails")), strings(new.get("guardrails")))
    for key, kind in (
        ("model", "model-reference-changed"),
        ("template_format", "template-format-changed"),
    ):
        if old.get(key) != new.get(key):
            yield change(diff, kind, f"/{key}", old.get(key), new.get(key))


def _inputs_by_name(data: Any) -> dict[str, tuple[int, dict[str, Any]]]:
    out = {}
    for index, item in enumerate(listed(data.get("inputs"))):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out[item["name"]] = (index, item)
    return out


def _inputs(diff: ArtifactDiff, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    for name in sorted(new.keys() - old.keys()):
        yield change(diff, "variable-added", f"/inputs/{new[name][0]}", None, name, name=name)
    for name in sorted(old.keys() - new.keys()):
        pointer = f"/inputs/{old[name][0]}"
        yield change(diff, "variable-removed", pointer, name, None, name=name, at_base=True)
    for name in sorted(old.keys() & new.keys()):
        was, now = old[name][1].get("trusted") is True, new[name][1].get("trusted") is True
        if was != now:
            kind = "input-trusted" if now else "input-untrusted"
            yield change(diff, kind, f"/inputs/{new[name][0]}/trusted", was, now, name=name)


def _system_variables(data: Any) -> dict[str, int]:
    """Untrusted variables used in system/developer messages -> index of the first such message."""
    fmt = data.get("template_format", "jinja2")
    untrusted = {n for n, (_, i) in _inputs_by_name(data).items() if i.get("trusted") is not True}
    found: dict[str, int] = {}
    for index, message in enumerate(listed(data.get("messages"))):
        if not isinstance(message, dict) or message.get("role") not in SYSTEM_ROLES:
            continue
        content = message.get("content")
        if isinstance(content, str):
            info = analyze(fmt if isinstance(fmt, str) else "jinja2", content)
            for name in (info.variables | info.scoped) & untrusted:
                found.setdefault(name, index)
    return found


def _system_exposure(diff: ArtifactDiff, old: Any, new: Any) -> Iterator[Change]:
    before, after = _system_variables(old), _system_variables(new)
    for name in sorted(after.keys() - before.keys()):
        yield change(
            diff, "untrusted-into-system", f"/messages/{after[name]}/content", None, name, name=name
        )


def _messages(diff: ArtifactDiff, old: list[Any], new: list[Any]) -> Iterator[Change]:
    """Messages paired as a text diff pairs lines: unchanged ones anchor the rest, so removing
    the first message is one removal, not a change to every message after it."""
    a, b = [_message_key(m) for m in old], [_message_key(m) for m in new]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            yield from _message(diff, old[i] if i < i2 else None, new[j] if j < j2 else None, i, j)


def _message_key(message: Any) -> tuple[str, str]:
    if not isinstance(message, dict):
        return ("", repr(message))
    return (str(message.get("role")), str(message.get("content")))


def _message(diff: ArtifactDiff, a: Any, b: Any, i: int, j: int) -> Iterator[Change]:
    if not isinstance(b, dict):
        role = a.get("role") if isinstance(a, dict) else None
        yield change(diff, "message-removed", f"/messages/{i}", a, None, at_base=True, role=role)
    elif not isinstance(a, dict):
        yield change(diff, "message-added", f"/messages/{j}", None, b, role=b.get("role"))
    else:
        yield _text_change(diff, f"/messages/{j}/content", a, b, f"/messages/{i}/content")


def _text_change(
    diff: ArtifactDiff, pointer: str, a: dict[str, Any], b: dict[str, Any], old_pointer: str
) -> Change:
    old_text, new_text = str(a.get("content", "")), str(b.get("content", ""))
    words_changed, chars_changed = text_delta(old_text, new_text)
    lines = difflib.unified_diff(
        old_text.splitlines(), new_text.splitlines(), "base", "head", lineterm="", n=1
    )
    return change(
        diff,
        "prompt-text-changed",
        pointer,
        None,
        None,
        old_pointer=old_pointer,
        role=b.get("role"),
        old_role=a.get("role"),
        words_changed=words_changed,
        chars_changed=chars_changed,
        words=max(len(old_text.split()), 1),
        unified_diff="\n".join(lines),
    )


def text_delta(old: str, new: str) -> tuple[int, int]:
    """(words changed, characters changed) between two texts, compared word by word."""
    a, b = old.split(), new.split()
    words = chars = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            words += max(i2 - i1, j2 - j1)
            chars += max(sum(map(len, a[i1:i2])), sum(map(len, b[j1:j2])))
    return words, chars


def _guardrails(diff: ArtifactDiff, old: list[str], new: list[str]) -> Iterator[Change]:
    for guard in sorted(set(old) - set(new)):
        yield change(
            diff,
            "guardrail-detached",
            f"/guardrails/{old.index(guard)}",
            guard,
            None,
            at_base=True,
            guardrail=guard,
        )
    for guard in sorted(set(new) - set(old)):
        yield change(
            diff,
            "guardrail-attached",
            f"/guardrails/{new.index(guard)}",
            None,
            guard,
            guardrail=guard,
        )
