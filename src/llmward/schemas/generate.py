"""Regenerate the JSON Schemas from the pydantic models: `python -m llmward.schemas.generate`.

A test fails when a shipped schema differs from what this produces.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

BASE = "https://llmward.dev/schemas"
DRAFT = "http://json-schema.org/draft-07/schema#"


def _models() -> dict[str, tuple[Any, str]]:
    from llmward.artifacts import Guardrail, ModelPins, Prompt
    from llmward.config import Config
    from llmward.policy.model import Policy

    return {
        "prompt": (Prompt, "llmward prompt (*.prompt.yaml)"),
        "model": (ModelPins, "llmward model pins (models.yaml, *.models.yaml)"),
        "guardrail": (Guardrail, "llmward guardrail config (*.guardrails.yaml)"),
        "policy": (Policy, "llmward policy (policies/<kind>/<id>.yaml)"),
        "config": (Config, "llmward project config (.llmward.yaml)"),
    }


def generate(name: str) -> dict[str, Any]:
    from pydantic import TypeAdapter

    model, title = _models()[name]
    schema = TypeAdapter(model).json_schema(by_alias=True, mode="validation")
    return {"$schema": DRAFT, "$id": f"{BASE}/{name}.schema.json", **schema, "title": title}


def render(name: str) -> str:
    return json.dumps(generate(name), indent=2, sort_keys=False) + "\n"


def main() -> int:
    folder = Path(__file__).parent
    for name in _models():
        (folder / f"{name}.schema.json").write_text(render(name), encoding="utf-8")
        sys.stdout.write(f"wrote {name}.schema.json\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
