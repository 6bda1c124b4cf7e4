"""A longer fuzzing run of the parser, the diff and the policy engine.

    python3 bench/fuzz.py                 # 20,000 examples per property (a few minutes)
    python3 bench/fuzz.py --examples 2000 # quicker

Runs the hypothesis properties of tests/test_hostile.py with a larger budget and prints one
result line per property plus a summary to paste into docs/security.md. Exit code: pytest's.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROPERTIES = (
    "test_parsing_any_bytes_never_raises_and_spans_stay_inside",
    "test_diff_adds_are_the_reverse_diffs_removes",
    "test_every_policy_on_any_document_gives_findings_inside_the_file",
    "test_the_score_never_drops_when_a_risky_item_is_added",
    "test_adding_a_risky_change_to_any_change_set_never_lowers_its_score",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000, help="examples per property")
    parser.add_argument("--python", default=str(ROOT / ".venv/bin/python"))
    args = parser.parse_args()
    env = {**os.environ, "LLMWARD_FUZZ_EXAMPLES": str(args.examples)}
    env.pop("CI", None)  # CI's profile replays fixed examples; a fuzzing run must search
    command = [
        args.python, "-m", "pytest", "-q", "--no-cov", "-p", "no:cacheprovider",
        "--hypothesis-show-statistics", "tests/test_hostile.py", "-k", " or ".join(PROPERTIES),
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    sys.stdout.write(_digest(done.stdout) if done.returncode == 0 else done.stdout + done.stderr)
    verdict = "passed" if done.returncode == 0 else "FAILED"
    python = sys.version.split()[0]
    print(
        f"\nfuzz: {len(PROPERTIES)} properties x {args.examples:,} examples {verdict} "
        f"in {seconds:.0f} s ({time.strftime('%Y-%m-%d')}, hypothesis, python {python})"
    )
    return done.returncode


def _digest(out: str) -> str:
    """The per-property lines of hypothesis' statistics: name, examples run, time."""
    lines = []
    for block in re.split(r"\n(?=tests/test_hostile.py::)", out):
        name = re.match(r"tests/test_hostile.py::(\w+)", block)
        runs = sum(int(n) for n in re.findall(r"(\d+) passing", block))
        stop = re.search(r"Stopped because (.+)", block)
        if name:
            why = f" ({stop.group(1).strip()})" if stop else ""
            lines.append(f"{name.group(1)}: {runs:,} passing examples{why}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
