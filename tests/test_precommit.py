"""The real pre-commit framework runs the hook from .pre-commit-hooks.yaml on a staged change."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HookRepo, git, make_repo

pytestmark = pytest.mark.slow

MODELS = """\
models:
  - id: support-default
    provider: openai
    model: gpt-4o-2024-08-06
    params: {temperature: 0.2, max_tokens: 800}
"""
GOOD_PROMPT = """\
id: triage
version: "1.0.0"
owner: "@acme/support"
description: Sorts incoming tickets.
model: support-default
inputs:
  - {name: ticket, trusted: false, max_length: 4000}
messages:
  - role: system
    content: You sort support tickets into billing, bug or other.
  - role: user
    content: "<ticket>{{ ticket }}</ticket>"
"""
BAD_PROMPT = GOOD_PROMPT.replace("model: support-default", "model: support-defualt")


def test_hook_fails_on_staged_bad_prompt_then_passes(tmp_path: Path, hook_repo: HookRepo) -> None:
    repo = make_repo(tmp_path / "repo", {"models.yaml": MODELS})
    (repo / "prompts").mkdir()
    (repo / "prompts/triage.prompt.yaml").write_text(BAD_PROMPT)
    git(repo, "add", "prompts/triage.prompt.yaml")
    failed = hook_repo.run(repo, "llmward-lint", "--verbose")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "llmward lint" in failed.stdout and "Failed" in failed.stdout
    assert (
        "prompts/triage.prompt.yaml:5:8: PRM011 [high] model pin 'support-defualt'" in failed.stdout
    ), failed.stdout
    (repo / "prompts/triage.prompt.yaml").write_text(GOOD_PROMPT)
    git(repo, "add", "prompts/triage.prompt.yaml")
    passed = hook_repo.run(repo, "llmward-lint", "--verbose")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_hook_resolves_references_against_the_whole_repository(
    tmp_path: Path, hook_repo: HookRepo
) -> None:
    """Only the prompt is staged, yet its model pin (committed earlier) is found."""
    repo = make_repo(tmp_path / "repo", {"models.yaml": MODELS})
    (repo / "triage.prompt.yaml").write_text(GOOD_PROMPT)
    git(repo, "add", "triage.prompt.yaml")
    result = hook_repo.run(repo, "llmward-lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hook_skips_files_that_are_not_artifacts(tmp_path: Path, hook_repo: HookRepo) -> None:
    repo = make_repo(tmp_path / "repo", {"notes.txt": "a\n"})
    (repo / "notes.txt").write_text("b\n")
    git(repo, "add", "notes.txt")
    result = hook_repo.run(repo, "llmward-lint")
    assert result.returncode == 0
    assert "(no files to check)Skipped" in result.stdout
    # a YAML file in no format llmward reads is handed to the hook, which passes it in silence,
    # broken YAML and all: it is not an artifact
    (repo / "deploy.yaml").write_text("kind: Deployment\nspec: [1\n")
    git(repo, "add", "deploy.yaml")
    result = hook_repo.run(repo, "llmward-lint", "--verbose")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout and "GOV001" not in result.stdout


PROMPTY = """\
---
name: Support answer
model:
  id: gpt-4o
  provider: openai
  options: {max_tokens: 400}
---
system:
You answer support questions briefly.
"""
PROXY = """\
model_list:
  - model_name: "*"
    litellm_params:
      model: openai/*
"""


def test_hook_checks_files_in_other_tools_formats(tmp_path: Path, hook_repo: HookRepo) -> None:
    """A staged Prompty file and a LiteLLM config: the hook reads both where they are."""
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    (repo / "prompts").mkdir()
    (repo / "prompts/answer.prompty").write_text(PROMPTY)
    (repo / "proxy.yaml").write_text(PROXY)
    git(repo, "add", "prompts/answer.prompty", "proxy.yaml")
    failed = hook_repo.run(repo, "llmward-lint", "--verbose")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "prompts/answer.prompty:4:7: PIN001 [high]" in failed.stdout, failed.stdout
    assert "proxy.yaml:4:14: PIN016 [high]" in failed.stdout, failed.stdout
