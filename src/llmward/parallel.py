"""Scan files in worker processes. Fork start only: workers inherit the compiled policies (compiled
schema validators cannot be pickled), and nothing is re-imported."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmward.discover import Candidate
    from llmward.pipeline import FileResult, Settings
    from llmward.policy.evaluate import Compiled

_STATE: dict[str, Any] = {}


def _scan_chunk(chunk: list[Candidate]) -> list[FileResult]:
    from llmward.pipeline import scan_file

    return [scan_file(_STATE["settings"], _STATE["groups"], cand) for cand in chunk]


def scan_parallel(
    settings: Settings, groups: dict[str, list[Compiled]], todo: list[Candidate], workers: int
) -> Iterable[FileResult]:
    from llmward.pipeline import scan_file

    if "fork" not in multiprocessing.get_all_start_methods():
        return [scan_file(settings, groups, cand) for cand in todo]
    from llmward.policy.matchers.files import file_schema
    from llmward.repository import KINDS

    for compiled in settings.policies.policies:
        compiled.warm()
    for kind in KINDS:
        file_schema(kind)
    _STATE.update(settings=settings, groups=groups)
    size = max(16, len(todo) // (workers * 8))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(workers) as pool:
            return [r for chunk in pool.imap(_scan_chunk, chunks) for r in chunk]
    finally:
        _STATE.clear()
