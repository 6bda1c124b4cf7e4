"""`llmward audit verify` and `llmward audit report` over a ledger of 10,000 records.

    python3 bench/auditbench.py [LLMWARD] [--records N]

Builds a JSON Lines ledger of N hash-chained records (seeded: a year of pull requests, with
approvals, a few break-glass and self-approved changes), then times both commands on it. The
target is seconds, not minutes. Run at the end of `python3 bench/run.py` too.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

TIERS = ("none", "low", "medium", "high", "critical")


def _statement(i: int, rng: random.Random, when: datetime) -> dict[str, Any]:
    tier = rng.choice(TIERS)
    author = f"dev{rng.randint(1, 40)}"
    approver = author if rng.random() < 0.01 else f"reviewer{rng.randint(1, 12)}"
    glass = rng.random() < 0.01
    head = f"{i:040x}"
    evidence = [
        {
            "approver": approver,
            "source": "github-review",
            "reference": str(10_000 + i),
            "commit": head,
            "time": (when - timedelta(hours=2)).isoformat(),
            "counts": approver != author,
            "reason": "" if approver != author else "the author cannot approve their own change",
        }
    ]
    counted = [approver] if approver != author else []
    predicate = {
        "version": 1,
        "repository": "acme/prompts",
        "pull_request": {"number": i, "url": f"https://github.com/acme/prompts/pull/{i}"},
        "base": f"{i - 1:040x}",
        "head": head,
        "change_set_digest": f"sha256:{i:064x}",
        "authors": [author],
        "removed": [],
        "approvals": {
            "required": 1 if tier != "none" else 0,
            "approvers": [],
            "satisfied": bool(counted) or glass,
            "counted": counted,
            "evidence": evidence,
        },
        "changes": [
            {
                "type": "prompt-text-changed",
                "kind": "prompt",
                "artifact": f"p{i % 300}",
                "path": f"prompts/p{i % 300}.prompt.yaml",
                "pointer": "/messages/0/content",
                "old_sha256": None,
                "new_sha256": None,
            }
        ],
        "findings_introduced": [],
        "findings_resolved": [],
        "risk": {"score": rng.randint(0, 100), "tier": tier, "contributions": []},
        "verdict": "pass" if counted or glass else "fail",
        "reasons": [],
        "suppressions": [],
        "break_glass": {"reason": "incident", "review_after_merge": True} if glass else None,
        "rules": {"config": {"path": ".llmward.yaml", "sha256": f"{i % 7:064x}"}, "policies": []},
        "tool": {"name": "llmward", "version": "0.1.0"},
        "time": when.isoformat(),
    }
    return {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": f"git:{head}", "digest": {"gitCommit": head}}],
        "predicateType": "https://llmward.dev/audit/v1",
        "predicate": predicate,
    }


def build(path: Path, count: int, python: str) -> None:
    """Chain the entries with llmward's own canonical JSON and hashing (in its interpreter)."""
    rng = random.Random(2026)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    statements = [_statement(i + 1, rng, start + timedelta(minutes=50 * i)) for i in range(count)]
    raw = path.with_suffix(".statements.json")
    raw.write_text(json.dumps(statements))
    script = (
        "import json, sys\nfrom llmward import audit\nprev = 'GENESIS'\nout = []\n"
        "for i, s in enumerate(json.load(open(sys.argv[1])), 1):\n"
        "    e = audit.make_entry(i, prev, s); prev = e['hash']; out.append(audit.line_of(e))\n"
        "open(sys.argv[2], 'w').write('\\n'.join(out) + '\\n')\n"
    )
    subprocess.run([python, "-c", script, str(raw), str(path)], check=True)


def timed(argv: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    return time.perf_counter() - start, done.returncode


def run(exe: str, work: Path, count: int = 10_000) -> str:
    work.mkdir(parents=True, exist_ok=True)
    ledger = work / f"audit-{count}.jsonl"
    build(ledger, count, str(Path(exe).parent / "python"))
    verify_s, verify_rc = timed([exe, "audit", "verify", "--from-jsonl", str(ledger)])
    report_s, report_rc = timed(
        [
            exe,
            "audit",
            "report",
            "--from-jsonl",
            str(ledger),
            "--format",
            "html",
            "-o",
            str(work / "audit-report.html"),
        ]
    )
    return (
        f"\nllmward audit, {count:,} records:\n  verify {verify_s:.2f} s (exit {verify_rc}); "
        f"report (html) {report_s:.2f} s (exit {report_rc})\n"
    )


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    args = sys.argv[1:]
    count = int(args[args.index("--records") + 1]) if "--records" in args else 10_000
    exe = next(
        (a for a in args if not a.startswith("--") and not a.isdigit()),
        str(here.parent / ".venv/bin/llmward"),
    )
    sys.stdout.write(run(exe, here / ".work", count))
