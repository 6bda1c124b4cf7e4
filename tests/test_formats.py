"""The format registry: every adapter is listed once, under the name the config uses, and is
loaded only when a file of its format is read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

from conftest import make_repo
from llmward import formats
from llmward.config import FormatName


def test_every_adapter_is_registered_under_its_own_name() -> None:
    assert set(formats.FORMATS) == set(get_args(FormatName))
    for name in formats.FORMATS:
        module = formats.module(name)
        assert name == module.NAME
        assert callable(module.sniff) and callable(module.read)


def test_a_run_on_llmwards_own_files_loads_no_adapter(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": "models: []\n"})
    code = (
        "import sys\n"
        "from llmward.cli import main\n"
        "main(['lint', '--no-cache', 'models.yaml'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('llmward.formats.'))\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


def test_ownership_is_asked_for_only_where_a_format_can_say_it() -> None:
    """Dotprompt, promptfoo and NeMo prompts have no owner field: PRM001 there could only be
    silenced, never fixed. Prompty has `authors`, so it is asked for."""
    from format_helpers import codes, scan

    dotprompt = "---\nmodel: googleai/gemini-1.5-pro-002\nversion: '2'\n---\nHi {{name}}\n"
    result, _ = scan("prompts/hi.prompt", dotprompt)
    found = codes(result.findings)
    assert "PRM003" in found and not {"PRM001", "PRM002"} & found  # a description it could have
    promptfoo = "description: Smoke eval\nprompts: ['Hi {{name}}']\nproviders: [openai:gpt-4o]\n"
    result, _ = scan("evals/promptfooconfig.yaml", promptfoo)
    assert not {"PRM001", "PRM002", "PRM003"} & codes(result.findings)
    prompty = "---\nname: hi\nmodel:\n  id: gpt-4o-2024-08-06\n---\nsystem:\nHi.\n"
    result, _ = scan("prompts/hi.prompty", prompty)
    assert {"PRM001", "PRM002", "PRM003"} <= codes(result.findings)


def test_one_written_value_is_reported_once() -> None:
    """A Prompty Azure deployment named by an environment variable is the pin's `deployment`
    and its `model`; a LiteLLM guardrail in both modes is an input and an output rail. Each is
    one finding, scored once."""
    from format_helpers import at, scan

    prompty = (
        "---\nmodel:\n  api: chat\n  configuration:\n    type: azure_openai\n"
        "    azure_deployment: ${env:DEPLOYMENT}\n    api_version: '2024-06-01'\n"
        "---\nsystem:\nHi.\n"
    )
    result, _ = scan("prompts/hi.prompty", prompty)
    assert at(result.findings, "PIN015") == [6]
    proxy = (
        "guardrails:\n  - guardrail_name: pii\n    litellm_params:\n"
        "      guardrail: presidio\n      mode: [pre_call, post_call]\n"
    )
    result, _ = scan("deploy/proxy.yaml", proxy)
    assert at(result.findings, "GRD003") == [2]


def test_input_limits_are_asked_for_only_in_llmwards_own_prompts() -> None:
    """Prompty and NeMo prompts cannot declare `trusted` or `max_length`: PRM014 would only be
    silenced there. Untrusted input in a system message (PRM007) is reported everywhere."""
    from format_helpers import codes, scan

    prompty = (
        "---\nname: hi\nmodel:\n  id: gpt-4o-2024-08-06\ninputs:\n  question: {type: string}\n"
        "---\nsystem:\nAnswer {{question}}\n"
    )
    result, _ = scan("prompts/hi.prompty", prompty)
    assert "PRM014" not in codes(result.findings) and "PRM007" in codes(result.findings)
    native = (
        "id: hi\nversion: '1'\nowner: '@a'\ndescription: d\ninputs: [{name: question}]\n"
        "messages:\n  - {role: user, content: '<q>{{ question }}</q>'}\n"
    )
    result, _ = scan("prompts/hi.prompt.yaml", native)
    assert "PRM014" in codes(result.findings)
