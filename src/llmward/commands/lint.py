"""Check prompts, model pins and guardrail configs against the policy packs.

Files are read in llmward's own formats and in the formats of the tools teams use (Prompty,
Dotprompt, Semantic Kernel, LangChain, promptfoo, LiteLLM, NeMo Guardrails, LLM Guard,
Guardrails AI). With no PATH, the whole repository is checked. With paths, only findings in
those files are reported, but references are still resolved against the whole repository.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from llmward.config import SEVERITIES
from llmward.errors import EXIT_FINDINGS, EXIT_OK
from llmward.findings import SEVERITY_RANK

if TYPE_CHECKING:
    from llmward.pipeline import LintResult
    from llmward.projects import Project


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes >= 1, got {text!r}")
    return value


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
    p.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        metavar="N",
        help="processes (default: the CPU count, for large cold runs)",
    )


def run(args: argparse.Namespace) -> int:
    from llmward import baseline as baselines
    from llmward.output import write_atomic
    from llmward.report import Report, renderer

    top, targets = locate(args.root, args.paths)
    result = lint_projects(args, top, targets)
    if args.baseline:
        known = baselines.load(Path(args.baseline))
        result = replace(result, findings=tuple(baselines.apply(result.findings, known)))
    if args.write_baseline:
        text = baselines.render(result.findings)
        write_atomic(Path(args.write_baseline), text)
        count = text.count('"code":')
        sys.stderr.write(f"llmward: wrote {count} finding(s) to {args.write_baseline}\n")
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    report = Report(result, args.fail_on or result.fail_on)
    text = renderer(fmt)(report)
    if args.output:
        write_atomic(Path(args.output), text)
        if fmt != "text":
            sys.stdout.write(renderer("text")(report).splitlines()[-1] + "\n")
    elif fmt == "github":
        from llmward.actions import emit_commands

        emit_commands(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK if args.exit_zero or args.write_baseline or not report.failing else EXIT_FINDINGS


def locate(root_arg: str | None, paths: list[str]) -> tuple[Path, list[str] | None]:
    """The repository top (the git work tree, or --root) and the targets relative to it."""
    from llmward import git
    from llmward.commands._common import scope
    from llmward.errors import UsageError
    from llmward.verified import STORE

    if root_arg:
        top = Path(root_arg).resolve()
        if not top.is_dir():
            raise UsageError(f"{root_arg}: --root is not a folder")
    else:
        first = Path(paths[0]) if paths else Path.cwd()
        start = (first if first.is_dir() else first.parent).resolve()
        top = git.toplevel(start) or start
    STORE.configure(top)
    return top, scope(top, paths)


def lint_projects(args: argparse.Namespace, top: Path, targets: list[str] | None) -> LintResult:
    """Lint each project (folder with its own config) that the targets reach; merge the results."""
    from llmward.discover import list_files
    from llmward.projects import plan, project_folders

    files = list_files(top)
    folders = [""] if args.root else project_folders(top, files)
    results = []
    for project in plan(folders, targets):
        prefix = project.prefix()
        inside = [f[len(prefix) :] for f in files if f.startswith(prefix)]
        results.append((prefix, _lint_one(args, top / project.folder, project, inside)))
    return _merge(results)


def _lint_one(
    args: argparse.Namespace, root: Path, project: Project, files: list[str]
) -> LintResult:
    from llmward import pipeline
    from llmward.config import load_config
    from llmward.discover import Classifier
    from llmward.policy.load import load_policies

    loaded = load_config(root, Path(args.config) if args.config else None)
    config = loaded.config
    policies = load_policies(config, root, select=args.select, ignore=args.ignore, changes=False)
    classifier = Classifier(config, project.nested)
    settings = pipeline.Settings(root, config, classifier, policies, cache=not args.no_cache)
    paths = list(project.paths) if project.paths is not None else None
    if paths and loaded.source is not None and _names_config(root, paths, loaded.source):
        paths = None  # the config changed: every file's findings may have changed
    for path in paths or ():
        if (root / path).is_file() and classifier.kind(path) is None:
            sys.stderr.write(
                f"llmward: warning: {path}: not an artifact by this project's "
                "`artifacts`, `formats` or `detect` globs; not checked\n"
            )
    result = pipeline.lint(settings, paths, None, jobs=args.jobs, files=files)
    for path in sorted(set(paths or ()) & set(result.unread)):
        sys.stderr.write(
            f"llmward: warning: {path}: its content is in no format llmward reads; not checked\n"
        )
    return result


def _merge(results: list[tuple[str, LintResult]]) -> LintResult:
    findings = tuple(
        sorted(f.with_(path=prefix + f.path) for prefix, r in results for f in r.findings)
    )
    by_code = {c.policy.code: c for _, r in results for c in r.policies.policies}
    from llmward.pipeline import LintResult

    first = results[0][1]
    policies = replace(first.policies, policies=tuple(by_code[c] for c in sorted(by_code)))
    strictest = min((r.fail_on for _, r in results), key=lambda s: SEVERITY_RANK[s])
    return LintResult(
        findings,
        sum(r.files for _, r in results),
        sum(r.artifacts for _, r in results),
        policies,
        strictest,
    )


def _names_config(root: Path, paths: list[str], source: Path) -> bool:
    try:
        config = source.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return False
    return config in paths
