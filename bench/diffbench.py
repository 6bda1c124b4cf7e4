"""`llmward diff` on a change touching 1,000 artifact files of a 10,000-file repository.

The target: the diff costs no more than parsing the changed files at both refs once, plus git's
own time. Both sides are measured and printed with their ratio:

  diff   wall time of `llmward diff BASE HEAD --format json` (median of N runs)
  parse  `llmward.parse.parse_bytes` over every changed file at BASE and at HEAD, once each
         (the blobs are read beforehand; the interpreter's start-up is included, as in `diff`)
  git    the git work a diff cannot avoid: the change list (`git diff --name-status -M`), reading
         those blobs (`git cat-file --batch`) and one `git grep` for the changed files' ids
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import repogen

CHANGED = 1000
IDENT = [
    "-c",
    "user.name=llmward bench",
    "-c",
    "user.email=bench@example.invalid",
    "-c",
    "commit.gpgsign=false",
]


@dataclass(frozen=True)
class DiffBench:
    files_changed: int
    diff_s: float
    parse_s: float
    git_s: float
    ratio: float  # diff / (parse + git)
    runs: list[float]


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(
        ["git", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        check=True,
        env=repogen._clean_env(),
    )
    return done.stdout


def prepare(work: Path, size: int) -> tuple[Path, list[str]]:
    """A clone of the bench repository with one commit changing CHANGED artifact files."""
    source = repogen.ensure(work / "repos", size)
    root = work / f"diff-r{size}"
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run(
        ["git", "clone", "-q", str(source.root), str(root)], check=True, env=repogen._clean_env()
    )
    files = [p for kind in ("prompt", "model", "guardrail") for p in source.files[kind]]
    chosen = files[:: max(len(files) // CHANGED, 1)][:CHANGED]
    for path in chosen:
        _edit(root / path)
    _git(root, "add", "-A")
    _git(root, *IDENT, "commit", "-q", "-m", "a change touching many artifacts")
    return root, chosen


def _edit(path: Path) -> None:
    text = path.read_text()
    if "temperature:" in text:
        text = re.sub(r"temperature: ([0-9.]+)", "temperature: 0.9", text, count=1)
    elif "threshold:" in text:
        text = re.sub(r"threshold: ([0-9.]+)", "threshold: 0.85", text, count=1)
    else:
        text = text.replace("content: ", "content: Please ", 1)
    path.write_text(text)


def time_diff(exe: str, root: Path, repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [exe, "diff", "HEAD~1", "HEAD", "--format", "json", "-o", "/dev/null"],
            cwd=root,
            check=True,
            capture_output=True,
        )
        runs.append(time.perf_counter() - start)
    return runs


def time_git(root: Path, paths: list[str]) -> float:
    start = time.perf_counter()
    _git(root, "diff", "--name-status", "-M", "-z", "HEAD~1", "HEAD", "--")
    names = "".join(f"{ref}:{p}\n" for ref in ("HEAD~1", "HEAD") for p in paths).encode()
    blobs = _git(root, "cat-file", "--batch", stdin=names)
    ids = sorted(set(re.findall(rb"^id: ([\w.-]+)$", blobs, flags=re.M)))[:2000]
    args = ["grep", "-l", "-z", "-F", "-I"] + [a for i in ids for a in ("-e", i.decode())]
    subprocess.run(
        ["git", *args, "HEAD", "--", "."],
        cwd=root,
        capture_output=True,
        env=repogen._clean_env(),
        check=False,
    )
    return time.perf_counter() - start


PARSE = """
import sys, time, json
start = time.perf_counter()
from llmward.parse import parse_bytes
blobs = json.load(open(sys.argv[1]))
for path, text in blobs:
    parse_bytes(path, text.encode(), max_bytes=1 << 20)
print(time.perf_counter() - start)
"""


def time_parse(python: str, root: Path, paths: list[str], work: Path) -> float:
    blobs = [
        (p, _git(root, "show", f"{ref}:{p}").decode()) for ref in ("HEAD~1", "HEAD") for p in paths
    ]
    dump = work / "diff-blobs.json"
    dump.write_text(json.dumps(blobs))
    start = time.perf_counter()
    subprocess.run([python, "-c", PARSE, str(dump)], check=True, capture_output=True)
    return time.perf_counter() - start


def run(exe: str, work: Path, size: int = 10000, repeat: int = 3) -> DiffBench:
    root, paths = prepare(work, size)
    python = str(Path(exe).parent / "python")
    runs = time_diff(exe, root, repeat)
    parse_s = min(time_parse(python, root, paths, work) for _ in range(repeat))
    git_s = min(time_git(root, paths) for _ in range(repeat))
    diff_s = statistics.median(runs)
    return DiffBench(
        len(paths),
        round(diff_s, 3),
        round(parse_s, 3),
        round(git_s, 3),
        round(diff_s / (parse_s + git_s), 2),
        [round(r, 3) for r in runs],
    )


def report(bench: DiffBench, output: Path) -> str:
    (output / "diff-latest.json").write_text(json.dumps(asdict(bench), indent=2, sort_keys=True))
    verdict = "met" if bench.ratio <= 1.0 else "MISSED"
    return (
        f"\nllmward diff, {bench.files_changed:,} changed files of 10,000:\n"
        f"  diff {bench.diff_s:.2f} s; parse both refs once {bench.parse_s:.2f} s; "
        f"git {bench.git_s:.2f} s\n  ratio diff / (parse + git) = {bench.ratio:.2f} "
        f"(target <= 1.0: {verdict})\n"
    )


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    exe = sys.argv[1] if len(sys.argv) > 1 else str(here.parent / ".venv/bin/llmward")
    result = run(exe, here / ".work")
    sys.stdout.write(report(result, here / "results"))
