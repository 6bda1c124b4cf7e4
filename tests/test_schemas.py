"""The shipped JSON Schemas and the in-memory models agree: same documents accepted and rejected.

The lint path validates artifacts with the compiled JSON Schema and never imports pydantic; these
tests are what makes that equivalent to validating with the pydantic models.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from llmward.artifacts import FILE_MODELS
from llmward.config import Config, parse_config
from llmward.policy.catalog import Catalog
from llmward.policy.load import builtin_root, policy_files
from llmward.policy.model import Policy
from llmward.schemas import generate
from llmward.validation import Invalid, build, validate

SCHEMAS = ROOT / "src/llmward/schemas"

VALID: dict[str, dict[str, Any]] = {
    "prompt": {
        "id": "support-triage",
        "version": "1.2.0",
        "owner": "@acme/support",
        "description": "Triage",
        "model": "support-default",
        "template_format": "jinja2",
        "inputs": [{"name": "ticket", "trusted": False, "max_length": 4000}],
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "<t>{{ ticket }}</t>"},
        ],
        "guardrails": ["rails"],
        "evals": ["evals/a.yaml"],
        "metadata": {"team": "x"},
    },
    "model": {
        "models": [
            {
                "id": "support-default",
                "provider": "openai",
                "model": "gpt-4o-2024-08-06",
                "revision": None,
                "params": {"temperature": 0.2, "top_p": 1, "max_tokens": 800, "stop": ["###"]},
                "context_window": 128000,
                "environments": ["production"],
                "fallbacks": ["b"],
            }
        ]
    },
    "guardrail": {
        "id": "rails",
        "applies_to": ["support-triage"],
        "on_error": "block",
        "input": [
            {
                "type": "prompt_injection",
                "enabled": True,
                "threshold": 0.8,
                "action": "block",
                "options": {"model": "x"},
            }
        ],
        "output": [{"type": "pii", "action": "redact"}],
    },
}

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(-2, 2, allow_nan=False)
    | st.sampled_from(["", "x", "system", "block", "jinja2", "gpt-4o", "1.0", "a b"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "name", "role", "type", "x", "content"]), inner, max_size=3
        )
    ),
    max_leaves=6,
)


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            out += paths(value, (*prefix, index))
    return out


def mutate(doc: Any, path: tuple[Any, ...], action: str, value: Any, key: str) -> Any:
    doc = copy.deepcopy(doc)
    if not path:
        return value if action == "set" else doc
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "set":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "add" and isinstance(parent[last], dict):
        parent[last][key] = value
    return doc


def pydantic_accepts(kind: str, doc: Any) -> bool:
    try:
        FILE_MODELS[kind].model_validate_json(json.dumps(doc))
    except ValueError:
        return False
    return True


def schema(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    return loaded


@pytest.mark.parametrize("name", ["prompt", "model", "guardrail", "policy", "config"])
def test_shipped_schema_is_generated_from_the_models(name: str) -> None:
    shipped = (SCHEMAS / f"{name}.schema.json").read_text()
    assert shipped == generate.render(name), "run `python -m llmward.schemas.generate`"


@pytest.mark.parametrize("kind", ["prompt", "model", "guardrail"])
def test_valid_examples_pass_both(kind: str) -> None:
    assert pydantic_accepts(kind, VALID[kind])
    assert jsonschema.Draft7Validator(schema(kind)).is_valid(VALID[kind])


@pytest.mark.parametrize("kind", ["prompt", "model", "guardrail"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_schema_and_model_agree_on_mutations(kind: str, data: st.DataObject) -> None:
    base = VALID[kind]
    path = data.draw(st.sampled_from(paths(base)))
    action = data.draw(st.sampled_from(["set", "delete", "add"]))
    value = data.draw(VALUES)
    key = data.draw(st.sampled_from(["id", "extra", "enabled", "max_tokens", "role"]))
    doc = mutate(base, path, action, value, key)
    by_schema = jsonschema.Draft7Validator(schema(kind)).is_valid(doc)
    fast = fastjsonschema.compile(schema(kind), use_default=False)
    try:
        fast(doc)
        by_fast = True
    except fastjsonschema.JsonSchemaException:
        by_fast = False
    assert by_schema == pydantic_accepts(kind, doc) == by_fast, json.dumps(doc)


POLICY_FILES = policy_files(builtin_root(), ["prompt", "model", "guardrail", "governance"])


def _yaml(path: Path) -> Any:
    from llmward.parse import parse_bytes

    return parse_bytes(str(path), path.read_bytes(), max_bytes=1 << 20).data


@pytest.mark.parametrize("path", POLICY_FILES, ids=[p.stem for p in POLICY_FILES])
def test_policy_rebuild_equals_validation(path: Path) -> None:
    data = _yaml(path)
    assert build(Policy, data) == validate(Policy, data, str(path))


def test_catalog_rebuild_equals_validation() -> None:
    path = builtin_root() / "catalog" / "catalog.yaml"
    data = _yaml(path)
    assert build(Catalog, data) == validate(Catalog, data, str(path))


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\n",
        "environments: {production: ['prod/**']}\nguardrails: {threshold_floor: {default: 1}}\n",
        "allow: {providers: [openai], models: ['openai/gpt-4o-*']}\n"
        "limits: {max_file_bytes: 4096}\n",
        "severity: {PIN001: critical}\ndisable: [PRM003]\nfail_on: medium\nexclude: ['x/**']\n",
        "policies: {packs: [model], paths: [p], catalogs: [c.yaml]}\n",
        "artifacts: {prompt: ['**/*.p.yaml']}\n",
    ],
)
def test_config_rebuild_equals_validation(text: str) -> None:
    from llmward.parse import parse_bytes

    data = parse_bytes("c.yaml", text.encode(), max_bytes=4096).data
    assert build(Config, data) == validate(Config, data, "c.yaml")
    assert parse_config("c.yaml", text.encode()) == build(Config, data)


def test_config_schema_agrees_with_validation() -> None:
    config_schema = schema("config")
    for bad in (
        {"limits": {"max_file_bytes": "2048"}},
        {"fail_on": "urgent"},
        {"x": 1},
        {"guardrails": {"threshold_floor": {"jailbreak": 2}}},
        {"exclude": "a"},
    ):
        assert not jsonschema.Draft7Validator(config_schema).is_valid(bad)
        with pytest.raises(Invalid):
            validate(Config, bad, "c.yaml")
