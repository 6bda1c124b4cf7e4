"""Generated documentation is never stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from llmward.cli import main


def test_policies_reference_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--all", "--format", "markdown"]) == 0
    generated = capsys.readouterr().out
    current = (ROOT / "docs/policies.md").read_text(encoding="utf-8")
    assert current == generated, (
        "docs/policies.md is stale: run `llmward rules --all --format markdown > docs/policies.md`"
    )


def test_every_policy_code_has_an_anchor_in_the_reference() -> None:
    text = (ROOT / "docs/policies.md").read_text(encoding="utf-8")
    codes = [line.split()[1] for line in text.splitlines() if line.startswith("## ")]
    assert codes == sorted(codes)
    assert len(codes) >= 30


@pytest.mark.parametrize("name", ["README.md", "CONTRIBUTING.md", "docs/formats.md"])
def test_docs_exist(name: str) -> None:
    assert (ROOT / name).is_file() and Path(ROOT / name).stat().st_size > 500
