#!/usr/bin/env python3
"""Time llmward against peer linters on the same generated repositories and print the ratios.

    python3 bench/run.py                 # sizes 1000,10000; 3 runs (10 for one file); with peers
    python3 bench/run.py --quick         # sizes 200,1000; 1 run of everything
    python3 bench/run.py --skip-peers --sizes 10000 --repeat 5

Generated repositories, the peers' virtualenv and logs go to bench/.work/ (git-ignored); the
results go to bench/results/latest.json and latest.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import auditbench
import diffbench
import jobs
import peers
import repogen
import results
from measure import Job, Timing, measure
from results import Case, Results

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
WORK = BENCH / ".work"
ONE_FILE_REPO = 1000  # the pre-commit case: a repository of this many files, one file handed over
OUTLIER = 3.0  # a run slower than this many medians is reported as a problem


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--sizes",
        type=_sizes,
        default=[1000, 10000],
        help="repository sizes in files, comma-separated (default: 1000,10000)",
    )
    p.add_argument("--repeat", type=int, default=3, help="runs per repository case (default: 3)")
    p.add_argument(
        "--repeat-one", type=int, default=10, help="runs per one-file case (default: 10)"
    )
    p.add_argument("--skip-peers", action="store_true", help="time llmward only")
    p.add_argument("--quick", action="store_true", help="sizes 200,1000 and 1 run of everything")
    p.add_argument("--parse-repeat", type=int, default=5, help="passes of the parser benchmark")
    p.add_argument("--llmward", help="llmward executable (default: .venv/bin/llmward, else PATH)")
    p.add_argument(
        "--profile",
        action="store_true",
        help="also write a cProfile of one cold --jobs 1 run on the largest repository "
        "to bench/.work/profile-SIZE.txt",
    )
    p.add_argument("--output", type=Path, default=BENCH / "results", help="results folder")
    p.add_argument(
        "--skip-diff",
        action="store_true",
        help="skip `llmward diff` on 1,000 changed files of 10,000 (diffbench.py)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat, args.repeat_one, args.parse_repeat = [200, 1000], 1, 1, 1
    return args


def _sizes(text: str) -> list[int]:
    return sorted({int(s) for s in text.split(",") if s.strip()})


def find_llmward(given: str | None) -> str:
    default = PROJECT / ".venv" / "bin" / "llmward"
    found = given or (str(default) if default.exists() else shutil.which("llmward"))
    if not found:
        sys.exit("bench: no llmward executable: create .venv (CONTRIBUTING.md) or pass --llmward")
    return found


def measure_target(
    exe: str,
    peer_env: peers.PeerEnv | None,
    target: jobs.Target,
    *,
    key: str,
    title: str,
    repeat: int,
) -> list[Case]:
    """llmward cold and warm, plus every peer once (peers keep no cache: one timing serves both)."""
    peer_jobs = jobs.peer_jobs(peer_env, target) if peer_env else []
    peer_timings = [_timed(job, key, repeat) for job in peer_jobs]
    cold_job, warm_job = jobs.llmward_jobs(exe, target)
    cases = []
    for state, job in (("cold", cold_job), ("warm", warm_job)):
        commands = {j.tool: jobs.shown(j) for j in (job, *peer_jobs)}
        timing = _timed(job, f"{key}-{state}", repeat)
        cases.append(Case(f"{key}-{state}", f"{title}, {state}", timing, peer_timings, commands))
    return cases


def _timed(job: Job, label: str, repeat: int) -> Timing:
    timing = measure(job, repeat)
    result = f"{timing.median:.3f} s median of {repeat}" if timing.ok else f"FAILED {timing.error}"
    print(f"[{label}] {job.tool}: {result}", file=sys.stderr, flush=True)
    return timing


def consistency_problems(cases: list[Case]) -> list[str]:
    """Failed runs, outlier runs, and warm runs whose files, artifacts or findings differ from the
    cold run's (the policy count is left out: policies may be added while the benchmark runs)."""
    problems = [f"{c.key}: llmward {c.llmward.error}" for c in cases if c.llmward.error]
    problems += [
        f"{c.key}: {p.tool} {p.error}"
        for c in cases
        if c.key.endswith("-cold")
        for p in c.peers
        if p.error
    ]
    problems += [
        f"{c.key}: {n} of {len(c.llmward.runs)} warm runs rewrote .llmward_cache, so were "
        "not warm (llmward's files, config or policies changed during the case)"
        for c in cases
        if (n := c.llmward.details.get("cache_rewrites"))
    ]
    problems += [
        _outlier(c.key, t)
        for c in cases
        for t in (c.llmward, *(c.peers if c.key.endswith("-cold") else ()))
        if t.ok and max(t.runs) > OUTLIER * t.median
    ]
    by_key = {c.key: c for c in cases}
    for key, cold in by_key.items():
        warm = by_key.get(key.replace("-cold", "-warm"))
        if key.endswith("-cold") and warm and cold.llmward.ok and warm.llmward.ok:
            was, now = (_outcome(c.llmward) for c in (cold, warm))
            if was != now:
                problems.append(f"{warm.key}: warm results differ from cold: {now} != {was}")
    return problems


def _outlier(key: str, timing: Timing) -> str:
    runs = ", ".join(f"{r:.2f}" for r in timing.runs)
    return (
        f"{key}: {timing.tool} runs took {runs} s, one over {OUTLIER:g}x the median (other "
        "load on the machine; for a warm run, its cache invalidated by an llmward change)"
    )


def _outcome(timing: Timing) -> dict[str, object]:
    return {k: v for k, v in timing.details.items() if k not in ("policies", "cache_rewrites")}


def parse_bench(exe: str, repo: repogen.Repo, repeat: int) -> dict[str, object] | None:
    python = Path(exe).parent / "python"
    if not python.exists():
        print("[parse] skipped: no python beside the llmward executable", file=sys.stderr)
        return None
    done = subprocess.run(
        [str(python), str(BENCH / "parsebench.py"), str(repo.root), "--repeat", str(repeat)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"[parse] FAILED: {done.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    parsed: dict[str, object] = json.loads(done.stdout)
    print(f"[parse] {parsed['us_per_file']}", file=sys.stderr)
    return parsed


def profile(exe: str, repo: repogen.Repo) -> Path:
    """cProfile of one cold single-process run (worker processes would not be profiled)."""
    python = Path(exe).parent / "python"
    out = WORK / f"profile-{repo.file_count}.txt"
    with out.open("w") as handle:
        subprocess.run(
            [
                str(python),
                "-m",
                "cProfile",
                "-s",
                "cumtime",
                "-m",
                "llmward",
                "lint",
                "--no-cache",
                "--jobs",
                "1",
                "--format",
                "github",
            ],
            cwd=repo.root,
            stdout=handle,
            env=jobs.base_env(),
            check=False,
        )
    return out


def meta(
    args: argparse.Namespace,
    *,
    exe: str,
    peer_env: peers.PeerEnv | None,
    repos: dict[int, repogen.Repo],
    cases: list[Case],
    load: float,
) -> dict[str, object]:
    version = subprocess.run(
        [exe, "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    artifacts = {
        c.key.split("-")[1]: c.llmward.details.get("artifacts")
        for c in cases
        if c.key.startswith("repo-") and c.llmward.ok
    }
    return {
        "date": datetime.date.today().isoformat(),
        "sizes": args.sizes,
        "size_unit": "files (a model pin file holds 2-4 artifacts)",
        "runs": {"repository": args.repeat, "one_file": args.repeat_one},
        "statistic": "median wall-clock seconds; best and every run are listed too",
        "one_file": {"repository_files": ONE_FILE_REPO, "path": repos[ONE_FILE_REPO].sample},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": f"{platform.system()}-{platform.machine()}",
            "load_average_1min": {"start": round(load, 2), "end": round(os.getloadavg()[0], 2)},
        },
        "versions": {
            "llmward": version[-1] if version else "?",
            **(peer_env.versions if peer_env else {}),
        },
        "repositories": {
            str(size): {
                "files": repo.file_count,
                "artifacts": artifacts.get(str(size)),
                "planted_violations": repo.planted,
            }
            for size, repo in sorted(repos.items())
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load = os.getloadavg()[0]  # other work on the machine inflates every number: it is recorded
    exe = find_llmward(args.llmward)
    peer_env = None if args.skip_peers else peers.ensure(WORK / "peers")
    sizes = sorted({*args.sizes, ONE_FILE_REPO})
    repos = {size: repogen.ensure(WORK / "repos", size) for size in sizes}
    one = repos[ONE_FILE_REPO]
    cases = measure_target(
        exe,
        peer_env,
        jobs.Target(one, one.sample),
        key="one-file",
        title=f"one file of {ONE_FILE_REPO:,}",
        repeat=args.repeat_one,
    )
    for size in args.sizes:
        cases += measure_target(
            exe,
            peer_env,
            jobs.Target(repos[size]),
            key=f"repo-{size}",
            title=f"{size:,} files",
            repeat=args.repeat,
        )
    parsed = parse_bench(exe, one, args.parse_repeat)
    info = meta(args, exe=exe, peer_env=peer_env, repos=repos, cases=cases, load=load)
    outcome = Results(cases, info, parsed, consistency_problems(cases))
    sys.stdout.write(results.text(outcome))
    results.write(outcome, args.output)
    if args.profile:
        print(f"profile: {profile(exe, repos[max(args.sizes)])}", file=sys.stderr)
    if not args.skip_diff and not args.quick:
        diff = diffbench.run(exe, WORK, repeat=args.repeat)
        sys.stdout.write(diffbench.report(diff, args.output))
        sys.stdout.write(auditbench.run(exe, WORK))
    return 1 if any(not c.llmward.ok for c in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
