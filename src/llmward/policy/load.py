"""Find, validate and compile policy packs.

A broken policy file is an error (exit 2), never skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmward.config import Config
from llmward.errors import PolicyError
from llmward.parse import parse_bytes
from llmward.policy.evaluate import Compiled, MatcherSpec
from llmward.policy.model import MatcherMatch, Policy, SchemaMatch

PACK_FOLDERS = ("prompt", "model", "guardrail", "governance")  # folders of policies/
FIXTURE_SUFFIXES = (".test.yaml", ".test.yml")


def builtin_root() -> Path:
    """The shipped `policies/` folder: inside the wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "policies"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "policies"


@dataclass(frozen=True)
class PolicySet:
    policies: tuple[Compiled, ...]  # enabled, after --select/--ignore and config disables
    known_codes: frozenset[str]  # every loaded code, enabled or not
    digests: tuple[tuple[str, str], ...]  # (file, sha256) of every policy file read
    catalog: tuple[dict[str, Any], ...] = ()

    def by_code(self) -> dict[str, Compiled]:
        return {c.policy.code: c for c in self.policies}


def policy_files(root: Path, folders: Iterable[str] | None = None) -> list[Path]:
    if not root.is_dir():
        raise PolicyError(f"{root}: policy folder not found")
    names = list(folders) if folders is not None else None
    bases = [root / n for n in names] if names is not None else [root]
    files = [
        p
        for base in bases
        if base.is_dir()
        for p in base.rglob("*")
        if p.suffix in (".yaml", ".yml")
        and not p.name.endswith(FIXTURE_SUFFIXES)
        and "catalog" not in p.relative_to(root).parts[:1]
    ]
    return sorted(files)


def load_policy(path: Path) -> Policy:
    from llmward.validation import Invalid, build, validate
    from llmward.verified import verified

    raw = path.read_bytes()
    doc = parse_bytes(str(path), raw, max_bytes=1024 * 1024)
    for problem in doc.problems:
        raise PolicyError(f"{path}:{problem.span.line}:{problem.span.col}: {problem.message}")
    if not isinstance(doc.data, dict):
        raise PolicyError(f"{path}:1:1: a policy file must be a mapping")
    with verified(raw, "policy") as seen:
        if seen.ok:
            return build(Policy, doc.data)
        try:
            policy = validate(Policy, doc.data, str(path), doc)
        except Invalid as err:
            raise PolicyError(f"{err}\n(`llmward schema policy` prints the format)") from None
        _check_schemas(policy, path, doc)
        seen.mark()
    return policy


def compile_policy(policy: Policy, source: Path, config: Config) -> Compiled:
    from llmward.policy.matchers import MATCHERS

    severity = config.severity.get(policy.code, policy.severity)
    compiled = Compiled(policy, str(source), severity)
    match = policy.match
    if isinstance(match, MatcherMatch):
        spec: MatcherSpec | None = MATCHERS.get(match.matcher)
        if spec is None:
            raise PolicyError(
                f"{source}: unknown matcher '{match.matcher}' "
                f"(known: {', '.join(sorted(MATCHERS))})"
            )
        compiled.matcher = spec
    return compiled


def _check_schemas(policy: Policy, path: Path, doc: Any) -> None:
    """A policy's schemas must be valid draft-07: a typo is an error, never a silent pass."""
    from llmward.policy.evaluate import schema_problem

    match = policy.match
    for key, schema in (
        ("when", match.when),
        ("schema", match.schema if isinstance(match, SchemaMatch) else None),
    ):
        problem = None if schema is None else schema_problem(schema)
        if problem is not None:
            span = doc.location(f"/match/{key}")
            raise PolicyError(
                f"{path}:{span.line}:{span.col}: match.{key}: invalid JSON Schema: {problem}"
            )


def load_policies(
    config: Config, root: Path, *, select: Iterable[str] = (), ignore: Iterable[str] = ()
) -> PolicySet:
    files = _pack_files(config, root)
    loaded = [(load_policy(f), f) for f in files]
    _check_unique(loaded)
    if not loaded:
        raise PolicyError("no policy loaded: check `policies.packs` and `policies.paths`")
    wanted, unwanted = set(select), set(ignore) | set(config.disable)
    known = frozenset(p.code for p, _ in loaded)
    unknown = (wanted | set(ignore)) - known
    if unknown:
        raise PolicyError(
            f"unknown policy code(s): {', '.join(sorted(unknown))} (`llmward rules` lists them)"
        )
    enabled = [
        compile_policy(p, f, config)
        for p, f in loaded
        if (not wanted or p.code in wanted) and p.code not in unwanted
    ]
    digests = tuple((str(f), hashlib.sha256(f.read_bytes()).hexdigest()) for f in files)
    return PolicySet(tuple(enabled), known, digests, _catalog(config, root))


def _pack_files(config: Config, root: Path) -> list[Path]:
    builtin = builtin_root()
    files: list[Path] = []
    for pack in config.policies.packs:
        if pack == "builtin":
            files += policy_files(builtin, PACK_FOLDERS)
        elif pack in PACK_FOLDERS:
            files += policy_files(builtin, [pack])
        else:
            raise PolicyError(
                f"unknown policy pack '{pack}' (built-in packs: builtin, {', '.join(PACK_FOLDERS)})"
            )
    for folder in config.policies.paths:
        files += policy_files((root / folder).resolve())
    return sorted(set(files))


def _check_unique(loaded: list[tuple[Policy, Path]]) -> None:
    seen_codes: dict[str, Path] = {}
    seen_ids: dict[str, Path] = {}
    for policy, path in loaded:
        for key, seen in ((policy.code, seen_codes), (policy.id, seen_ids)):
            if key in seen:
                raise PolicyError(f"{path}: '{key}' is already defined in {seen[key]}")
            seen[key] = path


def _catalog(config: Config, root: Path) -> tuple[dict[str, Any], ...]:
    from llmward.policy.catalog import load_catalog

    files = [builtin_root() / "catalog" / "models.yaml"]
    files += [(root / f).resolve() for f in config.policies.catalogs]
    return tuple(entry for f in files for entry in load_catalog(f))
