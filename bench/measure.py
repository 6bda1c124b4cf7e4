"""Run a job N times: wall clock by time.perf_counter, peak RSS of the child by os.wait4."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Argv = tuple[str, ...]


class CheckFailed(Exception):
    """A run exited with an allowed code but its output shows it did not do the work."""


@dataclass(frozen=True)
class Outcome:
    argv: Argv
    code: int
    seconds: float
    max_rss_kib: int  # the largest single process in the tree (the child or a reaped descendant)
    stdout: str
    stderr: str


Check = Callable[[Outcome], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """One tool on one case: its command(s), run in sequence and timed together."""

    tool: str
    steps: tuple[Argv, ...]
    cwd: Path
    env: dict[str, str]
    ok_codes: frozenset[int] = frozenset({0, 1})
    setup: Callable[[], None] | None = None  # untimed, once before the runs, e.g. fill the cache
    before_each: Callable[[], None] | None = None  # untimed, e.g. delete the cache
    check: Check | None = None  # given the last step's outcome: details to record, or CheckFailed


@dataclass
class Timing:
    tool: str
    runs: list[float] = field(default_factory=list)
    peak_rss_mib: float = 0.0
    error: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.runs)

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def run_once(argv: Argv, cwd: Path, env: dict[str, str]) -> Outcome:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Outcome(
            argv,
            proc.returncode,
            seconds,
            usage.ru_maxrss,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def measure(job: Job, repeat: int) -> Timing:
    timing = Timing(job.tool)
    if job.setup is not None:
        job.setup()
    for _ in range(repeat):
        if job.before_each is not None:
            job.before_each()
        outcomes = [run_once(argv, job.cwd, job.env) for argv in job.steps]
        timing.error = _problem(job, outcomes, timing)
        if timing.error is not None:
            timing.runs.clear()
            return timing
        timing.runs.append(sum(o.seconds for o in outcomes))
        timing.peak_rss_mib = max(timing.peak_rss_mib, *(o.max_rss_kib / 1024 for o in outcomes))
    return timing


def _problem(job: Job, outcomes: list[Outcome], timing: Timing) -> str | None:
    for outcome in outcomes:
        if outcome.code not in job.ok_codes:
            return _describe(outcome, f"exit {outcome.code}", job.cwd)
    if job.check is None:
        return None
    try:
        timing.details = job.check(outcomes[-1])
    except CheckFailed as err:
        return _describe(outcomes[-1], str(err), job.cwd)
    return None


def _describe(outcome: Outcome, what: str, cwd: Path) -> str:
    """What went wrong, the command as typed in the case's folder, and the output's last lines
    (absolute paths shortened: the message goes into the commit-friendly results)."""
    argv = [Path(a).name if Path(a).is_absolute() else a for a in outcome.argv[:8]]
    more = " ..." if len(outcome.argv) > 8 else ""
    tail = (outcome.stderr.strip() or outcome.stdout.strip()).splitlines()[-3:]
    last = " | ".join(tail).replace(f"{cwd}/", "")
    return f"{what}: `{' '.join(argv)}{more}` in {cwd.name}/: {last}"
