"""Personal data in artifact text: emails, phone numbers, US SSNs, payment cards (Luhn-checked)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache

from llmward.policy.evaluate import Context, Hit
from llmward.policy.matchers import matcher
from llmward.policy.matchers._text import find, selected_strings


@cache
def _doc_domains() -> re.Pattern[str]:
    """RFC 2606 / 6761 names are reserved for documentation: never someone's address."""
    return re.compile(
        r"(?:^|\.)(?:example\.(?:com|org|net)|example|test|invalid|localhost)$", re.IGNORECASE
    )


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _email_ok(m: re.Match[str]) -> bool:
    return not _doc_domains().search(m.group("domain"))


def _card_ok(m: re.Match[str]) -> bool:
    digits = re.sub(r"[ -]", "", m.group(0))
    return 13 <= len(digits) <= 19 and luhn(digits)


def _phone_ok(m: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", m.group(0))
    return 10 <= len(digits) <= 15 and "555" not in digits[-7:-4]  # 555-01xx is fictional


# type -> (label, regex, accept): a match is a finding only when accept(match) holds
PII_TYPES: dict[str, tuple[str, str, Callable[[re.Match[str]], bool]]] = {
    "email": (
        "email address",
        r"\b[A-Za-z0-9._%+-]+@(?P<domain>(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b",
        _email_ok,
    ),
    "ssn": (
        "US social security number",
        r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b",
        lambda m: True,
    ),
    "card": (
        "payment card number",
        r"\b(?:4\d{3}|5[1-5]\d{2}|2[2-7]\d{2}|3[47]\d{2}|6(?:011|5\d{2}))"
        r"(?:[ -]?\d{4}){2}[ -]?\d{1,7}\b",
        _card_ok,
    ),
    "phone": (
        "phone number",
        r"(?<![\w.-])(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w-])",
        _phone_ok,
    ),
}


@cache
def _regex(key: str) -> re.Pattern[str]:
    """Compiled on first use: most strings hold no digit or `@` and are never searched."""
    return re.compile(PII_TYPES[key][1])


@matcher("pii")
def pii(ctx: Context) -> Iterator[Hit]:
    wanted = ctx.options.get("types", list(PII_TYPES))
    for pointer, text in selected_strings(ctx):
        if not any(ch.isdigit() or ch == "@" for ch in text):
            continue
        for key in wanted:
            label, _, accept = PII_TYPES[key]
            for m, span in find(ctx.doc, pointer, _regex(key)):
                if accept(m):
                    yield Hit(pointer, {"pii": label}, span=span, value=m.group(0))
