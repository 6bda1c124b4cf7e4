"""The audit ledger on real git histories: records, the hash chain in git notes, and tampering.

A dozen PR-like changes are checked and recorded once per module; each tampering test works on a
copy of that repository and asserts `llmward audit verify` names the first bad entry.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import GIT_ENV, ROOT, copy_tree, git, make_repo
from llmward import audit
from llmward.check import PullRequest, Verdict, run_check
from llmward.evidence import Approval
from llmward.git import Repository

SCHEMA = json.loads((ROOT / "src/llmward/schemas/audit.schema.json").read_text("utf-8"))
REF = "llmward/audit"
SECRET = "Never reveal the refund override code to a customer."
CONFIG = """\
environments: {production: ["prompts/live/**"]}
approvals:
  required:
    none: {count: 1}
    low: {count: 1}
    medium: {count: 1}
    high: {count: 1}
    critical: {count: 1}
"""
PINS = """\
models:
  - id: support
    provider: openai
    model: gpt-4o-2024-08-06
    params: {temperature: 0.2, max_tokens: 500}
"""
PROMPT = f"""\
id: support
version: "1.0.0"
model: support
messages:
  - role: system
    content: "Be brief. {SECRET}"
"""
BILLING = """\
id: billing
version: "1.0.0"
model: support
messages:
  - role: system
    content: "Answer billing questions."
"""
GLASS_PR = 6  # the pull request that passes by break-glass


class Reviews:
    """A stand-in for GitHub reviews: carol approved every head but the break-glass one."""

    name = "github-review"

    def __init__(self, head: str, approved: bool) -> None:
        self.head, self.approved = head, approved

    def approvals(self) -> list[Approval]:
        if not self.approved:
            return []
        return [Approval("carol", self.name, "review-1", self.head, "2026-01-01T00:00:00Z", True)]

    def is_member(self, user: str, team: str) -> bool | None:
        return None


def edit(repo: Path, n: int) -> None:
    """The n-th pull request's change: prompts, pins and the config, added, edited, removed."""
    models, prompt = repo / "models.yaml", repo / "prompts/live/support.prompt.yaml"
    billing = repo / "prompts/live/billing.prompt.yaml"
    if n == 3:
        billing.write_text(BILLING)
    elif n == 5:
        billing.write_text(BILLING.replace("questions.", "questions politely."))
    elif n == 7:
        billing.unlink()
    elif n == 8:
        (repo / ".llmward.yaml").write_text(CONFIG.replace("none: {count: 1}", "none: {count: 0}"))
    elif n in (2, 10):
        prompt.write_text(prompt.read_text().replace("Be brief", f"Be brief {n}"))
    else:
        text = models.read_text()
        models.write_text(text.replace("max_tokens: ", f"max_tokens: {n}"))


@dataclass(frozen=True)
class Ledger:
    repo: Path
    heads: tuple[str, ...]  # heads[seq - 1]: the commit the entry `seq` is on
    verdicts: tuple[Verdict, ...]
    prs: tuple[PullRequest, ...]


def pull_request(n: int, base: str, head: str) -> PullRequest:
    glass = n == GLASS_PR
    return PullRequest(
        "acme/prompts",
        100 + n,
        base,
        head,
        "alice",
        labels=("llmward:break-glass",) if glass else (),
        body="Break-glass: checkout outage, pager #4711" if glass else "",
        url=f"https://github.com/acme/prompts/pull/{100 + n}",
    )


def build(path: Path) -> Ledger:
    files = {
        ".llmward.yaml": CONFIG,
        "models.yaml": PINS,
        "prompts/live/support.prompt.yaml": PROMPT,
    }
    repo = make_repo(path, files)
    heads, verdicts, prs = [], [], []
    for n in range(1, 13):
        base = git(repo, "rev-parse", "HEAD").strip()
        edit(repo, n)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"change {n}")
        head = git(repo, "rev-parse", "HEAD").strip()
        pr = pull_request(n, base, head)
        reviews = Reviews(head, approved=n != GLASS_PR)
        verdict = run_check(repo, base, head, pr=pr, fail_on=None, config_path=None, github=reviews)
        when = datetime(2026, 1, n, 12, tzinfo=timezone.utc)
        stmt = audit.statement(verdict, pr, "acme/prompts", now=when)
        entry = audit.append_record(Repository(repo), stmt)
        assert entry["seq"] == n
        heads.append(head)
        verdicts.append(verdict)
        prs.append(pr)
    return Ledger(repo, tuple(heads), tuple(verdicts), tuple(prs))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ledger]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in GIT_ENV.items():
            mp.setenv(name, value)
        yield build(tmp_path_factory.mktemp("ledger") / "repo")


@pytest.fixture
def ledger(built: Ledger, tmp_path: Path) -> Ledger:
    """A copy of the module's ledger, free to tamper with."""
    copy_tree(built.repo, tmp_path / "repo")
    return Ledger(tmp_path / "repo", built.heads, built.verdicts, built.prs)


# Registers `audit` until cli.COMMANDS lists it (then setdefault changes nothing).
LAUNCH = (
    "import sys; from llmward import cli; "
    "cli.COMMANDS.setdefault('audit', 'audit ledger'); sys.exit(cli.main())"
)


def llmward(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *args],
        cwd=repo,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def note(repo: Path, commit: str) -> str:
    return git(repo, "notes", f"--ref={REF}", "show", commit)


def set_note(repo: Path, commit: str, lines: list[str]) -> None:
    git(repo, "notes", f"--ref={REF}", "add", "-f", "-m", "\n".join(lines), commit)


def entry_on(repo: Path, commit: str) -> dict[str, Any]:
    (line,) = [t for t in note(repo, commit).splitlines() if t.strip()]
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def rehashed(entry: dict[str, Any], **changes: Any) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"} | changes
    return audit.line_of(audit.make_entry(body["seq"], body["prev"], body["statement"]))


def first_bad(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("ledger TAMPERED: first bad entry: "), done.stdout
    return first.removeprefix("ledger TAMPERED: first bad entry: ")


# ---- an intact ledger ------------------------------------------------------------------------


def test_intact_ledger_verifies_and_prints_its_head(ledger: Ledger) -> None:
    done = llmward(ledger.repo, "audit", "verify")
    head = entry_on(ledger.repo, ledger.heads[-1])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == (
        "ledger intact: 12 entries, seq 1..12\n"
        f"head: seq 12 hash {head['hash']}\n"
        "re-verify, also catching truncation or a rewrite below this head:\n"
        f"  llmward audit verify --anchor 12:{head['hash']}\n"
    )
    assert llmward(ledger.repo, "audit", "verify", "--anchor", f"12:{head['hash']}").returncode == 0


def test_every_entry_validates_against_the_published_schema(built: Ledger) -> None:
    lines = audit.read_notes(Repository(built.repo))
    assert len(lines) == 12
    for line in lines:
        jsonschema.validate(json.loads(line.text), SCHEMA, cls=jsonschema.Draft7Validator)
    assert jsonschema.Draft7Validator(SCHEMA).is_valid({"seq": 0}) is False


def test_entries_are_canonical_and_linked(built: Ledger) -> None:
    entries = [entry_on(built.repo, head) for head in built.heads]
    assert [e["seq"] for e in entries] == list(range(1, 13))
    assert entries[0]["prev"] == "GENESIS"
    for before, after in itertools.pairwise(entries):
        assert after["prev"] == before["hash"]
    for e in entries:
        line = note(built.repo, e["statement"]["predicate"]["head"]).strip()
        assert line == audit.line_of(e)  # stored exactly as RFC 8785 writes it
        body = {k: v for k, v in e.items() if k != "hash"}
        assert e["hash"] == hashlib.sha256(audit.canonical(body)).hexdigest()


def test_record_content(built: Ledger) -> None:
    e = entry_on(built.repo, built.heads[2])  # PR 3 adds the billing prompt
    s = e["statement"]
    p = s["predicate"]
    head = built.heads[2]
    assert s["_type"] == "https://in-toto.io/Statement/v1"
    assert s["predicateType"] == "https://llmward.dev/audit/v1"
    raw = subprocess.run(
        ["git", "show", f"{head}:prompts/live/billing.prompt.yaml"],
        cwd=built.repo,
        capture_output=True,
        check=True,
    ).stdout
    blob = git(built.repo, "rev-parse", f"{head}:prompts/live/billing.prompt.yaml").strip()
    assert s["subject"] == [
        {
            "name": "prompts/live/billing.prompt.yaml",
            "digest": {"sha256": hashlib.sha256(raw).hexdigest(), "gitBlob": blob},
        },
        {"name": f"git:{head}", "digest": {"gitCommit": head}},
    ]
    assert p["pull_request"] == {"number": 103, "url": "https://github.com/acme/prompts/pull/103"}
    assert (p["base"], p["head"]) == (built.heads[1], head)
    assert p["change_set_digest"].startswith("sha256:")
    assert p["authors"] == ["Test Author", "alice", "author@example.com"]
    assert p["approvals"]["counted"] == ["carol"]
    assert p["approvals"]["satisfied"] is True
    assert p["verdict"] == built.verdicts[2].name
    assert p["risk"]["tier"] == built.verdicts[2].comparison.risk.tier
    assert p["time"] == "2026-01-03T12:00:00Z"
    assert p["removed"] == [] and p["break_glass"] is None
    assert p["rules"]["config"] == {
        "path": ".llmward.yaml",
        "sha256": hashlib.sha256(CONFIG.encode()).hexdigest(),
    }
    policies = p["rules"]["policies"]
    assert {
        "path": "llmward:changes/allowlist-widened.yaml",
        "sha256": hashlib.sha256(
            (ROOT / "policies/changes/allowlist-widened.yaml").read_bytes()
        ).hexdigest(),
    } in policies
    assert str(ROOT) not in json.dumps(policies)
    assert p["tool"]["name"] == "llmward"


def test_a_removed_file_is_a_subject_at_base_and_marked(built: Ledger) -> None:
    p = entry_on(built.repo, built.heads[6])["statement"]  # PR 7 removes the billing prompt
    base_blob = git(built.repo, "rev-parse", f"{built.heads[5]}:prompts/live/billing.prompt.yaml")
    names = {x["name"]: x["digest"] for x in p["subject"]}
    assert names["prompts/live/billing.prompt.yaml"]["gitBlob"] == base_blob.strip()
    assert p["predicate"]["removed"] == ["prompts/live/billing.prompt.yaml"]


def test_break_glass_is_recorded_for_review_after_merge(built: Ledger) -> None:
    p = entry_on(built.repo, built.heads[GLASS_PR - 1])["statement"]["predicate"]
    assert p["break_glass"] == {
        "reason": "checkout outage, pager #4711",
        "review_after_merge": True,
    }
    assert p["approvals"]["counted"] == [] and p["approvals"]["satisfied"] is True


def test_no_prompt_text_by_default_excerpts_opt_in(built: Ledger) -> None:
    exported = audit.export_lines(audit.read_notes(Repository(built.repo)))
    assert SECRET not in exported and "Be brief" not in exported
    changed = entry_on(built.repo, built.heads[1])["statement"]["predicate"]["changes"]
    assert changed and all("old" not in c and "new" not in c for c in changed)
    assert any(c["old_sha256"] and c["new_sha256"] for c in changed)
    with_text = audit.statement(built.verdicts[1], built.prs[1], "acme/prompts", excerpts=True)
    assert SECRET in json.dumps(with_text)
    jsonschema.validate(audit.make_entry(1, "GENESIS", with_text), SCHEMA)


def test_statement_refuses_the_work_tree(built: Ledger) -> None:
    verdict = run_check(
        built.repo, "HEAD", ":worktree", pr=None, fail_on=None, config_path=None, github=None
    )
    with pytest.raises(audit.LedgerError, match="two commits"):
        audit.statement(verdict, None, "acme/prompts")


# ---- tampering -------------------------------------------------------------------------------


def test_an_edited_entry_is_named(ledger: Ledger) -> None:
    c5 = ledger.heads[4]
    e = json.loads(note(ledger.repo, c5))
    e["statement"]["predicate"]["reasons"] = ["nothing to see"]
    set_note(ledger.repo, c5, [audit.line_of(e)])
    bad = first_bad(llmward(ledger.repo, "audit", "verify"))
    assert bad.startswith(f"seq 5 (note on {c5}): edited: the entry hashes to ")


def test_an_edited_and_rehashed_entry_breaks_the_next_link(ledger: Ledger) -> None:
    c5, c6 = ledger.heads[4], ledger.heads[5]
    e = entry_on(ledger.repo, c5)
    e["statement"]["predicate"]["approvals"]["counted"] = ["mallory"]
    set_note(ledger.repo, c5, [rehashed(e)])
    bad = first_bad(llmward(ledger.repo, "audit", "verify"))
    assert bad.startswith(f"seq 6 (note on {c6}): prev ")
    assert "is the hash of no entry: seq 5 was edited and re-hashed" in bad


def test_a_deleted_entry_is_named(ledger: Ledger) -> None:
    git(ledger.repo, "notes", f"--ref={REF}", "remove", ledger.heads[6])
    bad = first_bad(llmward(ledger.repo, "audit", "verify"))
    assert bad == f"seq 8 (note on {ledger.heads[7]}): deleted: seq 7 missing before it"


def test_swapped_seqs_are_named(ledger: Ledger) -> None:
    c4, c9 = ledger.heads[3], ledger.heads[8]
    e4, e9 = entry_on(ledger.repo, c4), entry_on(ledger.repo, c9)
    set_note(ledger.repo, c4, [rehashed(e4, seq=9)])
    set_note(ledger.repo, c9, [rehashed(e9, seq=4)])
    bad = first_bad(llmward(ledger.repo, "audit", "verify"))
    assert bad == (
        f"seq 4 (note on {c9}): reordered: prev links to seq 8 (note on {ledger.heads[7]}), "
        "not to seq 3"
    )


def test_swapped_lines_are_named(ledger: Ledger) -> None:
    c4, c9 = ledger.heads[3], ledger.heads[8]
    line4, line9 = note(ledger.repo, c4).strip(), note(ledger.repo, c9).strip()
    set_note(ledger.repo, c4, [line9])
    set_note(ledger.repo, c9, [line4])
    bad = first_bad(llmward(ledger.repo, "audit", "verify"))
    assert bad == f"seq 4 (note on {c9}): moved: the entry records head {c4}"


def test_an_inserted_entry_is_named(ledger: Ledger) -> None:
    c6 = ledger.heads[5]
    git(ledger.repo, "checkout", "-qb", "forged", ledger.heads[4])
    git(ledger.repo, "commit", "-q", "--allow-empty", "-m", "forged")
    forged_head = git(ledger.repo, "rev-parse", "HEAD").strip()
    e6 = entry_on(ledger.repo, c6)
    stmt = json.loads(json.dumps(e6["statement"]))
    stmt["predicate"]["head"] = forged_head
    stmt["predicate"]["verdict"] = "pass"
    forged = audit.make_entry(6, e6["prev"], stmt)  # a valid hash, linked to seq 5
    set_note(ledger.repo, forged_head, [audit.line_of(forged)])
    bad = first_bad(llmward(ledger.repo, "audit", "verify"))
    pair = sorted([(e6["hash"], c6), (forged["hash"], forged_head)])
    assert bad == (
        f"seq 6 (note on {pair[1][1]}): 2 entries claim it: "
        f"note on {pair[0][1]} (hash {pair[0][0]}) and note on {pair[1][1]} (hash {pair[1][0]}); "
        f"nothing links to note on {forged_head}"
    )


def test_a_malformed_line_is_named(ledger: Ledger) -> None:
    set_note(ledger.repo, ledger.heads[2], ["{not json"])
    done = llmward(ledger.repo, "audit", "verify")
    assert (
        first_bad(done)
        == f"note on {ledger.heads[2]}: not a ledger entry (malformed JSON or fields)"
    )
    assert "seq 4" in done.stdout and "deleted: seq 3 missing" in done.stdout


def test_tail_truncation_needs_the_anchor(ledger: Ledger) -> None:
    head = entry_on(ledger.repo, ledger.heads[-1])
    git(ledger.repo, "notes", f"--ref={REF}", "remove", ledger.heads[-1])
    assert llmward(ledger.repo, "audit", "verify").returncode == 0  # undetectable alone
    bad = first_bad(llmward(ledger.repo, "audit", "verify", "--anchor", f"12:{head['hash']}"))
    assert (
        bad == f"seq 12 (anchor): truncated: no entry seq 12 with hash {head['hash']} (last seq 11)"
    )


def test_concurrent_writers_merged_with_cat_sort_uniq_are_flagged(ledger: Ledger) -> None:
    repo, full = ledger.repo, "refs/notes/llmward/audit"
    tip = git(repo, "rev-parse", full).strip()
    for name in ("one", "two"):
        git(repo, "checkout", "-qb", name, ledger.heads[-1])
        git(repo, "commit", "-q", "--allow-empty", "-m", name)
    one, two = (git(repo, "rev-parse", n).strip() for n in ("one", "two"))
    record = audit.statement(ledger.verdicts[-1], None, "acme/prompts")
    a = audit.append_record(
        Repository(repo), {**record, "predicate": {**record["predicate"], "head": one}}
    )
    git(repo, "update-ref", "refs/notes/theirs", full)
    git(repo, "update-ref", full, tip)
    b = audit.append_record(
        Repository(repo), {**record, "predicate": {**record["predicate"], "head": two}}
    )
    assert a["seq"] == b["seq"] == 13
    git(repo, "notes", f"--ref={REF}", "merge", "-q", "-s", "cat_sort_uniq", "refs/notes/theirs")
    bad = first_bad(llmward(repo, "audit", "verify"))
    assert bad.startswith("seq 13 (") and "2 entries claim it" in bad
    assert f"note on {one}" in bad and f"note on {two}" in bad
    assert Repository(repo).last_note_append(full) is None  # a merge: the tail is found by a scan
    tail = audit.tail(Repository(repo))
    assert tail is not None and tail["seq"] == 13


# ---- appending, export, log, record --------------------------------------------------------


def test_tail_fast_path_agrees_with_a_full_scan(built: Ledger) -> None:
    repo = Repository(built.repo)
    last = repo.last_note_append("refs/notes/llmward/audit")
    assert last is not None and last[0] == built.heads[-1]
    full = audit.entries(audit.read_notes(repo))[-1]
    assert audit.tail(repo) == full and full["seq"] == 12


def test_jsonl_export_round_trip_and_tampering(ledger: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "ledger.jsonl"
    done = llmward(ledger.repo, "audit", "export", "-o", str(out))
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    notes = sorted(note(ledger.repo, h).strip() for h in ledger.heads)
    assert sorted(lines) == notes and [json.loads(x)["seq"] for x in lines] == list(range(1, 13))
    assert llmward(ledger.repo, "audit", "verify", "--from-jsonl", str(out)).returncode == 0
    assert llmward(ledger.repo, "audit", "export").stdout == out.read_text()
    swapped = [*lines]
    swapped[3], swapped[8] = swapped[8], swapped[3]
    out.write_text("\n".join(swapped) + "\n")
    bad = first_bad(llmward(ledger.repo, "audit", "verify", "--from-jsonl", str(out)))
    assert bad == "seq 4 (line 4): reordered: holds seq 9 where seq 4 belongs"
    out.write_text("\n".join(lines[:6] + lines[7:]) + "\n")
    bad = first_bad(llmward(ledger.repo, "audit", "verify", "--from-jsonl", str(out)))
    assert bad == "seq 8 (line 7): deleted: seq 7 missing before it"


def test_log_text_json_and_dates(built: Ledger) -> None:
    done = llmward(built.repo, "audit", "log", "--since", "2026-01-05", "--until", "2026-01-07")
    rows = done.stdout.splitlines()
    assert done.returncode == 0 and len(rows) == 2, done.stdout + done.stderr
    five = built.verdicts[4]
    assert rows[0].split() == [
        "5",
        "2026-01-05T12:00:00Z",
        built.heads[4][:12],
        "#105",
        five.comparison.risk.tier,
        five.name,
        "carol",
    ]
    assert rows[1].split()[-1] == "-"  # the break-glass PR: no approver counted
    parsed = json.loads(llmward(built.repo, "audit", "log", "--format", "json").stdout)
    assert [r["seq"] for r in parsed] == list(range(1, 13))
    assert llmward(built.repo, "audit", "log", "--since", "yesterday").returncode == 2


def test_record_check_writes_the_entry_and_appends(ledger: Ledger, tmp_path: Path) -> None:
    pr = ledger.prs[-1]
    fresh = run_check(
        ledger.repo, pr.base, pr.head, pr=pr, fail_on=None, config_path=None, github=None
    )
    dry = audit.record_check(ledger.repo, fresh, pr, tmp_path / "out", ledger=False)
    assert dry == tmp_path / "out/llmward-audit-13.json"
    assert audit.tail(Repository(ledger.repo))["seq"] == 12  # type: ignore[index]
    path = audit.record_check(ledger.repo, fresh, pr, tmp_path / "out")
    assert path == dry
    written = json.loads(path.read_text())
    jsonschema.validate(written, SCHEMA)
    first, second = [t for t in note(ledger.repo, pr.head).splitlines() if t.strip()]
    assert written["prev"] == json.loads(first)["hash"]
    assert path.read_text() == second + "\n"
    assert written["statement"]["predicate"]["verdict"] == fresh.name == "fail"  # no reviews
    assert llmward(ledger.repo, "audit", "verify").returncode == 0


def test_audit_record_of_a_merged_commit(ledger: Ledger) -> None:
    (ledger.repo / "models.yaml").write_text(PINS.replace("0.2", "0.7"))
    git(ledger.repo, "commit", "-qam", "merged without a check")
    done = llmward(ledger.repo, "audit", "record", "--repository", "acme/prompts")
    assert done.returncode == 0, done.stderr
    head = git(ledger.repo, "rev-parse", "HEAD").strip()
    assert done.stdout.startswith("recorded seq 13 (")
    entry = entry_on(ledger.repo, head)
    assert entry["statement"]["predicate"]["base"] == ledger.heads[-1]
    assert entry["statement"]["predicate"]["pull_request"] is None
    assert llmward(ledger.repo, "audit", "verify").returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("audit", "verify"), "no audit ledger at refs/notes/llmward/audit", id="none"),
        pytest.param(("audit", "log"), "no audit ledger", id="log"),
        pytest.param(
            ("audit", "verify", "--from-jsonl", "missing.jsonl"),
            "missing.jsonl: cannot read",
            id="file",
        ),
        pytest.param(
            ("audit", "verify", "--ref=refs/heads/main"), "is not a notes ref", id="bad-ref"
        ),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    repo = make_repo(tmp_path / "empty", {"a.txt": "a"})
    done = llmward(repo, *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_a_record_keeps_the_ignores_of_a_file_in_another_format(tmp_path: Path) -> None:
    """The justification of an inline ignore in a `.prompty` front matter reaches the record,
    and a line of the prompt's text that looks like one does not: the file is read in its own
    format, as lint reads it."""
    prompty = (
        "---\nname: Answer\nmodel:\n  id: gpt-4o-2024-08-06\n  provider: openai\n"
        "  options: {max_tokens: 200}\n---\nsystem:\nAnswer briefly.\n"
        "# llmward: ignore[PRM001] prompt text, sent to the model\n"
    )
    repo = make_repo(tmp_path / "r", {"prompts/answer.prompty": prompty})
    base = git(repo, "rev-parse", "HEAD").strip()
    edited = prompty.replace(
        "  id: gpt-4o-2024-08-06\n",
        "  # llmward: ignore[PIN001] canary route, evaluated weekly (EVAL-9)\n  id: gpt-4o\n",
    )
    (repo / "prompts/answer.prompty").write_text(edited, encoding="utf-8")
    git(repo, "commit", "-qam", "float the canary")
    head = git(repo, "rev-parse", "HEAD").strip()
    verdict = run_check(
        repo, base, head, pr=None, fail_on=None, config_path=None, github=Reviews(head, True)
    )
    stmt = audit.statement(verdict, None, "acme/prompts")
    assert stmt["predicate"]["suppressions"] == [
        {
            "code": "PIN001",
            "path": "prompts/answer.prompty",
            "line": 5,
            "justification": "canary route, evaluated weekly (EVAL-9)",
        }
    ]
