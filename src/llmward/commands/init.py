"""Write a commented starter `.llmward.yaml` in the current folder (never overwrites one)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmward.errors import UsageError

TEMPLATE = """\
# llmward configuration. Every key is optional; `llmward schema config` prints the full schema.
version: 1

# Which files are which kind of artifact (gitignore-style globs, relative to this folder).
artifacts:
  prompt: {prompt}
  model: {model}
  guardrail: {guardrail}

# Files never read.
exclude: []

# Files in other tools' formats are read where they are: by name (*.prompty, *.prompt, *.rail,
# skprompt.txt, promptfooconfig*.yaml) or, for the `detect` globs, by their content (LiteLLM,
# NeMo Guardrails, LLM Guard, Semantic Kernel, LangChain). Name files a format by glob here.
# formats:
#   litellm: ["deploy/proxy/*.yaml"]
detect: ["**/*.yaml", "**/*.yml", "**/*.json"]

# Path-based environments: policies marked for an environment apply only to artifacts there.
environments:
  production: ["prod/**", "prompts/live/**"]

policies:
  packs: [builtin]   # or a subset: prompt, model, guardrail, governance
  paths: []          # folders of your own policy packs, same format as the built-in ones
  catalogs: []       # extra model catalog files (deprecated / retired models)

# Providers and models allowed anywhere in the repository (omit to allow all).
# allow:
#   providers: [openai, anthropic]
#   models: ["openai/gpt-4o-2024-*", "anthropic/claude-sonnet-4-*"]

# The loosest threshold allowed per guardrail rail type (or `default`).
guardrails:
  threshold_floor:
    prompt_injection: 0.8
    jailbreak: 0.8

# Per-code severity overrides, and codes switched off entirely.
severity: {}
disable: []

# The lowest severity that fails `llmward lint` (low | medium | high | critical).
fail_on: high

# The approvals `llmward check` asks of each risk tier (these are the defaults; setting
# `required` replaces them, and a tier left out then needs none).
# approvals:
#   required:
#     medium: {count: 1}
#     high: {count: 1, approvers: [codeowners]}
#     critical: {count: 2, approvers: [codeowners]}
"""


def starter() -> str:
    """The starter config; its globs are the built-in defaults, so init changes nothing."""
    from llmward.config import ArtifactGlobs

    globs = ArtifactGlobs()
    quoted = {
        k: "[" + ", ".join(f'"{g}"' for g in getattr(globs, k)) + "]"
        for k in ("prompt", "model", "guardrail")
    }
    return (
        TEMPLATE.replace("{prompt}", quoted["prompt"])
        .replace("{model}", quoted["model"])
        .replace("{guardrail}", quoted["guardrail"])
    )


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--path", default=".llmward.yaml", help="where to write (default: .llmward.yaml)"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing file")


def run(args: argparse.Namespace) -> int:
    from llmward.config import parse_config
    from llmward.output import write_atomic

    target = Path(args.path)
    if target.exists() and not args.force:
        raise UsageError(f"{target} already exists (use --force to overwrite)")
    text = starter()
    parse_config(str(target), text.encode())  # the starter must always be a valid config
    write_atomic(target, text)
    sys.stdout.write(f"wrote {target}\n")
    return 0
