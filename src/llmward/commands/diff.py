"""Semantic diff and risk of the changes between two git refs.

BASE defaults to the merge-base of HEAD with the default branch; HEAD defaults to HEAD. With
--staged, compares the index (what the next commit holds) with HEAD. The config and policy packs
are always read from BASE.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from llmward.errors import EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from llmward.git import Repository

TIER_CHOICES = ("low", "medium", "high", "critical")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("base", nargs="?", metavar="BASE", help="base ref (default: merge-base)")
    p.add_argument("head", nargs="?", metavar="HEAD", help="head ref (default: HEAD)")
    p.add_argument("--staged", action="store_true", help="compare the index with HEAD")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here, not stdout")
    p.add_argument(
        "--fail-at",
        choices=TIER_CHOICES,
        metavar="TIER",
        help="exit 1 when the risk tier is at or above TIER (default: never)",
    )
    p.add_argument(
        "--hook",
        action="store_true",
        help="pre-commit mode: the staged change, or PRE_COMMIT_FROM_REF.."
        "PRE_COMMIT_TO_REF at pre-push; fails only at the config's risk.fail_at",
    )
    p.add_argument("--config", metavar="FILE", help="config file, read from BASE")
    p.add_argument("--root", metavar="DIR", help="repository root (default: the git top level)")


def run(args: argparse.Namespace) -> int:
    from llmward.commands._common import git_root
    from llmward.compare import compare
    from llmward.git import Repository
    from llmward.output import write_atomic
    from llmward.report import diff_renderer
    from llmward.score import at_or_above

    root = git_root(args.root)
    if (args.staged or args.hook) and (args.base or args.head):
        raise UsageError("--staged and --hook choose the refs themselves: give no refs with them")
    base, head = _refs(args, Repository(root))
    comparison = compare(root, base, head, args.config)
    text = diff_renderer(args.format)(comparison)
    if args.output:
        write_atomic(Path(args.output), text)
    else:
        sys.stdout.write(text)
    fail_at = args.fail_at or (comparison.config.risk.fail_at if args.hook else None)
    failed = fail_at is not None and at_or_above(comparison.risk.tier, fail_at)
    return EXIT_FINDINGS if failed else EXIT_OK


def _refs(args: argparse.Namespace, repo: Repository) -> tuple[str, str]:
    from llmward.git import INDEX

    if args.hook:
        start, end = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
        if start and end:  # pre-push: the commits being pushed
            return start, end
        return (repo.head_or_empty(), INDEX) if not start else (start, "HEAD")
    if args.staged:
        return repo.head_or_empty(), INDEX
    return args.base or repo.default_base(), args.head or "HEAD"
