"""Change policies: each change type they name, matching their `when`, earns their points."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from llmward.diff import Change
from llmward.policy.evaluate import render
from llmward.policy.load import PolicySet
from llmward.policy.model import ChangeMatch


@dataclass(frozen=True)
class ChangeFinding:
    code: str
    policy: str
    severity: str
    points: float
    message: str
    change: Change


def evaluate_changes(policies: PolicySet, changes: Iterable[Change]) -> list[ChangeFinding]:
    rules = [c for c in policies.policies if isinstance(c.policy.match, ChangeMatch)]
    out = []
    for change in changes:
        record = change.record()
        for compiled in rules:
            match = compiled.policy.match
            assert isinstance(match, ChangeMatch)
            types = (match.change,) if isinstance(match.change, str) else match.change
            if change.type not in types or (match.kinds and change.kind not in match.kinds):
                continue
            envs = compiled.policy.environments
            if envs and not set(envs) & set(change.environments):
                continue
            if compiled.when(record):
                message = render(compiled.policy.message, _fields(record))
                out.append(
                    ChangeFinding(
                        compiled.policy.code,
                        compiled.policy.id,
                        compiled.severity,
                        match.points,
                        message,
                        change,
                    )
                )
    return out


def _fields(record: dict[str, object]) -> dict[str, object]:
    return {**record, "id": record.get("artifact"), "value": record.get("new")}
