"""Secrets in artifact text: current key shapes, with an entropy check against placeholders."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache

from llmward.policy.evaluate import Context, Hit
from llmward.policy.matchers import matcher
from llmward.policy.matchers._text import find, selected_strings

# (name, regex, group holding the random part or None, minimum bits of entropy per character)
KEY_SHAPES: tuple[tuple[str, str, float], ...] = (
    ("Anthropic API key", r"sk-ant-(?:api|admin)\d{2}-(?P<r>[A-Za-z0-9_\-]{32,})", 3.5),
    ("OpenAI API key", r"sk-(?:proj|svcacct|admin)-(?P<r>[A-Za-z0-9_\-]{20,})", 3.5),
    ("OpenAI API key", r"\bsk-(?P<r>[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})\b", 3.5),
    ("OpenAI API key", r"\bsk-(?P<r>[A-Za-z0-9]{40,})\b", 3.5),
    ("AWS access key id", r"\b(?:AKIA|ASIA)(?P<r>[A-Z0-9]{16})\b", 2.5),
    ("GitHub token", r"\bgh[pousr]_(?P<r>[A-Za-z0-9]{36,})\b", 3.5),
    ("GitHub fine-grained token", r"\bgithub_pat_(?P<r>[A-Za-z0-9_]{60,})\b", 3.5),
    ("Slack token", r"\bxox[abposr]-(?P<r>[A-Za-z0-9-]{10,})", 3.0),
    ("Google API key", r"\bAIza(?P<r>[0-9A-Za-z_\-]{35})\b", 3.5),
    ("Hugging Face token", r"\bhf_(?P<r>[A-Za-z0-9]{30,})\b", 3.5),
    ("Groq API key", r"\bgsk_(?P<r>[A-Za-z0-9]{40,})\b", 3.5),
    ("xAI API key", r"\bxai-(?P<r>[A-Za-z0-9]{40,})\b", 3.5),
    ("Stripe secret key", r"\b[rs]k_live_(?P<r>[A-Za-z0-9]{20,})\b", 3.5),
    (
        "private key",
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----(?P<r>)",
        0.0,
    ),
)


@cache
def _compiled() -> tuple[tuple[str, re.Pattern[str], float], ...]:
    """KEY_SHAPES, compiled on first use: most strings hold no key prefix (`_maybe`) and a run
    that meets none never pays for them."""
    return tuple((name, re.compile(rx), bits) for name, rx, bits in KEY_SHAPES)


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def detect(text: str) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of every secret-shaped, high-entropy token in text."""
    taken: list[tuple[int, int]] = []
    for name, regex, bits in _compiled():
        for m in regex.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            if entropy(m.group("r")) >= bits:
                taken.append((m.start(), m.end()))
                yield name, m.start(), m.end()


@matcher("secrets")
def secrets(ctx: Context) -> Iterator[Hit]:
    for pointer, text in selected_strings(ctx):
        if not _maybe(text):
            continue
        for name, regex, bits in _compiled():
            for m, span in find(ctx.doc, pointer, regex):
                if entropy(m.group("r")) >= bits:
                    yield Hit(pointer, {"secret": name}, span=span, value=m.group(0))


_PREFIXES = (
    "sk-",
    "AKIA",
    "ASIA",
    "gh",
    "github_pat_",
    "xox",
    "AIza",
    "hf_",
    "gsk_",
    "xai-",
    "_live_",
    "PRIVATE KEY",
)


def _maybe(text: str) -> bool:
    return any(p in text for p in _PREFIXES)
