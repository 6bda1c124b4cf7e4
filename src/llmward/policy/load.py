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
from llmward.sources import Source, WorktreeSource

PACK_FOLDERS = ("prompt", "model", "guardrail", "governance", "changes")  # under policies/
FIXTURE_SUFFIXES = (".test.yaml", ".test.yml")
PolicyFile = tuple[str, bytes, str | None]  # (name for messages, contents, path in the repo)


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
    # (path in the repository, policy) for each policy of a user pack; built-ins are not here
    user: tuple[tuple[str, Policy], ...] = ()

    def by_code(self) -> dict[str, Compiled]:
        return {c.policy.code: c for c in self.policies}


def is_policy_file(relative: str) -> bool:
    """A policy, not a fixture, the catalog or fixture support (path relative to the pack)."""
    if not relative.endswith((".yaml", ".yml")) or relative.endswith(FIXTURE_SUFFIXES):
        return False
    return relative.split("/", maxsplit=1)[0] not in (
        "catalog",
        "fixture-world",
        "fixture-config.yaml",
    )


def policy_files(root: Path, folders: Iterable[str] | None = None) -> list[Path]:
    if not root.is_dir():
        raise PolicyError(f"{root}: policy folder not found")
    names = list(folders) if folders is not None else None
    bases = [root / n for n in names] if names is not None else [root]
    found = (p for base in bases if base.is_dir() for p in base.rglob("*") if p.is_file())
    return sorted(p for p in found if is_policy_file(p.relative_to(root).as_posix()))


def load_policy(path: Path) -> Policy:
    return load_policy_bytes(str(path), path.read_bytes())


def load_policy_bytes(path: str, raw: bytes, *, trusted: bool = True) -> Policy:
    from llmward.validation import Invalid, build, validate
    from llmward.verified import verified

    with verified(raw, "policy") as seen:
        if seen.ok:
            return build(Policy, seen.data)
        doc = parse_bytes(path, raw, max_bytes=1024 * 1024)
        for problem in doc.problems:
            raise PolicyError(f"{path}:{problem.span.line}:{problem.span.col}: {problem.message}")
        if not isinstance(doc.data, dict):
            raise PolicyError(f"{path}:1:1: a policy file must be a mapping")
        try:
            policy = validate(Policy, doc.data, path, doc)
        except Invalid as err:
            raise PolicyError(f"{err}\n(`llmward schema policy` prints the format)") from None
        _check_schemas(policy, path, doc, safe=not trusted)
        seen.mark(doc.data)
    return policy


def compile_policy(
    policy: Policy, source: str, config: Config, *, trusted: bool = True
) -> Compiled:
    from llmward.policy.matchers import MATCHERS

    severity = config.severity.get(policy.code, policy.severity)
    compiled = Compiled(policy, str(source), severity, trusted=trusted)
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


def _check_schemas(policy: Policy, path: str, doc: Any, *, safe: bool = False) -> None:
    """A policy's schemas must be valid draft-07: a typo is an error, never a silent pass; in a
    user pack, every pattern must run on RE2."""
    from llmward.policy.evaluate import schema_problem

    match = policy.match
    for key, schema in (
        ("when", match.when),
        ("schema", match.schema if isinstance(match, SchemaMatch) else None),
    ):
        problem = None if schema is None else schema_problem(schema, safe=safe)
        if problem is not None:
            span = doc.location(f"/match/{key}")
            raise PolicyError(
                f"{path}:{span.line}:{span.col}: match.{key}: invalid JSON Schema: {problem}"
            )


def load_policies(
    config: Config,
    root: Path,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    source: Source | None = None,
    changes: bool = True,
) -> PolicySet:
    """The policies in force: built-in packs from the package, user packs from `source` (the
    work tree by default; a git tree at BASE when comparing refs)."""
    source = source if source is not None else WorktreeSource(root)
    files = _pack_files(config, source, changes)
    loaded = [
        (load_policy_bytes(name, raw, trusted=path is None), name) for name, raw, path in files
    ]
    user_files = {name for name, _, path in files if path is not None}
    _check_unique(loaded)
    if not loaded:
        raise PolicyError("no policy loaded: check `policies.packs` and `policies.paths`")
    known = frozenset(p.code for p, _ in loaded)
    wanted = _expand(select, known, "--select")
    unwanted = _expand(ignore, known, "--ignore") | _expand(config.disable, known, "disable")
    _expand(config.severity, known, "severity")
    enabled = [
        compile_policy(p, f, config, trusted=f not in user_files)
        for p, f in loaded
        if (not wanted or p.code in wanted) and p.code not in unwanted
    ]
    digests = tuple((name, hashlib.sha256(raw).hexdigest()) for name, raw, _ in files)
    user = tuple(
        (path, policy)
        for (policy, _), (_, _, path) in zip(loaded, files, strict=True)
        if path is not None
    )
    return PolicySet(tuple(enabled), known, digests, _catalog(config, source), user)


def _expand(codes: Iterable[str], known: frozenset[str], where: str) -> set[str]:
    """Codes, or prefixes of codes (PRM, PRM0), as ruff selects them; unknown ones are errors."""
    out: set[str] = set()
    for code in codes:
        matched = {k for k in known if k.startswith(code.upper())}
        if not matched:
            raise PolicyError(f"{where}: unknown policy code '{code}' (`llmward rules` lists them)")
        out |= matched
    return out


def _pack_files(config: Config, source: Source, changes: bool) -> list[PolicyFile]:
    """`changes`: whether the built-in change policies are needed (diff) or not (lint)."""
    builtin = builtin_root()
    paths: list[Path] = []
    for pack in config.policies.packs:
        if pack == "builtin":
            paths += policy_files(builtin, [f for f in PACK_FOLDERS if changes or f != "changes"])
        elif pack in PACK_FOLDERS:
            paths += policy_files(builtin, [pack])
        else:
            raise PolicyError(
                f"unknown policy pack '{pack}' (built-in packs: builtin, {', '.join(PACK_FOLDERS)})"
            )
    files: list[PolicyFile] = [(str(p), p.read_bytes(), None) for p in sorted(set(paths))]
    for folder in config.policies.paths:
        names = source.files_under(folder)
        if not names:
            raise PolicyError(f"{source.label(folder)}: policy folder not found or empty")
        prefix = len(folder.strip("/").rstrip("/")) + 1 if folder.strip("/.") else 0
        files += [(source.label(n), source.read(n), n) for n in names if is_policy_file(n[prefix:])]
    return files


def _check_unique(loaded: list[tuple[Policy, str]]) -> None:
    seen_codes: dict[str, str] = {}
    seen_ids: dict[str, str] = {}
    for policy, path in loaded:
        for key, seen in ((policy.code, seen_codes), (policy.id, seen_ids)):
            if key in seen:
                raise PolicyError(f"{path}: '{key}' is already defined in {seen[key]}")
            seen[key] = path


def _catalog(config: Config, source: Source) -> tuple[dict[str, Any], ...]:
    from llmward.policy.catalog import load_catalog

    builtin = builtin_root() / "catalog" / "catalog.yaml"
    files = [(str(builtin), builtin.read_bytes())]
    for name in config.policies.catalogs:
        try:
            files.append((source.label(name), source.read(name)))
        except (FileNotFoundError, IsADirectoryError):
            raise PolicyError(f"{source.label(name)}: model catalog not found") from None
    return tuple(entry for label, raw in files for entry in load_catalog(label, raw))
