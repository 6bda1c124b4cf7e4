"""Generate a deterministic, realistic repository of LLM artifacts for the benchmark.

`size` counts FILES: 60 % prompts (`*.prompt.yaml`), 20 % model pin files (`*.models.yaml`, 2-4
pins each) and 20 % guardrail configs (`*.guardrails.yaml`). llmward counts every pin as an
artifact, so a repository of N files holds about 1.4 N artifacts. Files are spread over teams and
services, a quarter of them under `prod/` (the `production` environment), and every cross-reference
(prompt -> model pin, prompt <-> guardrail) resolves except a few planted violations.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20240611
FILES_PER_FOLDER = 40  # per service folder (its prompts/, models/, guardrails/ together)
MAX_FOLDERS = 240  # every team x service pair
CONFIG = 'version: 1\nenvironments:\n  production: ["prod/**"]\n'
TEAMS = (
    "billing",
    "support",
    "search",
    "growth",
    "legal",
    "hr",
    "sales",
    "security",
    "analytics",
    "docs",
    "onboarding",
    "payments",
)
SERVICES = (
    "triage",
    "summaries",
    "replies",
    "routing",
    "extraction",
    "qa",
    "review",
    "translate",
    "classify",
    "digest",
    "agent",
    "insights",
    "redaction",
    "faq",
    "escalation",
    "drafts",
    "audit",
    "tagging",
    "forecast",
    "notes",
)
# Current, dated models that policies/catalog/catalog.yaml does not list as deprecated: a clean pin
# stays clean, so the findings are the planted violations (and what follows from them).
MODELS: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-5-2025-08-07", "gpt-5-mini-2025-08-07", "o3-2025-04-16", "o4-mini-2025-04-16"),
    "anthropic": (
        "claude-sonnet-4-5-20250929",
        "claude-haiku-4-5-20251001",
        "claude-opus-4-1-20250805",
    ),
    "google": ("gemini-2.5-pro", "gemini-2.5-flash"),
    "bedrock": ("anthropic.claude-sonnet-4-5-20250929-v1:0", "meta.llama3-1-70b-instruct-v1:0"),
    "azure": ("gpt-5-2025-08-07",),
    "huggingface": ("meta-llama/Llama-3.1-8B-Instruct", "mistralai/Mistral-7B-Instruct-v0.3"),
}
FLOATING = {
    "openai": ("gpt-4o", "gpt-4-turbo-preview", "chatgpt-4o-latest"),
    "anthropic": ("claude-3-5-sonnet-latest",),
}
TOPICS = ("medical", "legal", "politics")
RAILS = ("prompt_injection", "jailbreak", "pii", "toxicity", "topic", "secrets")
TASKS = (
    ("Classify the ticket into one of: {labels}.", "ticket", "<ticket>\n{{ ticket }}\n</ticket>"),
    (
        "Summarise the conversation in at most {n} bullet points.",
        "transcript",
        "```\n{{ transcript }}\n```",
    ),
    (
        "Draft a polite reply. Never promise refunds or dates.",
        "message",
        "<message>\n{{ message }}\n</message>",
    ),
    (
        "Extract the fields {labels} as JSON. Use null when a field is missing.",
        "document",
        '"""\n{{ document }}\n"""',
    ),
    (
        "Answer using only the context. Say you do not know otherwise.",
        "question",
        "<context>\n{{ context }}\n</context>\n<question>\n{{ question }}\n</question>",
    ),
)


@dataclass
class Plan:
    """Ids decided before any file is written, so every reference can resolve."""

    rng: random.Random
    prompts: list[str] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    guards: list[str] = field(default_factory=list)
    planted: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Repo:
    root: Path
    files: dict[str, list[str]]  # kind -> repository-relative paths, sorted
    planted: dict[str, int]  # deliberate violations, by name
    sample: str  # a clean prompt: the file handed to the one-file (pre-commit) case

    @property
    def file_count(self) -> int:
        return sum(len(v) for v in self.files.values())


def stamp(size: int) -> str:
    return hashlib.sha256(Path(__file__).read_bytes() + f":{size}:{SEED}".encode()).hexdigest()


def ensure(base: Path, size: int) -> Repo:
    """The repository of `size` files under `base`, generated unless an identical one is there."""
    root = base / f"r{size}"
    marker = base / f"r{size}.json"
    if root.is_dir() and marker.is_file():
        saved = json.loads(marker.read_text())
        if saved.get("stamp") == stamp(size):
            return Repo(root, saved["files"], saved["planted"], saved["sample"])
    shutil.rmtree(root, ignore_errors=True)
    repo = generate(root, size)
    marker.write_text(
        json.dumps(
            {
                "stamp": stamp(size),
                "files": repo.files,
                "planted": repo.planted,
                "sample": repo.sample,
            },
            sort_keys=True,
        )
    )
    return repo


def generate(root: Path, size: int) -> Repo:
    plan = Plan(random.Random(f"{SEED}:{size}"))
    counts = {"model": size // 5, "guardrail": size // 5}
    counts["prompt"] = size - counts["model"] - counts["guardrail"]
    n_folders = min(max(size // FILES_PER_FOLDER, len(TEAMS)), MAX_FOLDERS)
    folders = [_folder(i) for i in range(n_folders)]
    paths = {kind: [_path(folders, kind, i) for i in range(n)] for kind, n in counts.items()}
    plan.prompts = [_prompt_id(p, i) for i, p in enumerate(paths["prompt"])]
    plan.guards = [f"{_slug(p)}.rails-{i}" for i, p in enumerate(paths["guardrail"])]
    pins_per_file = [plan.rng.randint(2, 4) for _ in paths["model"]]
    plan.pins = [
        f"{_slug(p)}-{i}-{j}"
        for i, (p, n) in enumerate(zip(paths["model"], pins_per_file, strict=True))
        for j in range(n)
    ]
    root.mkdir(parents=True)
    (root / ".llmward.yaml").write_text(CONFIG)
    (root / "README.md").write_text("Generated by llmward's bench/repogen.py.\n")
    _write_all(root, paths["model"], lambda i, p: _models_file(plan, i, pins_per_file))
    _write_all(root, paths["guardrail"], lambda i, p: _guardrail_file(plan, i, p))
    _write_all(root, paths["prompt"], lambda i, p: _prompt_file(plan, i, p))
    _commit(root)
    return Repo(
        root,
        {k: sorted(v) for k, v in paths.items()},
        dict(sorted(plan.planted.items())),
        paths["prompt"][0],
    )


def _folder(i: int) -> str:
    team, service = TEAMS[i % len(TEAMS)], SERVICES[(i // len(TEAMS)) % len(SERVICES)]
    return f"{'prod' if i % 4 == 0 else 'services'}/{team}/{service}"


def _path(folders: list[str], kind: str, i: int) -> str:
    folder = folders[(i + len(kind)) % len(folders)]
    suffix = {"prompt": "prompt", "model": "models", "guardrail": "guardrails"}[kind]
    return f"{folder}/{kind}s/{folder.rsplit('/', 1)[1]}-{i:05d}.{suffix}.yaml"


def _slug(path: str) -> str:
    return "-".join(path.split("/")[1:3])


def _prompt_id(path: str, i: int) -> str:
    return "/".join(path.split("/")[1:3]) + f"/prompt-{i:05d}"


def _write_all(root: Path, paths: list[str], render: Callable[[int, str], str]) -> None:
    for i, rel in enumerate(paths):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(i, rel))


def _every(plan: Plan, i: int, n: int, name: str) -> bool:
    """Plant violation `name` on every n-th item (never the first, so file 0 stays clean)."""
    hit = i % n == n - 1
    if hit:
        plan.planted[name] += 1
    return hit


def _q(text: str) -> str:
    return json.dumps(text)


def _models_file(plan: Plan, i: int, pins_per_file: list[int]) -> str:
    start = sum(pins_per_file[:i])
    lines = ["# Model pins reviewed by the ML platform team.", "models:"]
    for k in range(start, start + pins_per_file[i]):
        lines += _pin(plan, k)
    return "\n".join(lines) + "\n"


def _pin(plan: Plan, k: int) -> list[str]:
    rng = plan.rng
    provider = rng.choice(sorted(MODELS))
    model = rng.choice(MODELS[provider])
    if provider in FLOATING and _every(plan, k, 40, "floating-model-alias"):
        model = rng.choice(FLOATING[provider])
    out = [
        f"  - id: {plan.pins[k]}",
        f"    provider: {provider}",
        f"    model: {model}",
        f'    owner: "@acme/{rng.choice(TEAMS)}"',
        f"    params: {{temperature: {rng.choice((0.0, 0.2, 0.3, 0.7))}, "
        f"max_tokens: {rng.choice((256, 512, 800, 1024, 2048))}}}",
    ]
    if provider == "huggingface":
        out.append(f"    revision: {rng.getrandbits(160):040x}")
    if provider == "azure":
        out += [f"    deployment: {plan.pins[k]}", '    api_version: "2024-10-21"']
    if k % 3 == 0:
        out.append(f"    fallbacks: [{plan.pins[k - 1] if k else plan.pins[-1]}]")
    return out


def _guardrail_file(plan: Plan, i: int, path: str) -> str:
    rng = plan.rng
    applies = [plan.prompts[j] for j in range(i, len(plan.prompts), max(len(plan.guards), 1))][:4]
    floor_breach = path.startswith("prod/") and _every(plan, i, 25, "loose-prod-threshold")
    rails_in = [("prompt_injection", 0.99 if floor_breach else rng.choice((0.5, 0.6, 0.7)))]
    rails_in.append((rng.choice(RAILS[1:]), rng.choice((0.5, 0.6, 0.8))))
    lines = [
        f"# Guardrails for {_slug(path)}.",
        f"id: {plan.guards[i]}",
        f'owner: "@acme/{path.split("/")[1]}"',
        f"description: {_q('Input and output rails for ' + _slug(path) + ' prompts.')}",
        f"applies_to: [{', '.join(applies)}]",
        "on_error: block",
        "input:",
    ]
    lines += [f"  - {{type: {t}, threshold: {v}, action: block}}" for t, v in rails_in]
    lines += [
        "output:",
        f"  - {{type: pii, threshold: {rng.choice((0.5, 0.6))}, action: redact}}",
        "  - type: topic",
        "    action: warn",
        f"    options: {{deny: [{', '.join(rng.sample(TOPICS, 2))}]}}",
    ]
    return "\n".join(lines) + "\n"


def _prompt_file(plan: Plan, i: int, path: str) -> str:
    rng = plan.rng
    if _every(plan, i, 499, "yaml-syntax-error"):
        return f'id: {plan.prompts[i]}\nmessages: [{{role: system, content: "unclosed"}}\n'
    instruction, var, user = TASKS[i % len(TASKS)]
    instruction = instruction.format(labels="billing, bug, account, other", n=rng.randint(3, 7))
    inputs = [var, "context"] if var == "question" else [var]
    model = plan.pins[rng.randrange(len(plan.pins))]
    if _every(plan, i, 450, "unknown-model-reference"):
        model = "retired-pin-" + str(i)
    system = [
        f"You are {path.split('/')[1]}'s assistant for {path.split('/')[2]}.",
        instruction,
        "Reply in {{ language }}.",
    ]
    if _every(plan, i, 350, "untrusted-input-in-system"):
        system.append("Previous note: {{ " + var + " }}")
    if _every(plan, i, 300, "undeclared-variable"):
        user += "\nTicket priority: {{ priority }}"
    lines = [
        f"# {instruction}",
        f"id: {plan.prompts[i]}",
        f'version: "{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"',
        f'owner: "@acme/{path.split("/")[1]}"',
        f"description: {_q(instruction)}",
        f"model: {model}",
        f"template_format: {'mustache' if i % 10 == 9 else 'jinja2'}",
        f"guardrails: [{plan.guards[i % len(plan.guards)] if plan.guards else ''}]",
        "inputs:",
        "  - name: language",
        "    trusted: true",
    ]
    lines += [line for name in inputs for line in (f"  - name: {name}", "    max_length: 8000")]
    lines += ["messages:", "  - role: system", "    content: |"]
    lines += [f"      {s}" for s in system]
    lines += ["  - role: user", "    content: |"] + [f"      {s}" for s in user.split("\n")]
    lines += [
        "metadata:",
        f"  ticket: {path.split('/')[1].upper()}-{rng.randint(100, 9999)}",
        f"  reviewed: {rng.choice(('true', 'false'))}",
    ]
    return "\n".join(lines) + "\n"


def _commit(root: Path) -> None:
    env = {"GIT_AUTHOR_DATE": "2024-06-11T12:00:00Z", "GIT_COMMITTER_DATE": "2024-06-11T12:00:00Z"}
    ident = [
        "-c",
        "user.name=llmward bench",
        "-c",
        "user.email=bench@example.invalid",
        "-c",
        "commit.gpgsign=false",
    ]
    for args in (["init", "-q"], ["add", "-A"], [*ident, "commit", "-q", "-m", "generated"]):
        subprocess.run(["git", *args], cwd=root, check=True, env={**_clean_env(), **env})


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
