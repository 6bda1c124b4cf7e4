"""Cases, targets and the three renderings: a terminal table, latest.md and latest.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from measure import Timing

PEERS = ("yamllint", "check-jsonschema", "checkov", "semgrep")
# Measured earlier on this machine (2 cores), 10,000 small LLM config files (from the issue).
REFERENCE_10K = {"yamllint": 27.9, "check-jsonschema": 20.4, "checkov": 10.6, "semgrep": 7.5}
REFERENCE_ONE_FILE = {"semgrep": 1.3}
OUR_PARSER = "llmward.parse.parse_bytes"


@dataclass
class Case:
    key: str  # "one-file-cold", "repo-10000-warm"
    title: str
    llmward: Timing
    peers: list[Timing]
    commands: dict[str, str]  # tool -> command line, as typed from the repository root

    def ratio(self, peer: Timing) -> float | None:
        """How many times faster llmward is (peer median / llmward median)."""
        if not (peer.ok and self.llmward.ok) or self.llmward.median <= 0:
            return None
        return peer.median / self.llmward.median


@dataclass(frozen=True)
class Goal:
    case: str
    text: str
    limit: float | None = None  # seconds; None means "faster than every peer"

    def judge(self, cases: dict[str, Case]) -> tuple[str, str]:
        case = cases.get(self.case)
        if case is None or not case.llmward.ok:
            return ("n/a", "not measured" if case is None else "llmward failed")
        took = case.llmward.median
        if self.limit is not None:
            return ("pass" if took < self.limit else "miss", f"{took:.3f} s")
        peers = [p for p in case.peers if p.ok]
        if not peers:
            return ("n/a", "no peer measured")
        fastest = min(peers, key=lambda p: p.median)
        verdict = "pass" if took < fastest.median else "miss"
        return (verdict, f"{took:.2f} s vs fastest peer {fastest.tool} {fastest.median:.2f} s")


GOALS = (
    Goal("one-file-warm", "one file, warm: under 0.15 s", 0.15),
    Goal("one-file-warm", "one file, warm: aim 0.10 s", 0.10),
    Goal("one-file-cold", "one file, cold: under 0.15 s", 0.15),
    Goal("repo-10000-cold", "10,000 files, cold: faster than every peer"),
    Goal("repo-10000-cold", "10,000 files, cold: aim 5 s", 5.0),
    Goal("repo-10000-warm", "10,000 files, warm: aim 1 s", 1.0),
)


@dataclass
class Results:
    cases: list[Case]
    meta: dict[str, Any]
    parse: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)

    def by_key(self) -> dict[str, Case]:
        return {c.key: c for c in self.cases}

    def verdicts(self) -> list[tuple[Goal, str, str]]:
        cases = self.by_key()
        return [(goal, *goal.judge(cases)) for goal in GOALS]


# rendering ----------------------------------------------------------------------------------------


def _cell(case: Case, timing: Timing) -> str:
    if timing.error is not None:
        return "FAILED"
    if timing is case.llmward:
        return f"{timing.median:.3f} s"
    ratio = case.ratio(timing)
    if ratio is None:
        return f"{timing.median:.2f} s"
    return f"{timing.median:.2f} s ({ratio:.{1 if ratio >= 1 else 2}f}x)"


def rows(results: Results) -> list[list[str]]:
    tools = [t for t in PEERS if any(p.tool == t for c in results.cases for p in c.peers)]
    table = [["case", "llmward", *tools]]
    for case in results.cases:
        peers = {p.tool: p for p in case.peers}
        table.append(
            [
                case.title,
                _cell(case, case.llmward),
                *(_cell(case, peers[t]) if t in peers else "-" for t in tools),
            ]
        )
    return table


def text(results: Results) -> str:
    table = rows(results)
    machine = _meta_line(results.meta)
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return (
        "\n".join(
            [
                "median wall-clock seconds; (Nx) = peer / llmward, how many times faster",
                *lines,
                "",
                *_summary_lines(results),
                machine,
            ]
        )
        + "\n"
    )


def markdown(results: Results) -> str:
    table = rows(results)
    out = [
        "# llmward benchmark (latest run)",
        "",
        "Median wall-clock seconds; `(Nx)` = peer / llmward, how many times faster llmward is.",
        f"Written by `python3 bench/run.py` ({_meta_line(results.meta)}).",
        "",
        "| " + " | ".join(table[0]) + " |",
        "|" + "---|" * len(table[0]),
    ]
    out += ["| " + " | ".join(row) + " |" for row in table[1:]]
    out += ["", *(f"- {line}" for line in _summary_lines(results))]
    return "\n".join(out) + "\n"


def _meta_line(meta: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in sorted(meta["versions"].items()))
    machine = meta["machine"]
    load = machine["load_average_1min"]
    return (
        f"{machine['cpus']} CPUs, Python {machine['python']}, load average {load['start']} "
        f"at start and {load['end']} at end; {versions}"
    )


def _summary_lines(results: Results) -> list[str]:
    lines = [
        f"target {status.upper():4} {goal.text} ({detail})"
        for goal, status, detail in results.verdicts()
    ]
    lines += _rss_lines(results) + _parse_lines(results.parse)
    lines += [f"problem: {p}" for p in results.problems]
    return lines


def _rss_lines(results: Results) -> list[str]:
    """Peak RSS of llmward on the largest repository (the RSS of every run is in the JSON)."""
    largest = f"repo-{max(results.meta['sizes'])}-"
    return [
        f"llmward peak RSS, {c.title}: {c.llmward.peak_rss_mib:.0f} MiB (largest process)"
        for c in results.cases
        if c.key.startswith(largest) and c.llmward.ok
    ]


def _parse_lines(parse: dict[str, Any] | None) -> list[str]:
    if not parse:
        return []
    us = parse["us_per_file"]
    ours = us[OUR_PARSER]
    return [
        f"parse, {name}: {value:.0f} us/file"
        + ("" if name == OUR_PARSER else f" ({value / ours:.2f}x llmward's time)")
        for name, value in sorted(us.items(), key=lambda kv: kv[1])
    ] + [f"parse workload: {parse['files']} files of {parse['mean_bytes']} bytes on average"]


def as_json(results: Results) -> str:
    verdicts = [
        {"target": g.text, "case": g.case, "status": s, "detail": d}
        for g, s, d in results.verdicts()
    ]
    data = {
        **results.meta,
        "cases": [_case_json(c) for c in results.cases],
        "targets": verdicts,
        "parse": results.parse,
        "problems": results.problems,
        "reference": {"10000_files_seconds": REFERENCE_10K, "one_file_seconds": REFERENCE_ONE_FILE},
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _case_json(case: Case) -> dict[str, Any]:
    tools = {
        t.tool: _timing_json(t, case.commands.get(t.tool, "")) for t in [case.llmward, *case.peers]
    }
    ratios = {p.tool: round(r, 2) for p in case.peers if (r := case.ratio(p)) is not None}
    return {"key": case.key, "title": case.title, "tools": tools, "x_faster": ratios}


def _timing_json(timing: Timing, command: str) -> dict[str, Any]:
    ok = timing.ok
    return {
        "median_s": round(timing.median, 4) if ok else None,
        "best_s": round(timing.best, 4) if ok else None,
        "runs_s": [round(r, 4) for r in timing.runs],
        "error": timing.error,
        "peak_rss_mib": round(timing.peak_rss_mib, 1),
        "details": timing.details,
        "command": command,
    }


def write(results: Results, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(as_json(results))
    (folder / "latest.md").write_text(markdown(results))
