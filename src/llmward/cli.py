"""argparse wiring only: every command is a module in commands/ with add_arguments() and run()."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from llmward import __version__
from llmward.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, LlmwardError

COMMANDS = {
    "lint": "check artifact files against the policy packs",
    "diff": "semantic diff and risk score between two git refs",
    "check": "lint, diff, risk and approvals of a change: one verdict",
    "approve": "sign an approval of the changes between two git refs into a git note",
    "audit": "tamper-evident audit records of checked changes: record, verify, log, export",
    "rules": "list the policies",
    "explain": "print one policy's documentation",
    "schema": "print the JSON Schema of a file format",
    "init": "write a commented starter .llmward.yaml",
}


def build_parser(wanted: str | None = None) -> argparse.ArgumentParser:
    """The parser. With `wanted` (the command on the command line), only that command's module is
    imported to declare its options: the others are listed by name and help alone, which keeps a
    pre-commit run from importing every command."""
    parser = argparse.ArgumentParser(
        prog="llmward",
        description="Policy-as-code for prompts, model pins and guardrail configs.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, "
        "2 usage/config/policy error, "
        "3 internal error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"llmward {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, help_ in COMMANDS.items():
        if wanted is not None and name != wanted:
            sub.add_parser(name, help=help_)
            continue
        module = import_module(f"llmward.commands.{name}")
        command = sub.add_parser(name, help=help_, description=(module.__doc__ or help_).strip())
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from llmward.actions import commands_fenced

    with commands_fenced():  # no file name or message from a pull request runs as a command
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        wanted = next((w for w in words if not w.startswith("-")), None)
        args = build_parser(wanted if wanted in COMMANDS else None).parse_args(words)
        code: int = args.run(args)
        from llmward.verified import STORE

        STORE.save()
        return code
    except LlmwardError as err:
        print(f"llmward: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("llmward: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as err:
        if os.environ.get("LLMWARD_DEBUG"):
            raise
        print(
            f"llmward: internal error: {type(err).__name__}: {err}\n"
            "Run again with LLMWARD_DEBUG=1 for a traceback, and please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
