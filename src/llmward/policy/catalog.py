"""The model catalog: deprecated and retired models, each entry with the page that says so."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, ClassVar, Literal

from llmward.errors import PolicyError
from llmward.parse import parse_bytes
from llmward.validation import FORBID, Invalid, Pattern

Date = Annotated[str, Pattern(r"^\d{4}-\d{2}-\d{2}$")]


@dataclass(frozen=True)
class CatalogEntry:
    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    id: str
    provider: str
    status: Literal["active", "deprecated", "retired"]
    source_url: Annotated[str, Pattern(r"^https://")]
    """The provider page that states the status and dates."""
    aliases: tuple[str, ...] = ()
    deprecated_at: Date | None = None
    retired_at: Date | None = None
    replacement: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Catalog:
    __pydantic_config__: ClassVar[dict[str, Any]] = FORBID

    models: tuple[CatalogEntry, ...]


def load_catalog(path: str, raw: bytes) -> list[dict[str, Any]]:
    from llmward.validation import build, validate
    from llmward.verified import verified

    with verified(raw, "catalog") as seen:
        if seen.ok:
            catalog = build(Catalog, seen.data)
        else:
            doc = parse_bytes(path, raw, max_bytes=4 * 1024 * 1024)
            for problem in doc.problems:
                raise PolicyError(
                    f"{path}:{problem.span.line}:{problem.span.col}: {problem.message}"
                )
            try:
                catalog = validate(Catalog, doc.data, str(path), doc)
            except Invalid as err:
                raise PolicyError(str(err)) from None
            seen.mark(doc.data)
    return [{k: v for k, v in asdict(e).items() if v not in (None, ())} for e in catalog.models]
