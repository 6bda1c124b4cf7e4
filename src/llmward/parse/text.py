"""Bytes -> text, or a Problem saying why the file cannot be read as text."""

from __future__ import annotations

import codecs

from llmward.parse.document import Problem, Span

DEFAULT_MAX_BYTES = 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(
    raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, size: int | None = None
) -> tuple[str, Problem | None]:
    """Decode a file's bytes. Line endings become LF so lines match what editors show. `size`:
    the whole file's, when only its first `max_bytes + 1` bytes were read."""
    if len(raw) > max_bytes:
        size = max(size or 0, len(raw))
        return "", Problem(
            "too-large",
            f"file is {size:,} bytes, over the {max_bytes:,}-byte limit "
            "(raise limits.max_file_bytes in the config to read it)",
            Span(1, 1, 1, 1),
        )
    encoding = "utf-8"
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raw, encoding = raw[len(bom) :], name
            break
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        return "", Problem(
            "encoding",
            f"not valid {encoding.upper()}: byte 0x{raw[err.start]:02x} at line {line}, "
            f"column {col} (save the file as UTF-8)",
            Span(line, col, line, col + 1),
        )
    nul = text.find("\x00")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        return "", Problem(
            "binary", "file contains NUL bytes: a binary file, not text", Span(line, 1, line, 1)
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None
