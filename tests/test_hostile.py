"""Hostile input: properties that hold for any bytes, and files named to confuse.

The property tests run a few hundred examples in CI; `python3 bench/fuzz.py` runs them with a
larger budget (LLMWARD_FUZZ_EXAMPLES) and its last result is recorded in docs/security.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, make_repo
from llmward import formats
from llmward.cli import main
from llmward.config import Config, RiskConfig
from llmward.diff import diff_artifacts
from llmward.discover import Candidate, Classifier
from llmward.parse import parse_bytes
from llmward.parse.document import Span
from llmward.pipeline import Settings, scan_document
from llmward.policy.changes import evaluate_changes
from llmward.policy.load import load_policies
from llmward.repository import artifacts_of
from llmward.score import TIER_RANK, Item, RiskScore, score

FUZZ = int(os.environ.get("LLMWARD_FUZZ_EXAMPLES", "0"))  # 0: the CI budgets below


def budget(examples: int) -> int:
    return FUZZ or examples


YAMLISH = st.lists(
    st.sampled_from(
        [
            "id: a\n",
            "messages:\n",
            "  - role: system\n",
            "    content: |\n",
            "      {{ x }}\n",
            "      # llmward: ignore[PRM009] r\n",
            '  - {role: user, content: "{{ y }}"}\n',
            "a: &x [1, 2]\n",
            "b: *x\n",
            "<<: {c: 1}\n",
            "key: 'quoted'\n",
            'k: "\\u00e9"\n',
            "\t- tab\n",
            "- dash\n",
            "? complex\n",
            ": value\n",
            "---\n",
            "...\n",
            "!!python/object x\n",
            "on: yes\n",
            "t: 1:20\n",
            "v: 1.10\n",
            "[1, 2\n",
            "{a: b}\n",
            "x: y: z\n",
            "\r\n",
            "é: ü\n",
            "😀: 🎉\n",
            "\x00\n",
            "a: a\n",
            "a: b\n",
            "models:\n",
            "  - {id: m, provider: openai, model: gpt-4o, params: {temperature: 3}}\n",
            "  - {id: n, provider: anthropic, model: ${MODEL}}\n",
            "rails:\n",
            "  input: {flows: [self check input]}\n",
            "  output: {flows: []}\n",
            "threshold: 0.99\n",
            "fail_open: true\n",
            "version: 1\n",
        ]
    ),
    max_size=12,
)


def _inside(span: Span, text: str) -> bool:
    """Start and end on lines of the text, the end not before the start."""
    lines = max(len(text.split("\n")), 1)
    if not (1 <= span.line <= lines and span.col >= 1 and span.end_line <= lines):
        return False
    return (span.end_line, span.end_col) >= (span.line, span.col)


def line_count(raw: bytes) -> int:
    """Lines as editors count them: CRLF, LF and a lone CR each end a line."""
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1


@settings(max_examples=budget(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=YAMLISH, extra=st.binary(max_size=40))
def test_parsing_any_bytes_never_raises_and_spans_stay_inside(
    parts: list[str], extra: bytes
) -> None:
    raw = "".join(parts).encode("utf-8") + extra
    doc = parse_bytes("f.yaml", raw, max_bytes=1 << 20)
    for problem in doc.problems:
        assert problem.span.line >= 1 and problem.span.col >= 1
    for node in doc.nodes.values():
        assert _inside(node.span, doc.text), node
    if doc.ok and isinstance(doc.data, dict):
        artifacts = artifacts_of("prompt", doc, ())
        assert [d.status for d in diff_artifacts(artifacts, artifacts)] == ["unchanged"] * len(
            artifacts
        )


@settings(max_examples=budget(100), deadline=None)
@given(parts=YAMLISH)
def test_diff_adds_are_the_reverse_diffs_removes(parts: list[str]) -> None:
    text = "".join(parts)
    doc = parse_bytes("p.prompt.yaml", text.encode(), max_bytes=1 << 20)
    other = parse_bytes("q.prompt.yaml", b"id: other\nmessages: []\n", max_bytes=1 << 20)
    if not (doc.ok and isinstance(doc.data, dict)):
        return
    a, b = artifacts_of("prompt", doc, ()), artifacts_of("prompt", other, ())
    forward = {(d.kind, d.id): d.status for d in diff_artifacts(a, b)}
    backward = {(d.kind, d.id): d.status for d in diff_artifacts(b, a)}
    swap = {"added": "removed", "removed": "added"}
    assert {k: swap.get(v, v) for k, v in forward.items()} == backward


ENGINE_CONFIG = Config()
ENGINE = Settings(
    ROOT, ENGINE_CONFIG, Classifier(ENGINE_CONFIG), load_policies(ENGINE_CONFIG, ROOT), False
)
GROUPS = ENGINE.by_kind()
PATHS = {"prompt": "p.prompt.yaml", "model": "models.yaml", "guardrail": "guardrails.yaml"}
PATHS.update({name: f"cfg/{name}.yaml" for name in formats.FORMATS})
PATHS["auto"] = "cfg/config.yml"
# the first line of a file in another tool's format, so random bodies reach each adapter
HEADS = st.sampled_from(["", "---\n", "model_list:\n", "guardrails:\n", "rails:\n", "models:\n"])


@settings(max_examples=budget(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(head=HEADS, parts=YAMLISH, kind=st.sampled_from(sorted(PATHS)), extra=st.binary(max_size=20))
def test_every_policy_on_any_document_gives_findings_inside_the_file(
    head: str, parts: list[str], kind: str, extra: bytes
) -> None:
    """The policy engine, all built-in policies, on whatever each reader makes of the bytes."""
    raw = (head + "".join(parts)).encode("utf-8") + extra
    reading = formats.read(PATHS[kind], kind, raw, 1 << 20, lambda path: None)
    result, _ = scan_document(ENGINE, GROUPS, Candidate(PATHS[kind], kind), reading)
    lines = line_count(raw)  # of the file: a binary file has no text, but has lines
    for f in result.findings:
        assert 1 <= f.line <= f.end_line <= lines and f.col >= 1, f
        assert f.path == PATHS[kind]


PROMPT = "id: p\nversion: '1'\nowner: '@a'\ndescription: d\nmessages: [{role: user, content: hi}]\n"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("ünï cödé.prompt.yaml", id="unicode"),
    ],
)
def test_odd_file_names_are_linted_not_executed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo = make_repo(tmp_path / "r", {name: PROMPT.replace("owner: '@a'\n", "")})
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["lint", "--format", "json"])
    finally:
        os.chdir(cwd)
    report = json.loads(capsys.readouterr().out)
    assert code == 0  # PRM001 is medium: below the default fail-on
    assert {(f["path"], f["code"]) for f in report["findings"]} == {(name, "PRM001")}


def test_output_is_byte_identical_across_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {f"p{i}.prompt.yaml": PROMPT.replace("id: p", f"id: p{i}") for i in range(30)}
    files["models.yaml"] = "models:\n  - {id: m, provider: openai, model: gpt-4o}\n"
    repo = make_repo(tmp_path / "r", files)
    outputs = []
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        for args in (["--no-cache", "-j", "1"], ["--no-cache", "-j", "2"], [], []):
            main(["lint", "--format", "sarif", *args])
            outputs.append(capsys.readouterr().out)
    finally:
        os.chdir(cwd)
    assert len(set(outputs)) == 1


# ---- the score is monotonic ----------------------------------------------------------------

ITEMS = st.builds(
    Item,
    code=st.sampled_from(["CHG001", "CHG003", "CHG007", "PRM001"]),
    severity=st.sampled_from(["low", "medium", "high", "critical"]),
    points=st.floats(0, 100, allow_nan=False),
    kind=st.sampled_from(["prompt", "model", "guardrail"]),
    artifact=st.sampled_from(["a", "b"]),
    environments=st.lists(st.sampled_from(["production", "staging"]), max_size=2).map(tuple),
    radius=st.integers(1, 20),
    message=st.just("m"),
    path=st.just("f.yaml"),
)


@settings(max_examples=budget(300), deadline=None)
@given(items=st.lists(ITEMS, max_size=8), risky=ITEMS)
def test_the_score_never_drops_when_a_risky_item_is_added(items: list[Item], risky: Item) -> None:
    before, after = score(items, RiskConfig()), score([*items, risky], RiskConfig())
    assert after.score >= before.score
    assert TIER_RANK[after.tier] >= TIER_RANK[before.tier]


RAILS = """\
id: support-rails
description: Rails of the support assistant.
input:
  - {type: prompt_injection, threshold: 0.5, action: block}
output:
  - {type: toxicity, threshold: 0.5, action: block}
"""
BENIGN = {
    "description": ("Rails of the support assistant.", "Rails for support."),
    "tighter": ("type: toxicity, threshold: 0.5", "type: toxicity, threshold: 0.4"),
    "topic": ("output:\n", "  - {type: topic, threshold: 0.5, action: block}\noutput:\n"),
    "redact": ("type: toxicity, threshold: 0.5, action: block", "type: toxicity, action: redact"),
}
RISKY = ("  - {type: prompt_injection, threshold: 0.5, action: block}\n", "")


def _risk(old: str, new: str) -> RiskScore:
    """Diff two versions of a production guardrail and score them, as `llmward diff` does."""
    sides = [
        artifacts_of(
            "guardrail",
            parse_bytes("g.guardrails.yaml", text.encode(), max_bytes=1 << 20),
            ("production",),
        )
        for text in (old, new)
    ]
    changes = [c for d in diff_artifacts(*sides) for c in d.changes]
    items = [
        Item(
            f.code,
            f.severity,
            f.points,
            "guardrail",
            f.change.artifact,
            ("production",),
            1,
            f.message,
            "g.guardrails.yaml",
        )
        for f in evaluate_changes(ENGINE.policies, changes)
    ]
    return score(items, RiskConfig())


@settings(max_examples=budget(60), deadline=None)
@given(edits=st.lists(st.sampled_from(sorted(BENIGN)), unique=True))
def test_adding_a_risky_change_to_any_change_set_never_lowers_its_score(edits: list[str]) -> None:
    """Whatever else a pull request changes, removing the injection rail on top of it scores at
    least as high, and reaches at least the same tier."""
    changed = RAILS
    for name in edits:
        changed = changed.replace(*BENIGN[name])
    with_risk = changed.replace(*RISKY)
    before, after = _risk(RAILS, changed), _risk(RAILS, with_risk)
    assert after.score >= before.score and after.score > 0
    assert TIER_RANK[after.tier] >= TIER_RANK[before.tier]
    assert after.tier == "critical"  # an injection rail removed from production
