"""Changes to llmward's own config and policy packs are changes too, and scored as such.

The change is judged by the rules at BASE; these records say what HEAD would weaken: a policy
removed, a code disabled, a severity lowered, a threshold floor loosened, an environment narrowed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from llmward.config import Config
from llmward.diff import Change
from llmward.findings import SEVERITY_RANK
from llmward.parse.document import Document, Span
from llmward.policy.model import Policy


@dataclass(frozen=True)
class Rules:
    """The governance inputs at one ref: config (None if invalid) and user policies by code."""

    config_path: str
    config: Config | None
    config_doc: Document | None
    policies: Mapping[str, tuple[str, Policy]]  # user packs: code -> (file, policy)
    error: str | None = None  # why the config or a policy did not load
    severities: Mapping[str, str] = field(default_factory=dict)  # every code -> its severity


def governance_changes(base: Rules, head: Rules) -> list[Change]:
    if head.config is None:  # nothing at HEAD loaded: that alone is the change
        return [_config_change(head, "config-invalid", "", None, head.error)]
    out = list(_policy_changes(base, head))
    if base.config is not None:
        out += _config_changes(base, head)
    return out


def _config_change(
    head: Rules, type_: str, pointer: str, old: Any, new: Any, **details: Any
) -> Change:
    span = head.config_doc.location(pointer) if head.config_doc is not None else Span(1, 1, 1, 1)
    return Change(
        type_,
        "config",
        head.config_path,
        head.config_path,
        pointer,
        old,
        new,
        span,
        None,
        (),
        details,
    )


def _policy_change(type_: str, code: str, path: str, old: Any, new: Any, **more: Any) -> Change:
    first = Span(1, 1, 1, 1)  # the policy file as a whole
    at_base = type_ == "policy-removed"
    return Change(
        type_,
        "policy",
        code,
        path,
        "/severity" if "severity" in type_ else "",
        old,
        new,
        span=None if at_base else first,
        old_span=first,
        details={"code": code, **more},
    )


def _policy_changes(base: Rules, head: Rules) -> Iterator[Change]:
    for code in sorted(base.policies.keys() - head.policies.keys()):
        path, policy = base.policies[code]
        yield _policy_change(
            "policy-removed", code, path, policy.id, None, severity=policy.severity
        )
    for code in sorted(head.policies.keys() - base.policies.keys()):
        path, policy = head.policies[code]
        yield _policy_change("policy-added", code, path, None, policy.id)
    for code in sorted(base.policies.keys() & head.policies.keys()):
        (_, old), (path, new) = base.policies[code], head.policies[code]
        if SEVERITY_RANK[new.severity] < SEVERITY_RANK[old.severity]:
            yield _policy_change("severity-lowered", code, path, old.severity, new.severity)
        elif old != new:
            yield _policy_change("policy-modified", code, path, None, None)


def _config_changes(base: Rules, head: Rules) -> Iterator[Change]:
    old, new = base.config, head.config
    assert old is not None and new is not None
    for code in sorted(set(new.disable) - set(old.disable)):
        at = f"/disable/{new.disable.index(code)}"
        yield _config_change(head, "code-disabled", at, None, code, code=code)
    for code, severity in sorted(new.severity.items()):
        before = old.severity.get(code, base.severities.get(code))
        if before is not None and SEVERITY_RANK[severity] < SEVERITY_RANK[before]:
            yield _config_change(
                head, "severity-lowered", f"/severity/{code}", before, severity, code=code
            )
    yield from _floors(old, head)
    yield from _environments(old, head)
    if SEVERITY_RANK[new.fail_on] > SEVERITY_RANK[old.fail_on]:
        yield _config_change(head, "fail-on-raised", "/fail_on", old.fail_on, new.fail_on)
    yield from _lists(old, head)
    yield from _allowlist(old, head)
    yield from _risk(old, head)
    if old.approvals != new.approvals:
        yield _config_change(head, "approval-rules-changed", "/approvals", None, None)


def _allowlist(old: Config, head: Rules) -> Iterator[Change]:
    """An allowlist that admits more: entries added, or a list dropped (None admits anything)."""
    assert head.config is not None
    for field_ in ("providers", "models"):
        before, after = getattr(old.allow, field_), getattr(head.config.allow, field_)
        if before is None:
            continue
        added = ["(anything)"] if after is None else sorted(set(after) - set(before))
        if added:
            yield _config_change(
                head, "allowlist-widened", f"/allow/{field_}", None, added, list=field_
            )


def _risk(old: Config, head: Rules) -> Iterator[Change]:
    """Settings that make the same change score lower, or fail later."""
    assert head.config is not None
    a, b = old.risk, head.config.risk
    checks = [
        (f"/risk/tiers/{t}", getattr(a.tiers, t), getattr(b.tiers, t))
        for t in ("medium", "high", "critical")
        if getattr(b.tiers, t) > getattr(a.tiers, t)
    ]
    checks += [
        (f"/risk/environment_weights/{env}", w, b.environment_weights.get(env, 1.0))
        for env, w in sorted(a.environment_weights.items())
        if b.environment_weights.get(env, 1.0) < w
    ]
    checks += [
        (f"/risk/finding_points/{sev}", p, b.finding_points.get(sev, 0.0))
        for sev, p in sorted(a.finding_points.items())
        if b.finding_points.get(sev, 0.0) < p
    ]
    if a.fail_at is not None and (
        b.fail_at is None or SEVERITY_RANK[b.fail_at] > SEVERITY_RANK[a.fail_at]
    ):
        checks.append(("/risk/fail_at", a.fail_at, b.fail_at))
    for pointer, before, after in checks:
        yield _config_change(head, "risk-settings-loosened", pointer, before, after)


def _floors(old: Config, head: Rules) -> Iterator[Change]:
    assert head.config is not None
    before, after = old.guardrails.threshold_floor, head.config.guardrails.threshold_floor
    for rail in sorted(before):
        pointer = f"/guardrails/threshold_floor/{rail}"
        if rail not in after or after[rail] > before[rail]:
            yield _config_change(
                head,
                "threshold-floor-loosened",
                pointer,
                before[rail],
                after.get(rail),
                rail_type=rail,
            )


def _environments(old: Config, head: Rules) -> Iterator[Change]:
    assert head.config is not None
    for env, globs in sorted(old.environments.items()):
        gone = sorted(set(globs) - set(head.config.environments.get(env, ())))
        if gone:
            yield _config_change(
                head, "environment-narrowed", f"/environments/{env}", gone, None, environment=env
            )


def _lists(old: Config, head: Rules) -> Iterator[Change]:
    new = head.config
    assert new is not None
    checks = (
        ("exclude-added", "/exclude", set(new.exclude) - set(old.exclude)),
        ("pack-removed", "/policies/packs", set(old.policies.packs) - set(new.policies.packs)),
        (
            "policy-path-removed",
            "/policies/paths",
            set(old.policies.paths) - set(new.policies.paths),
        ),
        ("artifact-globs-narrowed", "/artifacts", _globs(old) - _globs(new)),
    )
    for type_, pointer, items in checks:
        if items:
            yield _config_change(head, type_, pointer, None, sorted(items))


def _globs(config: Config) -> set[str]:
    a = config.artifacts
    return {f"{kind}:{g}" for kind in ("prompt", "model", "guardrail") for g in getattr(a, kind)}
