"""Per-file parse cost: llmward's parser vs ruamel.yaml round-trip vs PyYAML's libyaml loaders.

Runs in llmward's own environment (run.py starts it with the interpreter beside `llmward`), reads
every artifact file of a generated repository into memory first, then times only the parsing.
Prints JSON: microseconds per file (best of --repeat passes) for each parser.

    .venv/bin/python bench/parsebench.py bench/.work/repos/r1000 --repeat 5
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from ruamel.yaml import YAML

from llmward.parse import parse_bytes

SUFFIXES = (".prompt.yaml", ".models.yaml", ".guardrails.yaml")
MAX_BYTES = 1024 * 1024


def parsers() -> dict[str, Callable[[str, bytes], object]]:
    ruamel = YAML(typ="rt")
    return {
        "llmward.parse.parse_bytes": lambda path, raw: parse_bytes(path, raw, max_bytes=MAX_BYTES),
        "ruamel.yaml round-trip load": lambda path, raw: _quiet(ruamel.load, io.BytesIO(raw)),
        "PyYAML CSafeLoader load": lambda path, raw: _quiet(yaml.load, raw, yaml.CSafeLoader),
        "PyYAML CSafeLoader compose": lambda path, raw: _quiet(yaml.compose, raw, yaml.CSafeLoader),
    }


def _quiet(fn: Callable[..., object], *args: object) -> object:
    """Parse errors count as parsed: the planted syntax errors are part of the workload."""
    try:
        return fn(*args)
    except Exception:  # each library raises its own error types
        return None


def best_per_file_us(
    parse: Callable[[str, bytes], object], files: list[tuple[str, bytes]], repeat: int
) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for path, raw in files:
            parse(path, raw)
        best = min(best, time.perf_counter() - start)
    return best / len(files) * 1e6


def load_files(root: Path) -> list[tuple[str, bytes]]:
    paths = sorted(p for p in root.rglob("*.yaml") if p.name.endswith(SUFFIXES))
    return [(p.relative_to(root).as_posix(), p.read_bytes()) for p in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = load_files(args.root)
    results = {
        name: round(best_per_file_us(fn, files, args.repeat), 1) for name, fn in parsers().items()
    }
    mean_bytes = sum(len(raw) for _, raw in files) // len(files)
    print(
        json.dumps(
            {"files": len(files), "mean_bytes": mean_bytes, "us_per_file": results}, sort_keys=True
        )
    )


if __name__ == "__main__":
    main()
