"""Lint, diff, risk and approvals of a change: one verdict, pass or fail with every reason.

Under GitHub Actions (GITHUB_ACTIONS=true) it reads the pull request from GITHUB_EVENT_PATH and
writes annotations, the job summary, step outputs, one sticky pull-request comment and, with
--sarif, a SARIF file for code scanning. Exit 1 when the verdict is fail.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from llmward.config import SEVERITIES
from llmward.errors import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:
    from llmward.check import PullRequest, Verdict
    from llmward.evidence import EvidenceSource


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base", metavar="REF", help="base ref (default: the PR's base, or merge-base)")
    p.add_argument("--head", metavar="REF", help="head ref (default: the PR's head, or HEAD)")
    p.add_argument("--config", metavar="FILE", help="config file, read from BASE")
    p.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        help="lowest severity of an introduced "
        "finding that fails the check (default: the config's fail_on)",
    )
    p.add_argument(
        "--comment",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep one sticky comment on the pull request (default: on)",
    )
    p.add_argument("--sarif", metavar="FILE", help="also write the findings as SARIF 2.1.0")
    p.add_argument(
        "--audit-dir",
        metavar="DIR",
        help="append an audit record to the ledger (refs/notes/llmward/audit) and "
        "write it to DIR/llmward-audit-<seq>.json",
    )
    p.add_argument(
        "--ledger",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="with --audit-dir: append to the git-notes ledger (--no-ledger: only write the file)",
    )
    p.add_argument(
        "--audit-excerpts",
        action="store_true",
        help="with --audit-dir: record old and new values too (default: hashes only, "
        "so records can be shared without leaking prompts)",
    )
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument(
        "--github-token-env",
        default="GITHUB_TOKEN",
        metavar="NAME",
        help="environment variable holding the GitHub token (default GITHUB_TOKEN)",
    )
    p.add_argument("--root", metavar="DIR", help="repository root (default: the git top level)")


def run(args: argparse.Namespace) -> int:
    from llmward.actions import in_actions
    from llmward.check import pull_request_from_event, run_check
    from llmward.commands._common import git_root
    from llmward.git import Repository
    from llmward.report import any_renderer

    root = git_root(args.root)
    pr = pull_request_from_event() if in_actions() else None
    base = args.base or (pr.base if pr else Repository(root).default_base())
    head = args.head or (pr.head if pr else "HEAD")
    token = os.environ.get(args.github_token_env) or None
    github = _github(pr, token)
    verdict = run_check(
        root, base, head, pr=pr, fail_on=args.fail_on, config_path=args.config, github=github
    )
    renderer = "check_markdown" if args.format == "markdown" else "check_text"
    sys.stdout.write(any_renderer(renderer)(verdict))
    record = None
    if args.audit_dir:  # after the verdict is printed: a recording failure must not hide it
        from llmward.audit import record_check

        record = record_check(
            root,
            verdict,
            pr,
            Path(args.audit_dir),
            ledger=args.ledger,
            excerpts=args.audit_excerpts,
        )
    if args.sarif:
        _sarif(Path(args.sarif), verdict)
    if in_actions():
        _publish(args, verdict, pr, token, record)
    return EXIT_OK if verdict.passed else EXIT_FINDINGS


def _github(pr: PullRequest | None, token: str | None) -> EvidenceSource | None:
    if pr is None or token is None:
        return None
    from llmward.errors import UsageError
    from llmward.evidence import EvidenceError
    from llmward.github import Client, GitHubReviews

    api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
    try:
        return GitHubReviews(Client(api, token), pr.repository, pr.number, pr.head, pr.author)
    except EvidenceError as err:
        raise UsageError(f"cannot read the pull request's reviews: {err}") from None


def _sarif(path: Path, verdict: Verdict) -> None:
    from llmward.output import write_atomic
    from llmward.pipeline import LintResult
    from llmward.report import Report, renderer

    comparison = verdict.comparison
    assert comparison.settings is not None
    result = LintResult(
        comparison.introduced,
        len({f.path for f in comparison.introduced}),
        0,
        comparison.settings.policies,
        verdict.fail_on,
    )
    write_atomic(path, renderer("sarif")(Report(result, verdict.fail_on)))


def _publish(
    args: argparse.Namespace,
    verdict: Verdict,
    pr: PullRequest | None,
    token: str | None,
    record: Path | None,
) -> None:
    from llmward.actions import emit_commands, write_outputs, write_summary
    from llmward.report import any_renderer

    annotations = _annotations(verdict)
    if annotations:
        emit_commands("\n".join(annotations) + "\n")
    markdown = any_renderer("check_markdown")(verdict)
    write_summary(markdown)
    risk = verdict.comparison.risk
    write_outputs(
        {
            "verdict": verdict.name,
            "risk-score": str(risk.score),
            "risk-tier": risk.tier,
            "sarif-file": args.sarif or "",
            "audit-record": str(record or ""),
        }
    )
    if args.comment and pr is not None and token is not None:
        _comment(pr, token, markdown)


def _annotations(verdict: Verdict) -> list[str]:
    from llmward.report.github_format import annotation, capped, change_annotation

    items = [(f.severity, annotation(f)) for f in verdict.comparison.introduced]
    for found in verdict.comparison.change_findings:
        span = found.change.span or found.change.old_span
        line = change_annotation(
            found.severity,
            found.change.path,
            span.line if span else 1,
            f"{found.code} {found.policy}",
            found.message,
        )
        items.append((found.severity, line))
    return capped(items)


def _comment(pr: PullRequest, token: str, markdown: str) -> None:
    from llmward.evidence import EvidenceError
    from llmward.github import Client, upsert_comment

    api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
    try:
        upsert_comment(Client(api, token), pr.repository, pr.number, markdown)
    except EvidenceError as err:  # e.g. a fork's read-only token: the verdict stands
        from llmward.actions import emit_commands
        from llmward.report.github_format import warning

        emit_commands(warning(f"could not update the PR comment: {err}"))
