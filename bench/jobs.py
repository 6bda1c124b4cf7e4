"""The commands timed: llmward (cold and warm) and each peer, on one file or a whole repository."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from measure import Argv, Check, CheckFailed, Job, Outcome, run_once
from peers import PeerEnv
from repogen import Repo

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
SCHEMAS = PROJECT / "src" / "llmward" / "schemas"
RULES = BENCH / "peer_rules"
CACHE = ".llmward_cache"


@dataclass(frozen=True)
class Target:
    """What every tool is handed: one repository-relative file, or the whole repository."""

    repo: Repo
    file: str | None = None

    def paths(self, kind: str) -> list[str]:
        if self.file is None:
            return self.repo.files[kind]
        return [self.file] if self.file in self.repo.files[kind] else []

    def args(self) -> Argv:
        return (self.file,) if self.file else (".",)


def base_env() -> dict[str, str]:
    """This environment minus CI markers (llmward never reads its cache under CI); no telemetry."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    env.update(SEMGREP_SEND_METRICS="off", SEMGREP_ENABLE_VERSION_CHECK="0")
    return env


# llmward ------------------------------------------------------------------------------------------


def llmward_jobs(exe: str, target: Target) -> tuple[Job, Job]:
    """Cold (cache deleted before every run) and warm (cache primed once, nothing changed)."""
    argv = (exe, "lint", "--format", "json", *([target.file] if target.file else []))
    root, env = target.repo.root, base_env()
    check = _llmward_summary(1 if target.file else target.repo.file_count)
    cold = Job("llmward", (argv,), root, env, before_each=lambda: _drop_cache(root), check=check)
    watch = CacheWatch(root / CACHE)
    warm = Job(
        "llmward",
        (argv,),
        root,
        env,
        setup=lambda: _prime(argv, root, env),
        before_each=watch.snapshot,
        check=watch.wrap(check),
    )
    return cold, warm


class CacheWatch:
    """Counts warm runs that rewrote the cache, so were not warm: llmward's own files, its config
    or its policies changed between runs (they are all in the cache key), e.g. during development.
    An unchanged repository never rewrites it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.before: dict[str, int] = {}
        self.rewrites = 0

    def _state(self) -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in self.folder.glob("*")}

    def snapshot(self) -> None:
        self.before = self._state()

    def wrap(self, check: Check) -> Check:
        def checked(outcome: Outcome) -> dict[str, Any]:
            self.rewrites += self._state() != self.before
            return {**check(outcome), "cache_rewrites": self.rewrites}

        return checked


def _drop_cache(root: Path) -> None:
    shutil.rmtree(root / CACHE, ignore_errors=True)


def _prime(argv: Argv, root: Path, env: dict[str, str]) -> None:
    _drop_cache(root)
    run_once(argv, root, env)


def _llmward_summary(files: int) -> Check:
    def check(outcome: Outcome) -> dict[str, Any]:
        try:
            report = json.loads(outcome.stdout)
            summary = report["summary"]
        except (ValueError, KeyError, TypeError):
            raise CheckFailed("no JSON report on stdout") from None
        if summary.get("files") != files:
            raise CheckFailed(f"linted {summary.get('files')} files, expected {files}")
        codes = Counter(str(f.get("code")) for f in report.get("findings", []))
        return {
            "files": summary["files"],
            "artifacts": summary.get("artifacts"),
            "policies": summary.get("policies"),
            "findings": dict(sorted(codes.items())),
        }

    return check


# peers --------------------------------------------------------------------------------------------


def peer_jobs(env: PeerEnv, target: Target) -> list[Job]:
    builders: dict[str, Callable[[Path, Target], Job | None]] = {
        "yamllint": _yamllint,
        "check-jsonschema": _check_jsonschema,
        "checkov": _checkov,
        "semgrep": _semgrep,
    }
    jobs = (build(env.bin, target) for name, build in builders.items() if env.has(name))
    return [job for job in jobs if job is not None]


def _job(tool: str, steps: tuple[Argv, ...], target: Target, pattern: str | None) -> Job:
    return Job(
        tool, steps, target.repo.root, base_env(), check=_expect(pattern) if pattern else None
    )


def _expect(pattern: str) -> Check:
    """The peer's own summary line, which shows it read the files (recorded in the results)."""

    def check(outcome: Outcome) -> dict[str, Any]:
        found = re.search(pattern, outcome.stdout + outcome.stderr)
        if found is None:
            raise CheckFailed(f"no line matching {pattern!r} in its output")
        return {"summary": found.group(0)}

    return check


def _yamllint(bin_: Path, target: Target) -> Job:
    argv = (
        str(bin_ / "yamllint"),
        "-c",
        str(RULES / "yamllint.yaml"),
        "-f",
        "parsable",
        *target.args(),
    )
    return _job("yamllint", (argv,), target, None)


def _check_jsonschema(bin_: Path, target: Target) -> Job | None:
    """One run per kind, each with its schema: together they validate every file once."""
    steps = tuple(
        (
            str(bin_ / "check-jsonschema"),
            "--schemafile",
            str(SCHEMAS / f"{kind}.schema.json"),
            *paths,
        )
        for kind in ("prompt", "model", "guardrail")
        if (paths := target.paths(kind))
    )
    if not steps:
        return None
    return _job("check-jsonschema", steps, target, r"validation done|[Ff]ailed to parse|errors")


def _checkov(bin_: Path, target: Target) -> Job:
    where = ("-f", target.file) if target.file else ("-d", ".")
    argv = (
        str(bin_ / "checkov"),
        *where,
        "--framework",
        "yaml",
        "--external-checks-dir",
        str(RULES / "checkov"),
        "--skip-download",
        "--compact",
        "--quiet",
    )
    return _job("checkov", (argv,), target, r"Passed checks: \d+, Failed checks: \d+")


def _semgrep(bin_: Path, target: Target) -> Job:
    argv = (
        str(bin_ / "semgrep"),
        "scan",
        "--config",
        str(RULES / "semgrep.yaml"),
        "--metrics",
        "off",
        "--disable-version-check",
        *target.args(),
    )
    return _job("semgrep", (argv,), target, r"Ran \d+ rules? on \d+ files?: \d+ findings?")


def shown(job: Job) -> str:
    """The job's command(s) as typed from the repository root, with no machine-specific path."""
    return " && ".join(_shown_argv(argv) for argv in job.steps)


def _shown_argv(argv: Argv) -> str:
    words = [Path(argv[0]).name, *(a.replace(f"{PROJECT}/", "") for a in argv[1:])]
    files = {w for w in words[1:] if w.endswith(".yaml") and "/" in w and not w.startswith("bench")}
    if len(files) > 1:
        words = [w for w in words if w not in files] + [f"<{len(files)} files>"]
    return " ".join(words)
