"""Protect AI LLM Guard API `scanners.yml`: ordered `input_scanners` / `output_scanners`.

The file is one guardrail config (id from its path); each scanner `{type, params}` is a rail, in
order, with the scanner's name as rail id and its params as options. Rail types are those the
policies and the diff know (`PromptInjection` -> prompt_injection, `Anonymize` -> pii, ...).

Thresholds: most scanners fire when their score reaches `threshold`, so a higher one is looser,
as llmward's canonical threshold reads. `Sentiment`, `Relevance` and `FactualConsistency` fire
when the score falls BELOW their threshold (`minimum_score`), so a lower one is looser: their
canonical threshold is inverted (`1 - value`; Sentiment's -1..1 scale becomes `(1 - value) / 2`)
so that "higher is looser" holds for every rail, with the value as written kept in
`options.threshold` / `options.minimum_score` and `options.fires: below`.

`${VAR:default}` is read as its default, a literal (the API uses it when VAR is unset).
`is_blocked: false` only reports (warn); `redact: true` and `Anonymize` rewrite the text (redact).
Commented-out scanners are not scanners.
Docs: github.com/protectai/llm-guard `llm_guard_api/config/scanners.yml`, llm-guard.com.
"""

from __future__ import annotations

import re
from typing import Any

from llmward.formats import Files, Projection, Reading
from llmward.formats._build import Where, indirection, path_id, project, subtree
from llmward.parse.document import Document
from llmward.parse.yaml_doc import load_yaml

NAME = "llm-guard"
_SNIFF = re.compile(r"^(?:input_scanners|output_scanners)\s*:", re.M)

# scanner -> rail type
_TYPES = {
    "PromptInjection": "prompt_injection",
    "Toxicity": "toxicity",
    "Anonymize": "pii",
    "Sensitive": "pii",
    "Deanonymize": "pii_restore",
    "Secrets": "secrets",
    "BanTopics": "topic",
    "BanCode": "code",
    "Code": "code",
    "BanCompetitors": "competitors",
    "BanSubstrings": "substrings",
    "Gibberish": "gibberish",
    "InvisibleText": "invisible_text",
    "Language": "language",
    "LanguageSame": "language",
    "Regex": "regex",
    "TokenLimit": "token_limit",
    "Sentiment": "sentiment",
    "Relevance": "relevance",
    "FactualConsistency": "fact_check",
    "NoRefusal": "refusal",
    "NoRefusalLight": "refusal",
    "MaliciousURLs": "malicious_urls",
    "Bias": "bias",
    "EmotionDetection": "emotion",
    "ReadingTime": "reading_time",
    "URLReachability": "url_reachability",
    "JSON": "json",
}
# scanners that fire below their threshold: (param, scale low, scale high)
_BELOW = {
    "Sentiment": ("threshold", -1.0, 1.0),
    "Relevance": ("threshold", 0.0, 1.0),
    "FactualConsistency": ("minimum_score", 0.0, 1.0),
}
_REDACTING = frozenset({"Anonymize"})


def sniff(path: str, head: str) -> bool:
    return bool(_SNIFF.search(head)) and "type:" in head


def read(path: str, text: str, files: Files) -> Reading:
    doc = load_yaml(path, text)
    data = doc.data
    if not doc.ok or not isinstance(data, dict):
        return Reading(doc, format=NAME)
    guard: dict[str, Any] = {"id": path_id(path, ".yml", ".yaml"), "metadata": {"format": NAME}}
    where: Where = {"/id": "/"}
    for side in ("input", "output"):
        scanners = data.get(f"{side}_scanners")
        if not isinstance(scanners, list):
            continue
        rails: list[dict[str, Any]] = []
        for index, scanner in enumerate(scanners):
            src = f"/{side}_scanners/{index}"
            if isinstance(scanner, dict) and isinstance(scanner.get("type"), str):
                rails.append(_rail(doc, scanner, src, f"/{side}/{len(rails)}", where))
        if rails:
            guard[side] = rails
            where[f"/{side}"] = f"/{side}_scanners"
    if "input" not in guard and "output" not in guard:
        return Reading(doc, format=NAME)
    auth = data.get("auth")
    if isinstance(auth, dict) and isinstance(auth.get("type"), str):
        guard["metadata"]["auth"] = auth["type"]
        where["/metadata/auth"] = "/auth/type"
    return Reading(doc, (Projection("guardrail", project(doc, guard, where)),), format=NAME)


def literal(value: Any) -> Any:
    """A `${VAR:default}` value as its default, typed the way YAML would read it."""
    ref = indirection(value)
    if ref is None or ref.source != "environment":
        return value
    if ref.default is None:
        return None
    parsed = load_yaml("default", ref.default).data
    return parsed if isinstance(parsed, (bool, int, float, str)) else ref.default


def _rail(
    doc: Document, scanner: dict[str, Any], src: str, out: str, where: Where
) -> dict[str, Any]:
    name: str = scanner["type"]
    raw = scanner.get("params")
    params = {k: literal(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    rail: dict[str, Any] = {
        "type": _TYPES.get(name, _snake(name)),
        "id": name,
        "action": _action(name, params),
        "options": {"scanner": name},
    }
    where.update({out: src, f"{out}/id": f"{src}/type", f"{out}/type": f"{src}/type"})
    where[f"{out}/action"] = f"{src}/params"
    where[f"{out}/options"] = f"{src}/params" if "params" in scanner else src
    for key in ("is_blocked", "redact"):
        if key in params:
            where[f"{out}/action"] = f"{src}/params/{key}"
    key, threshold = _threshold(name, params)
    for param, value in params.items():
        if param == key and name not in _BELOW:
            continue  # lifted to the canonical threshold
        rail["options"][param] = value
        subtree(where, doc, f"{out}/options/{param}", f"{src}/params/{param}")
    if threshold is not None:
        rail["threshold"] = threshold
        where[f"{out}/threshold"] = f"{src}/params/{key}"
        if name in _BELOW:
            rail["options"]["fires"] = "below"
    return rail


def _threshold(name: str, params: dict[str, Any]) -> tuple[str, float | None]:
    """The param holding the threshold, and its canonical value (higher is looser)."""
    key, low, high = _BELOW.get(name, ("threshold", 0.0, 1.0))
    value = params.get(key)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return key, None
    if name not in _BELOW:
        return key, float(value)
    return key, round((high - value) / (high - low), 10)


def _action(name: str, params: dict[str, Any]) -> str:
    if params.get("is_blocked") is False:
        return "warn"
    if name in _REDACTING or params.get("redact") is True:
        return "redact"
    return "block"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() or "scanner"
