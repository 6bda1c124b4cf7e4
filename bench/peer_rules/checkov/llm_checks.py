"""Checks like llmward's, one per artifact kind, for checkov's generic `yaml` framework (which
parses every *.yaml file and runs the registered checks on it), so checkov reads and checks every
file. Loaded with `--external-checks-dir`; each check registers itself on import, like checkov's."""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.yaml_doc.base_yaml_check import BaseYamlCheck
from checkov.yaml_doc.enums import BlockType

DATED = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")
ROLES = {"system", "developer", "user", "assistant", "tool"}


class OpenAIFloatingAlias(BaseYamlCheck):
    def __init__(self) -> None:
        super().__init__(
            name="OpenAI model pinned to a floating alias",
            id="CKV_LLM_1",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_entities=("models",),
            block_type=BlockType.ARRAY,
        )

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> CheckResult:
        if not isinstance(conf, dict) or conf.get("provider") != "openai":
            return CheckResult.PASSED
        model = str(conf.get("model", ""))
        floating = not DATED.search(model) or "latest" in model or "preview" in model
        return CheckResult.FAILED if floating else CheckResult.PASSED


class MessageRole(BaseYamlCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Prompt message with an unknown role",
            id="CKV_LLM_2",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_entities=("messages",),
            block_type=BlockType.ARRAY,
        )

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> CheckResult:
        ok = isinstance(conf, dict) and conf.get("role") in ROLES
        return CheckResult.PASSED if ok else CheckResult.FAILED


class InputRailThreshold(BaseYamlCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Input rail threshold looser than 0.9",
            id="CKV_LLM_3",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_entities=("input",),
            block_type=BlockType.ARRAY,
        )

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> CheckResult:
        threshold = conf.get("threshold") if isinstance(conf, dict) else None
        loose = isinstance(threshold, (int, float)) and threshold > 0.9
        return CheckResult.FAILED if loose else CheckResult.PASSED


checks = (OpenAIFloatingAlias(), MessageRole(), InputRailThreshold())
