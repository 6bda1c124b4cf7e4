from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
# Read once at import: the autouse fixture below hides CI from the tests themselves.
UNDER_CI = bool(os.environ.get("CI"))
# Debian's package; the README names the same command beside the test command.
CHROMIUM_INSTALL = "apt-get update && apt-get install -y chromium"

# CI runs the same examples every time (a failure there is a regression, not luck); searching for
# new failures is bench/fuzz.py's job, with a larger budget.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
}


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the runner's GitHub Actions variables, git identity or home config."""
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "PRE_COMMIT", "LLMWARD_")) or name == "CI":
            monkeypatch.delenv(name, raising=False)
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    yield


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **GIT_ENV},
    )
    if done.returncode != 0:  # say why: a bare CalledProcessError hides git's message
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{done.stderr}")
    return done.stdout


def make_repo(path: Path, files: dict[str, str | bytes], commit: bool = True) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for name, content in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if commit and files:
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "initial")
    return path


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)


def corrupt(repo: Path, ref: str) -> None:
    """Point `ref` at a blob: what a bad push or a disk error can leave."""
    blob = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=repo,
        input=b"junk",
        capture_output=True,
        check=True,
    ).stdout.decode()
    git(repo, "update-ref", ref, blob.strip())


def chromium_binary() -> str:
    """Headless Chromium for the HTML report's tests. Without it they skip and say how to get it,
    except under CI, where a missing browser is a failure: a skip there would hide the tests."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        message = f"headless Chromium renders the HTML report here; install it: {CHROMIUM_INSTALL}"
        if UNDER_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


# ---- the real pre-commit framework -------------------------------------------------------------


@dataclass(frozen=True)
class HookRepo:
    """A committed snapshot of this project (what `rev:` points at) and one pre-commit store.

    One store for the whole run: pre-commit builds the hook's virtual environment once per
    (repository, rev) and reuses it, as it does on a user's machine. (`pre-commit try-repo` makes
    a new store, and so a new environment, on every call: minutes of pip per test.)"""

    path: Path
    rev: str
    home: Path

    def run(
        self, repo: Path, hook: str, *args: str, stages: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """`pre-commit run HOOK` in `repo`, configured as a user would: repo, rev, hook id."""
        config = repo.parent / f"{repo.name}-pre-commit-config.yaml"
        extra = f"\n        stages: [{stages}]" if stages else ""
        config.write_text(
            f"repos:\n  - repo: {self.path}\n    rev: {self.rev}\n"
            f"    hooks:\n      - id: {hook}{extra}\n",
            encoding="utf-8",
        )
        return pre_commit(repo, self.home, "run", "--config", str(config), hook, *args)


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("GIT_CONFIG_GLOBAL", None)  # pre-commit's own git calls need a usable identity file
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def hook_repo_snapshot(snapshot: Path) -> Path:
    """A committed snapshot of this project: what `rev:` would point at."""
    for name in ("src", "policies"):
        shutil.copytree(
            ROOT / name, snapshot / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, snapshot / name)
    make_repo(snapshot, {})
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    return snapshot


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    snapshot = hook_repo_snapshot(tmp_path_factory.mktemp("llmward-hook"))
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=snapshot, capture_output=True, text=True, check=True
    ).stdout.strip()
    return HookRepo(snapshot, rev, tmp_path_factory.mktemp("pre-commit-home"))
