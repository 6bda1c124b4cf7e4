"""One generic test over every built-in policy: schema, unique ids and codes, and the exact set of
(line, code) findings its annotated fixture promises (`# ruleid: CODE` / `# ok: CODE` above a line).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, copy_tree
from llmward.config import parse_config
from llmward.discover import Classifier
from llmward.parse import parse_bytes
from llmward.pipeline import Settings, lint
from llmward.policy.load import builtin_root, load_policies, policy_files

POLICIES = builtin_root()
FILES = policy_files(POLICIES, ["prompt", "model", "guardrail", "governance"])
DEFAULT_PATHS = {
    "prompt": "prompts/fixture.prompt.yaml",
    "model": "models/fixture.models.yaml",
    "guardrail": "guardrails/fixture.guardrails.yaml",
}
_ANNOTATION = re.compile(r"^\s*#\s*(ruleid|ok)\s*:\s*(.+?)\s*$")


def _policy(path: Path) -> dict:
    doc = parse_bytes(str(path), path.read_bytes(), max_bytes=1 << 20)
    assert isinstance(doc.data, dict)
    return doc.data


def annotations(text: str) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """(expected, forbidden) sets of (line, code)."""
    lines = text.split("\n")
    expected, forbidden = set(), set()
    pending: list[tuple[str, str]] = []
    for number, line in enumerate(lines, 1):
        m = _ANNOTATION.match(line)
        if m:
            pending += [(m.group(1), c.strip()) for c in m.group(2).split(",")]
            continue
        if line.lstrip().startswith("# fixture:"):
            continue
        for verb, code in pending:
            (expected if verb == "ruleid" else forbidden).add((number, code))
        pending = []
    return expected, forbidden


def fixture_path(fixture: Path, kind: str) -> str:
    first = fixture.read_text("utf-8", "replace").split("\n", 1)[0]
    m = re.match(r"#\s*fixture:.*\bpath=(\S+)", first)
    if m:
        return m.group(1)
    return DEFAULT_PATHS.get(kind, DEFAULT_PATHS["prompt"])


def without_header(raw: bytes) -> bytes:
    """The fixture as the file under test: its `# fixture:` line becomes blank, so a format with
    no comments (a `.rail` is XML) reads it, and every other line keeps its number."""
    first, sep, rest = raw.partition(b"\n")
    return sep + rest if re.match(rb"#\s*fixture:", first) else raw


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_policy_matches_schema(path: Path) -> None:
    schema = json.loads((ROOT / "src/llmward/schemas/policy.schema.json").read_text())
    jsonschema.validate(_policy(path), schema)
    data = _policy(path)
    assert path.stem == data["id"], "the file is named after the policy id"
    assert path.parent.name in (data["kind"], "governance"), "policies/<kind>/<id>.yaml"


def test_ids_and_codes_are_unique() -> None:
    datas = [_policy(p) for p in FILES]
    codes = [d["code"] for d in datas]
    ids = [d["id"] for d in datas]
    assert len(set(codes)) == len(codes)
    assert len(set(ids)) == len(ids)


def test_at_least_thirty_policies_cover_every_family() -> None:
    codes = {_policy(p)["code"] for p in FILES}
    assert len(codes) >= 30
    assert {c[:3] for c in codes} >= {"PRM", "PIN", "GRD", "GOV"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_fixture_findings_are_exact(path: Path, tmp_path: Path) -> None:
    data = _policy(path)
    fixture = path.with_name(path.stem + ".test.yaml")
    assert fixture.is_file(), f"{fixture.name} is missing: every policy has an annotated fixture"
    text = fixture.read_text("utf-8", "replace")
    expected, forbidden = annotations(text)
    code = data["code"]
    assert any(c == code for _, c in expected), "the fixture needs a `# ruleid:` line"
    assert any(c == code for _, c in forbidden), "the fixture needs an `# ok:` line"
    repo = tmp_path / "repo"
    copy_tree(POLICIES / "fixture-world", repo)
    target = fixture_path(fixture, data["kind"])
    (repo / target).parent.mkdir(parents=True, exist_ok=True)
    (repo / target).write_bytes(without_header(fixture.read_bytes()))
    config = parse_config("fixture-config.yaml", (POLICIES / "fixture-config.yaml").read_bytes())
    settings = Settings(repo, config, Classifier(config), load_policies(config, repo), cache=False)
    findings = lint(settings, [target], jobs=1).findings
    actual = {(f.line, f.code) for f in findings if f.code == code and f.active}
    want = {(line, c) for line, c in expected if c == code}
    assert actual == want, "\n".join(
        f"{f.path}:{f.line}:{f.col}: {f.code} {f.message}" for f in findings if f.code == code
    )
    assert not {(line, c) for line, c in forbidden if c == code} & actual
