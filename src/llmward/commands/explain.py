"""Print one policy's documentation: what it finds, why, an example and the fix."""

from __future__ import annotations

import argparse
import sys

from llmward.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("code", metavar="CODE", help="a policy code (PIN001) or id")
    p.add_argument("--config", metavar="FILE", help="config file")
    p.add_argument("--root", metavar="DIR", help="repository root")


def run(args: argparse.Namespace) -> int:
    from llmward.commands.rules import _policies, explain_text

    args.all = False
    wanted = args.code.strip()
    for policy, severity in _policies(args):
        if wanted.upper() == policy.code or wanted == policy.id:
            sys.stdout.write(explain_text(policy, severity))
            return 0
    raise UsageError(f"no policy with code or id '{wanted}' (`llmward rules` lists them)")
