"""Check prompts, model pins and guardrail configs against the policy packs.

With no PATH, the whole repository is checked. With paths, only findings in those files are
reported, but references are still resolved against the whole repository.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from llmward.config import SEVERITIES
from llmward.errors import EXIT_FINDINGS, EXIT_OK


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: all)")
    p.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github"),
        help="output format (default: text; github when GITHUB_ACTIONS=true)",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here, not stdout")
    p.add_argument(
        "--fail-on", choices=SEVERITIES, help="lowest severity that fails (default: high)"
    )
    p.add_argument(
        "--select",
        type=_codes,
        action="extend",
        default=[],
        metavar="CODES",
        help="run only these codes (comma-separated)",
    )
    p.add_argument(
        "--ignore",
        type=_codes,
        action="extend",
        default=[],
        metavar="CODES",
        help="skip these codes (comma-separated)",
    )
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: .llmward.yaml or "
        "[tool.llmward] in pyproject.toml at the repository root)",
    )
    p.add_argument("--root", metavar="DIR", help="repository root (default: found from PATH)")
    p.add_argument("--baseline", metavar="FILE", help="ignore findings recorded in this baseline")
    p.add_argument("--write-baseline", metavar="FILE", help="record current findings as a baseline")
    p.add_argument("--no-cache", action="store_true", help="do not read or write .llmward_cache")
    p.add_argument("--jobs", "-j", type=int, metavar="N", help="processes (default: CPU count)")


def run(args: argparse.Namespace) -> int:
    from llmward import baseline as baselines
    from llmward import pipeline
    from llmward.commands._common import root_and_config, scope
    from llmward.discover import Classifier
    from llmward.output import write_atomic
    from llmward.policy.load import load_policies
    from llmward.report import Report, renderer

    root, loaded = root_and_config(args.root, args.paths, args.config)
    config = loaded.config
    policies = load_policies(config, root, select=args.select, ignore=args.ignore)
    settings = pipeline.Settings(
        root, config, Classifier(config), policies, cache=not args.no_cache
    )
    known = baselines.load(Path(args.baseline)) if args.baseline else None
    paths = scope(root, args.paths)
    if paths and loaded.source is not None and _names_config(root, paths, loaded.source):
        paths = None  # the config changed: every file's findings may have changed
    result = pipeline.lint(settings, paths, known, jobs=args.jobs)
    if args.write_baseline:
        write_atomic(Path(args.write_baseline), baselines.render(result.findings))
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    report = Report(result, args.fail_on or config.fail_on)
    text = renderer(fmt)(report)
    if args.output:
        write_atomic(Path(args.output), text)
        if fmt != "text":
            sys.stdout.write(renderer("text")(report).splitlines()[-1] + "\n")
    else:
        sys.stdout.write(text)
    return EXIT_OK if args.exit_zero or args.write_baseline or not report.failing else EXIT_FINDINGS


def _names_config(root: Path, paths: list[str], source: Path) -> bool:
    try:
        config = source.resolve().relative_to(root).as_posix()
    except ValueError:
        return False
    return config in paths
