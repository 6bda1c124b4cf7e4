"""The peers' virtualenv (bench/.work/peers): created on first run from peers.txt, then reused."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REQUIREMENTS = BENCH / "peers.txt"
OPTIONAL = ("semgrep",)
PACKAGES = ("yamllint", "check-jsonschema", "checkov", "semgrep")


@dataclass(frozen=True)
class PeerEnv:
    bin: Path
    versions: dict[str, str]  # installed peers only

    def has(self, package: str) -> bool:
        return package in self.versions


def ensure(venv: Path) -> PeerEnv:
    marker = venv / "bench-requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not (marker.is_file() and marker.read_text() == wanted):
        _install(venv)
        marker.write_text(wanted)
    return PeerEnv(venv / "bin", _versions(venv / "bin" / "python"))


def _install(venv: Path) -> None:
    print(f"installing peers into {venv.relative_to(BENCH.parent)} (once) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    if subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=False).returncode == 0:
        return
    print("full install failed; retrying without the optional peers", OPTIONAL, file=sys.stderr)
    required = [line for line in _requirements() if not line.startswith(OPTIONAL)]
    subprocess.run([*pip, *required], check=True)


def _requirements() -> list[str]:
    lines = (line.strip() for line in REQUIREMENTS.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _versions(python: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, sys\n"
        "found = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try: found[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(found))"
    )
    done = subprocess.run(
        [str(python), "-c", code, *PACKAGES], capture_output=True, text=True, check=True
    )
    found: dict[str, str] = json.loads(done.stdout)
    return found
