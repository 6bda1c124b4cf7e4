"""`llmward audit report`: the period's change population, its exceptions, the model inventory,
guardrail coverage and the control table, from a hash-chained ledger, in every format.

A realistic quarter of PR-like records is chained with llmward.audit's own functions; the HTML is
opened in headless Chromium and the facts are read back from the rendered DOM.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import make_repo
from llmward import audit
from llmward.audit_report import (
    AuditReport,
    add_report_arguments,
    build,
    ledger_head,
    render,
    run_report,
)
from llmward.git import Repository
from llmward.report.audit_html_format import lead_bins

CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get update && apt-get install -y chromium"
SINCE, UNTIL = date(2026, 1, 1), date(2026, 3, 31)
HEADLINE = (
    "1 unapproved merge, 1 self-approval, 1 approval after merge, "
    "1 break-glass change (0 not reviewed), 1 suppression"
)


# ---- a quarter of records --------------------------------------------------------------------


def _approval(who: str, at: str, *, counts: bool = True, reason: str = "", n: int = 0) -> Any:
    signed = who.endswith("@example.com")
    return {
        "approver": who,
        "source": "signed-note" if signed else "github-review",
        "reference": f"SHA256:key{n}" if signed else f"review {9000 + n}",
        "commit": f"{n:02d}" * 20,
        "time": at,
        "counts": counts,
        "reason": reason,
    }


def _change(kind: str, artifact: str, path: str, type_: str = "artifact-added", **kw: Any) -> Any:
    return {
        "type": type_,
        "kind": kind,
        "artifact": artifact,
        "path": path,
        "pointer": kw.get("pointer", ""),
        "old_sha256": kw.get("old"),
        "new_sha256": kw.get("new", "ab" * 32),
        **({"old": None, "new": kw["value"]} if "value" in kw else {}),
    }


def _finding(code: str, path: str, fingerprint: str) -> Any:
    return {
        "code": code,
        "severity": "high",
        "path": path,
        "line": 1,
        "pointer": "",
        "fingerprint": fingerprint,
    }


def _statement(n: int, time: str, **kw: Any) -> dict[str, Any]:
    """A record as llmward.audit.statement() writes it (predicate llmward audit v1)."""
    pr = kw.get("pr", 100 + n)
    approvals = kw.get("approvals", [])
    satisfied = kw.get("satisfied", any(a["counts"] for a in approvals))
    predicate = {
        "version": 1,
        "repository": "acme/support-bot",
        "pull_request": {"number": pr, "url": f"https://github.com/acme/support-bot/pull/{pr}"}
        if pr
        else None,
        "base": f"{n:02d}" * 20,
        "head": kw.get("head", f"{n + 50:02d}" * 20),
        "change_set_digest": kw.get("digest", f"sha256:{n:064x}"),
        "authors": kw.get("authors", ["alice"]),
        "approvals": {
            "required": 1,
            "approvers": [],
            "satisfied": satisfied,
            "counted": sorted(a["approver"] for a in approvals if a["counts"]),
            "evidence": approvals,
        },
        "changes": kw.get("changes", [_change("prompt", f"p{n}", f"prompts/p{n}.prompt.yaml")]),
        "findings_introduced": kw.get("introduced", []),
        "findings_resolved": kw.get("resolved", []),
        "risk": {"score": kw.get("score", 10), "tier": kw.get("tier", "low"), "contributions": []},
        "verdict": kw.get("verdict", "pass" if satisfied else "fail"),
        "reasons": kw.get("reasons", [] if satisfied else ["needs 1 approval(s); has 0"]),
        "break_glass": kw.get("break_glass"),
        "rules": {"config": {"path": "llmward.yaml", "sha256": "cd" * 32}, "policies": []},
        "tool": {"name": "llmward", "version": "0.1.0"},
        "time": time,
        "removed": [],
        "suppressions": kw.get("suppressions", []),
    }
    return {
        "_type": audit.STATEMENT_TYPE,
        "subject": [{"name": f"git:{predicate['head']}", "digest": {"gitCommit": "00" * 20}}],
        "predicateType": audit.PREDICATE_TYPE,
        "predicate": predicate,
    }


def _history() -> list[dict[str, Any]]:
    """Twelve changes in Q1 2026, one record before the period and one after it."""
    bob = _approval("bob", "2026-01-06T09:00:00Z", n=1)
    s = _statement
    model = _change("model", "support-model", "models/pins.yaml")
    return [
        s(0, "2025-12-15T10:00:00Z", approvals=[bob], changes=[
            _change("model", "legacy-model", "models/pins.yaml")]),
        s(1, "2026-01-06T10:00:00Z", approvals=[bob], changes=[model]),
        s(2, "2026-01-13T11:00:00Z", tier="medium", score=35,
          approvals=[_approval("carol@example.com", "2026-01-13T08:00:00Z", n=2)]),
        s(3, "2026-01-20T12:00:00Z", approvals=[
            _approval("alice", "2026-01-20T10:00:00Z", counts=False, reason="self-approval", n=3),
            _approval("dave", "2026-01-20T11:00:00Z", n=4)]),
        s(4, "2026-01-27T03:00:00Z", tier="high", score=60,
          break_glass={"reason": "INC-42: jailbreak in production", "review_after_merge": True},
          satisfied=True),
        s(5, "2026-02-03T15:00:00Z", pr=None, verdict="fail", tier="medium", score=30),
        s(6, "2026-02-10T10:00:00Z", tier="high", score=55,
          approvals=[_approval("bob", "2026-02-10T09:30:00Z", n=6)],
          changes=[_change("model", "support-model", "models/pins.yaml", "model-changed",
                           pointer="/model", old="11" * 32, value="openai/gpt-4o-2024-08-06")]),
        s(7, "2026-02-17T10:00:00Z", approvals=[_approval("bob", "2026-02-17T09:00:00Z", n=7)],
          introduced=[_finding("PRM013", "prompts/live/faq.prompt.yaml", "fp-faq")]),
        s(8, "2026-02-24T10:00:00Z", approvals=[_approval("dave", "2026-02-24T07:00:00Z", n=8)],
          resolved=[_finding("PRM013", "prompts/live/faq.prompt.yaml", "fp-faq")]),
        s(9, "2026-03-03T10:00:00Z", approvals=[_approval("carol", "2026-03-02T10:00:00Z", n=9)],
          suppressions=[{"code": "PRM004", "path": "prompts/p9.prompt.yaml", "line": 3,
                         "justification": "public demo key, revoked (SEC-7)"}]),
        s(10, "2026-03-10T09:00:00Z", verdict="fail"),  # a check before approval ...
        s(10, "2026-03-10T12:00:00Z", approvals=[_approval("erin", "2026-03-10T11:00:00Z", n=10)]),
        s(11, "2026-03-17T10:00:00Z", tier="critical", score=90,
          approvals=[_approval("bob", "2026-03-16T10:00:00Z", n=11)], changes=[
              _change("model", "summarizer-model", "models/pins.yaml")]),
        s(12, "2026-03-24T10:00:00Z", approvals=[_approval("dave", "2026-03-20T10:00:00Z", n=12)],
          changes=[_change("model", "legacy-model", "models/pins.yaml", "artifact-removed",
                           new=None)]),
        # the break-glass change reviewed, and a late second approval of change 2
        s(4, "2026-01-28T09:00:00Z", tier="high", score=60,
          approvals=[_approval("bob", "2026-01-28T08:00:00Z", n=13)]),
        s(2, "2026-01-14T09:00:00Z", tier="medium", score=35, approvals=[
            _approval("carol@example.com", "2026-01-13T08:00:00Z", n=2),
            _approval("erin", "2026-01-14T08:30:00Z", n=14)]),
        s(13, "2026-04-02T10:00:00Z", approvals=[bob]),  # after the period
    ]  # fmt: skip


def _chain(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for stmt in statements:
        prev = out[-1]["hash"] if out else audit.GENESIS
        out.append(audit.make_entry(len(out) + 1, prev, stmt))
    return out


@pytest.fixture(scope="module")
def ledger() -> list[dict[str, Any]]:
    return _chain(_history())


def _report(entries: list[dict[str, Any]]) -> AuditReport:
    lines = [audit.Line(audit.line_of(e), i) for i, e in enumerate(entries, 1)]
    result = audit.verify(lines, ordered=True)
    head = ledger_head(audit.entries(lines), result.count, [p.text() for p in result.problems])
    return build(audit.entries(lines), SINCE, UNTIL, head)


@pytest.fixture(scope="module")
def report(ledger: list[dict[str, Any]]) -> AuditReport:
    return _report(ledger)


# ---- the model -------------------------------------------------------------------------------


def test_population_is_one_row_per_change_set_in_the_period(report: AuditReport) -> None:
    assert [c.pr_number for c in report.changes] == [
        101, 102, 103, 104, None, 106, 107, 108, 109, 110, 111, 112,
    ]  # fmt: skip
    rerun = report.changes[9]
    assert (rerun.records, rerun.verdict, rerun.approved_before_merge) == ((11, 12), "pass", "yes")
    assert report.changes[0].evals == ()
    assert report.repository == "acme/support-bot"


def test_exceptions(report: AuditReport) -> None:
    got = {(e.category, e.pr_number, e.seq) for e in report.exceptions}
    assert got == {
        ("unapproved merge", None, 6),
        ("self-approval", 103, 4),
        ("approval after merge", 102, 3),
        ("break-glass", 104, 5),
        ("suppression", 109, 10),
    }
    glass = report.exceptions_in("break-glass")[0]
    assert glass.detail == "reviewed at seq 15; reason: INC-42: jailbreak in production"
    assert report.exceptions_in("self-approval")[0].detail == (
        "alice is an author; counted: no (self-approval)"
    )


def test_approvals_before_and_after_merge(report: AuditReport) -> None:
    by_pr = {c.pr_number: c for c in report.changes}
    assert by_pr[102].approved_before_merge == "after merge"
    assert [a.timing for a in by_pr[102].counted] == ["before merge", "after merge"]
    assert by_pr[104].approved_before_merge == "after merge"  # the break-glass review
    assert by_pr[None].approved_before_merge == "no"
    assert by_pr[101].lead_hours == 1.0
    assert dict(lead_bins(report)) == {
        "after merge": 2, "< 1 h": 1, "1-4 h": 5, "4-24 h": 0, "1-3 d": 2, "> 3 d": 1,
    }  # fmt: skip


def test_model_inventory_includes_history_before_the_period(report: AuditReport) -> None:
    pins = {p.artifact: p for p in report.pins}
    assert {a: p.in_force for a, p in pins.items()} == {
        "legacy-model": False,
        "summarizer-model": True,
        "support-model": True,
    }
    support = pins["support-model"]
    assert [e.type for e in support.events] == ["artifact-added", "model-changed"]
    assert support.events[-1].new_value == "openai/gpt-4o-2024-08-06"
    assert pins["summarizer-model"].events[0].new_value is None  # hashed by design


def test_guardrail_gap_recorded_and_resolved(report: AuditReport) -> None:
    gaps = [(g.path, g.introduced_seq, g.resolved_seq) for g in report.guardrail_gaps]
    assert gaps == [("prompts/live/faq.prompt.yaml", 8, 9)]


def test_control_table(report: AuditReport) -> None:
    controls = {c.control: c for c in report.controls}
    assert controls["CC8.1.8"].count == 9  # all but 102, 104 (after merge) and the unapproved
    assert controls["CC8.1.13"].evidence.endswith("1 reviewed after merge")
    assert controls["CC8.1.9"].evidence.count("1 self-approval") == 1
    assert controls["A.6.2.8"].count == 17
    assert controls["GOVERN 1.6"].count == 2
    frameworks = {c.framework for c in report.controls}
    assert frameworks >= {"SOC 2", "EU AI Act", "NIST AI RMF", "ISO/IEC 42001"}
    assert {"Art. 12(2)(a)", "Art. 17(1)(a)", "MANAGE 4.1", "A.6.2.5"} <= set(controls)


def test_ledger_head_and_verify_command(report: AuditReport, ledger: list[Any]) -> None:
    last = ledger[-1]
    assert (report.ledger.seq, report.ledger.hash, report.ledger.intact) == (
        17, last["hash"], True,
    )  # fmt: skip
    assert report.ledger.verify_command == f"llmward audit verify --anchor 17:{last['hash']}"


# ---- the formats -----------------------------------------------------------------------------


def test_every_format_states_the_ledger_head(report: AuditReport) -> None:
    for fmt in ("html", "markdown", "json", "csv"):
        out = render(report, fmt)
        assert report.ledger.hash in out, fmt
        if fmt != "csv":
            assert report.ledger.verify_command in out, fmt


def test_markdown(report: AuditReport) -> None:
    md = render(report, "markdown")
    assert f"Exceptions: {HEADLINE}." in md
    assert "### 1 self-approval\n" in md
    assert "| 4 | 535353535353 | #103 | alice is an author; counted: no (self-approval) |" in md
    assert "none recorded" in md
    assert "| CC8.1.8 | Approves system changes prior to implementation |" in md


def test_json_is_versioned(report: AuditReport) -> None:
    data = json.loads(render(report, "json"))
    assert next(iter(data)) == "version"
    assert data["version"] == 1
    assert data["exception_counts"] == {
        "unapproved merge": 1,
        "self-approval": 1,
        "approval after merge": 1,
        "break-glass": 1,
        "suppression": 1,
    }
    assert data["ledger"]["seq"] == 17
    assert data["changes"][2]["counted"] == ["dave"]


def test_csv_has_one_row_per_change(report: AuditReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert len(rows) == 12
    row = rows[4]
    assert (row["pr_number"], row["verdict"], row["exceptions"]) == ("", "fail", "unapproved merge")
    assert rows[0]["approvers_counted"] == (
        "bob (github-review review 9001 on 010101010101, 2026-01-06T09:00:00Z)"
    )
    assert rows[0]["evals"] == "none recorded"
    assert {r["ledger_head_seq"] for r in rows} == {"17"}


def test_html_is_self_contained(report: AuditReport) -> None:
    page = render(report, "html")
    assert "<script" not in page.lower()
    assert not re.search(r"<link|@import|url\(|\ssrc=", page, re.IGNORECASE)
    assert "@media print" in page
    assert page.count("<svg") == 2


def test_output_is_deterministic(ledger: list[dict[str, Any]]) -> None:
    for fmt in ("html", "markdown", "json", "csv"):
        assert render(_report(ledger), fmt) == render(_report(list(ledger)), fmt)


# ---- the command -----------------------------------------------------------------------------


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    parser.add_argument("--ref")
    parser.add_argument("--root")
    return parser.parse_args(list(argv))


def _export(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text("".join(audit.line_of(e) + "\n" for e in entries), "utf-8")
    return path


def test_run_report_from_an_export(tmp_path: Path, ledger: list[dict[str, Any]]) -> None:
    src, out = _export(tmp_path / "ledger.jsonl", ledger), tmp_path / "r.json"
    period = ("--since", "2026-01-01", "--until", "2026-03-31")
    args = _args("--from-jsonl", str(src), *period, "--format", "json", "-o", str(out))
    assert run_report(args) == 0
    data = json.loads(out.read_text("utf-8"))
    assert len(data["changes"]) == 12
    assert data["ledger"]["verify_command"].startswith(f"llmward audit verify --from-jsonl {src}")


def test_run_report_on_a_tampered_ledger_says_so_and_exits_1(
    tmp_path: Path, ledger: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    edited = json.loads(json.dumps(ledger))
    edited[5]["statement"]["predicate"]["verdict"] = "pass"
    src = _export(tmp_path / "ledger.jsonl", edited)
    assert run_report(_args("--from-jsonl", str(src), "--format", "markdown")) == 1
    out = capsys.readouterr().out
    assert "NOT INTACT: seq 6 (line 6): edited" in out
    assert "Period 2025-12-15 to 2026-04-02" in out  # defaults: first and last record


def test_run_report_reads_the_notes_ledger(
    tmp_path: Path, ledger: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A real repository whose ledger is in git notes (one note per recorded head commit)."""
    root = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    repo = Repository(root)
    head = repo.resolve("HEAD")
    for i, stmt in enumerate(_history()[:3], 1):
        stmt["predicate"]["head"] = head
        prev = audit.tail(repo)
        repo.append_note(audit.NOTES_REF, head, audit.line_of(
            audit.make_entry(i, prev["hash"] if prev else audit.GENESIS, stmt)))  # fmt: skip
    assert run_report(_args("--root", str(root), "--format", "csv", "--since", "2025-12-01")) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["pr_number"] for r in rows] == ["100", "101", "102"]
    assert rows[0]["ledger_head_seq"] == "3"


# ---- the HTML in a real browser --------------------------------------------------------------


def chromium(*args: str, tmp: Path) -> str:
    """Headless Chromium, isolated and offline; fails (does not skip) when it is not installed."""
    binary = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if binary is None:
        pytest.fail(f"headless Chromium is needed for the HTML report test: {INSTALL}")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
    ]  # fmt: skip
    done = subprocess.run(
        [binary, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def page(tmp_path: Path, report: AuditReport) -> Iterator[Path]:
    path = tmp_path / "audit-report.html"
    path.write_text(render(report, "html"), "utf-8")
    yield path


def _text(dom: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', dom, re.DOTALL)
    assert found, element_id
    return re.sub(r"\s+", " ", found.group(1)).strip()


def test_html_renders_in_headless_chromium(page: Path, report: AuditReport, tmp_path: Path) -> None:
    dom = chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    assert _text(dom, "exceptions-summary") == f"Exceptions: {HEADLINE}."
    assert _text(dom, "ledger-hash") == report.ledger.hash
    assert _text(dom, "ledger-seq") == "17"
    assert _text(dom, "verify-command") == report.ledger.verify_command
    assert _text(dom, "exc-unapproved-merge") == "1 unapproved merge"
    # 5 exception tables of one row, 12 changes, 3 pins, 1 gap, the controls; with headers
    assert dom.count("<tr") == 5 * 2 + 13 + 4 + 2 + 1 + len(report.controls)
    assert "<script" not in dom


def test_html_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    chromium(
        f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars",
        page.as_uri(), tmp=tmp_path,
    )  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
