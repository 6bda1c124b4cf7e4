"""Print the JSON Schema of a file format, for editors and other tools.

Point an editor at it, e.g. with a first line `# yaml-language-server: $schema=prompt.schema.json`.
"""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files

NAMES = ("prompt", "model", "guardrail", "policy", "config", "report")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", choices=NAMES)


def run(args: argparse.Namespace) -> int:
    text = files("llmward.schemas").joinpath(f"{args.name}.schema.json").read_text("utf-8")
    sys.stdout.write(text)
    return 0
