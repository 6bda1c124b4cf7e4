"""The `llmward` command as users run it: exit codes, output formats, bad input, config errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, make_repo
from github_fake import commands_acted_on
from llmward.cli import main

SARIF_SCHEMA = json.loads((ROOT / "tests/data/sarif-2.1.0.json").read_text())
REPORT_SCHEMA = json.loads((ROOT / "src/llmward/schemas/report.schema.json").read_text())

MODELS_BAD = """\
models:
  - id: support-default
    provider: openai
    model: gpt-4o
    params: {temperature: 0.2, max_tokens: 500}
"""
MODELS_OK = MODELS_BAD.replace("gpt-4o\n", "gpt-4o-2024-08-06\n")


def run(repo: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        code = main(["lint", *args])
    finally:
        os.chdir(cwd)
    out, err = capsys.readouterr()
    return code, out, err


def test_console_script_reports_finding_with_exact_position(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    done = subprocess.run(
        [sys.executable, "-m", "llmward", "lint", "--select", "PIN001"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("models.yaml:4:12: PIN001 [high] 'gpt-4o' is a floating OpenAI alias")
    assert done.stdout.splitlines()[-1].startswith("1 finding (1 high) in 1 file")


def test_clean_repository_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_OK})
    code, out, _ = run(repo, "--select", "PIN001", capsys=capsys)
    assert code == 0
    assert out.startswith("0 findings in 1 file")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param([], 1, id="default"),
        pytest.param(["--exit-zero"], 0, id="exit-zero"),
        pytest.param(["--fail-on", "critical"], 0, id="below-threshold"),
        pytest.param(["--ignore", "PIN001"], None, id="ignored"),
    ],
)
def test_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int | None
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    got, out, _ = run(repo, *args, capsys=capsys)
    if code is None:
        assert "PIN001" not in out
    else:
        assert got == code


@pytest.mark.parametrize(
    ("name", "content", "code", "line"),
    [
        pytest.param("a.prompt.yaml", "id: a\nmessages: [\n", "GOV001", 3, id="invalid-yaml"),
        pytest.param(
            "a.prompt.yaml",
            "id: a\nmessages:\n  - role: robot\n    content: hi\n",
            "GOV005",
            3,
            id="wrong-type",
        ),
        pytest.param(
            "a.prompt.yaml",
            "id: a\nownr: x\nmessages: [{role: user, content: hi}]\n",
            "GOV005",
            2,
            id="unknown-field",
        ),
    ],
)
def test_bad_artifact_files_are_findings(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | bytes,
    code: str,
    line: int,
) -> None:
    repo = make_repo(tmp_path / "r", {name: content})
    got, out, err = run(repo, "--format", "json", capsys=capsys)
    assert got == 1, err
    findings = [(f["line"], f["code"]) for f in json.loads(out)["findings"]]
    assert (line, code) in findings


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param(
            "version: 1\nfail_onn: high\n",
            ".llmward.yaml:2:1: fail_onn: unknown key",
            id="unknown-key",
        ),
        pytest.param(
            "version: 1\nlimits:\n  max_bytes: 10\n",
            ".llmward.yaml:3:3: limits.max_bytes: unknown key 'max_bytes'; allowed keys "
            "here: max_file_bytes",
            id="unknown-nested-key",
        ),
        pytest.param(
            "version: 1\nfail_on: urgent\n",
            ".llmward.yaml:2:10: fail_on: Input should be",
            id="bad-enum",
        ),
        pytest.param("version: 1\nexclude: 5\n", ".llmward.yaml:2:10: exclude:", id="wrong-type"),
        pytest.param(
            "severity: {PINX01: low}\n",
            ".llmward.yaml:1:12: severity.PINX01: 'PINX01' is "
            "not a policy code (2-5 capital letters",
            id="bad-code",
        ),
        pytest.param(
            "disable: [PIN999]\n", "disable: unknown policy code 'PIN999'", id="unknown-code"
        ),
        pytest.param(
            "severity:\n  PIN001: extreme\n",
            ".llmward.yaml:2:11: severity.PIN001: Input",
            id="bad-severity",
        ),
        pytest.param("version: [\n", ".llmward.yaml:2:1:", id="invalid-yaml"),
        pytest.param("policies:\n  packs: [nope]\n", "unknown policy pack 'nope'", id="bad-pack"),
    ],
)
def test_config_errors_exit_2_with_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, expected: str
) -> None:
    repo = make_repo(tmp_path / "r", {".llmward.yaml": config, "models.yaml": MODELS_OK})
    got, _out, err = run(repo, capsys=capsys)
    assert got == 2
    assert expected in err, err
    assert "Traceback" not in err


def test_pyproject_config_errors_name_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = '[project]\nname = "x"\n\n[tool.llmward]\nfail_on = "high"\nexclud = []\n'
    repo = make_repo(tmp_path / "r", {"pyproject.toml": pyproject, "models.yaml": MODELS_OK})
    got, _, err = run(repo, capsys=capsys)
    assert got == 2
    assert "pyproject.toml:6:1: exclud: unknown key 'exclud'" in err


def test_pyproject_config_is_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject = '[tool.llmward]\ndisable = ["PIN001"]\n'
    repo = make_repo(tmp_path / "r", {"pyproject.toml": pyproject, "models.yaml": MODELS_BAD})
    _, out, _ = run(repo, capsys=capsys)
    assert "PIN001" not in out


def test_pyproject_dotted_keys_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pyproject = '[project]\nname = "x"\n\n[tool]\nllmward.disable = ["PIN001"]\n'
    repo = make_repo(tmp_path / "r", {"pyproject.toml": pyproject, "models.yaml": MODELS_BAD})
    _, out, _ = run(repo, capsys=capsys)
    assert "PIN001" not in out


def test_home_directory_config_is_never_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".llmward.yaml").write_text("disable: [PIN001]\n")
    monkeypatch.setenv("HOME", str(home))
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    _, out, _ = run(repo, capsys=capsys)
    assert "PIN001" in out


def test_broken_user_policy_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = "id: my-rule\ncode: PIN901\nkind: model\nseverity: loud\n"
    repo = make_repo(
        tmp_path / "r",
        {
            ".llmward.yaml": "policies: {paths: [mine]}\n",
            "mine/model/my-rule.yaml": policy,
            "models.yaml": MODELS_OK,
        },
    )
    got, _, err = run(repo, capsys=capsys)
    assert got == 2
    assert "mine/model/my-rule.yaml:4:11: severity: Input should be" in err


def test_user_policy_with_invalid_schema_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = (
        "id: my-rule\ncode: PIN901\nkind: model\nseverity: low\ntitle: t\nmessage: m\n"
        "docs: {what: w, why: y, example: e, use_instead: u}\n"
        "match:\n  select: /model\n  schema: {type: strin}\n"
    )
    repo = make_repo(
        tmp_path / "r",
        {
            ".llmward.yaml": "policies: {paths: [mine]}\n",
            "mine/model/my-rule.yaml": policy,
            "models.yaml": MODELS_OK,
        },
    )
    got, _, err = run(repo, capsys=capsys)
    assert got == 2
    assert "my-rule.yaml:10:3: match.schema: invalid JSON Schema" in err


def test_user_policy_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = (
        "id: no-gpt-3\ncode: PIN901\nkind: model\nseverity: high\ntitle: No GPT-3\n"
        'message: "{value} is not allowed here"\n'
        "docs: {what: w, why: y, example: e, use_instead: u}\n"
        "match:\n  select: /model\n  schema: {not: {pattern: '^gpt-3'}}\n"
    )
    models = MODELS_OK.replace("gpt-4o-2024-08-06", "gpt-3.5-turbo-0125")
    repo = make_repo(
        tmp_path / "r",
        {
            ".llmward.yaml": "policies: {paths: [mine]}\n",
            "mine/model/no-gpt-3.yaml": policy,
            "models.yaml": models,
        },
    )
    got, out, _ = run(repo, "--select", "PIN901", capsys=capsys)
    assert got == 1
    assert "models.yaml:4:12: PIN901 [high] gpt-3.5-turbo-0125 is not allowed here" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["missing.yaml"], "missing.yaml: no such file or folder", id="missing-path"),
        pytest.param(
            ["--select", "XYZ999"], "--select: unknown policy code 'XYZ999'", id="unknown-select"
        ),
        pytest.param(["--baseline", "nope.json"], "baseline not found", id="missing-baseline"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_OK})
    got, _, err = run(repo, *args, capsys=capsys)
    assert got == 2
    assert expected in err


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["lint", "--format", "xml"])
    assert exit_.value.code == 2


def test_internal_error_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmward import pipeline

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "lint", boom)
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_OK})
    got, _, err = run(repo, capsys=capsys)
    assert got == 3
    assert "internal error: RuntimeError: disk on fire" in err
    assert "Traceback" not in err


def test_interrupt_exits_130(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llmward import pipeline

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "lint", interrupted)
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_OK})
    assert run(repo, capsys=capsys)[0] == 130


def test_json_report_matches_its_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    _, out, _ = run(repo, "--format", "json", "--select", "PIN001", capsys=capsys)
    report = json.loads(out)
    jsonschema.validate(report, REPORT_SCHEMA)
    (finding,) = report["findings"]
    assert finding | {"fingerprint": "x", "value_hash": "y"} == {
        "code": "PIN001",
        "policy": "openai-floating-alias",
        "severity": "high",
        "message": "'gpt-4o' is a floating OpenAI alias: pin a dated snapshot such as "
        "gpt-4o-2024-08-06",
        "path": "models.yaml",
        "line": 4,
        "column": 12,
        "end_line": 4,
        "end_column": 18,
        "pointer": "/models/0/model",
        "artifact": "model:support-default",
        "fingerprint": "x",
        "value_hash": "y",
        "suppressed": None,
        "baselined": False,
    }
    assert report["summary"]["findings"] == {"critical": 0, "high": 1, "medium": 0, "low": 0}


def test_sarif_is_valid_and_tracks_findings_across_line_moves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    _, out, _ = run(repo, "--format", "sarif", capsys=capsys)
    sarif = json.loads(out)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    run_ = sarif["runs"][0]
    result = next(r for r in run_["results"] if r["ruleId"] == "PIN001")
    assert result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "startColumn": 12, "endLine": 4, "endColumn": 18}
    rule = run_["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "PIN001"
    assert rule["properties"]["security-severity"] == "8.0"
    assert rule["helpUri"].endswith("#pin001")
    assert rule["help"]["markdown"]
    (repo / "models.yaml").write_text("# a comment moves every line down\n\n" + MODELS_BAD)
    _, moved, _ = run(repo, "--format", "sarif", capsys=capsys)
    after = next(r for r in json.loads(moved)["runs"][0]["results"] if r["ruleId"] == "PIN001")
    assert after["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    assert after["partialFingerprints"] == result["partialFingerprints"]


def test_github_format_is_chosen_under_actions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    _, out, _ = run(repo, "--select", "PIN001", capsys=capsys)
    assert commands_acted_on(out)[0] == (
        "::error file=models.yaml,line=4,col=12,endLine=4,title=PIN001 openai-floating-alias::"
        "[high] 'gpt-4o' is a floating OpenAI alias: pin a dated snapshot such as gpt-4o-2024-08-06"
    )


def test_github_format_caps_annotations_per_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = "models:\n" + "".join(
        f"  - {{id: p{i}, provider: openai, model: gpt-4o, params: {{max_tokens: 5}}}}\n"
        for i in range(15)
    )
    repo = make_repo(tmp_path / "r", {"models.yaml": pins})
    _, out, _ = run(repo, "--format", "github", "--select", "PIN001", capsys=capsys)
    lines = out.splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert "::notice::5 more finding(s) not annotated" in out


def test_output_file_is_written_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    got, out, _ = run(repo, "--format", "sarif", "--output", "out/report.sarif", capsys=capsys)
    assert got == 1
    assert json.loads((repo / "out/report.sarif").read_text())["version"] == "2.1.0"
    assert out.startswith("1 finding")
    assert [p.name for p in (repo / "out").iterdir()] == ["report.sarif"]
    assert oct((repo / "out/report.sarif").stat().st_mode & 0o777) != "0o600"


def test_full_disk_keeps_the_old_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD, "old.json": "previous\n"})

    def full(_: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    got, _, err = run(repo, "--format", "json", "--output", "old.json", capsys=capsys)
    assert got == 2
    assert "old.json: cannot write (No space left on device); nothing was written" in err
    assert (repo / "old.json").read_text() == "previous\n"
    assert sorted(p.name for p in repo.iterdir() if p.name not in (".git", ".llmward_cache")) == [
        "models.yaml",
        "old.json",
    ]


def test_output_into_a_file_path_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD, "blocker": "x"})
    got, _, err = run(repo, "--output", "blocker/r.json", capsys=capsys)
    assert got == 2
    assert "blocker/r.json: cannot write" in err
    assert (repo / "blocker").read_text() == "x"


def test_rules_explain_schema_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--all"]) == 0
    out = capsys.readouterr().out
    assert "PIN001  high" in out
    assert main(["explain", "pin001"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PIN001 openai-floating-alias [high] (model)")
    assert "Use instead" in out
    assert main(["explain", "NOPE01"]) == 2
    capsys.readouterr()
    assert main(["schema", "prompt"]) == 0
    assert json.loads(capsys.readouterr().out)["title"].startswith("llmward prompt")
    target = tmp_path / "cfg.yaml"
    assert main(["init", "--path", str(target)]) == 0
    assert target.read_text().startswith("# llmward configuration")
    assert main(["init", "--path", str(target)]) == 2
    _starter_says_the_defaults(target.read_text())


def _starter_says_the_defaults(text: str) -> None:
    """The starter's `detect` and its commented approvals are what llmward does without them."""
    import re

    from llmward.config import Config, parse_config

    config = parse_config("cfg.yaml", text.encode())
    assert config.detect == Config().detect
    head, block = text.split("# approvals:\n")
    uncommented = head + "approvals:\n" + re.sub(r"(?m)^# ", "", block)
    config = parse_config("cfg.yaml", uncommented.encode())
    wanted = {tier: r for tier, r in Config().approvals.required.items() if r.count}
    assert config.approvals.required == wanted


PROMPT_MIN = (
    'id: p\nversion: "1.0.0"\nowner: "@a"\ndescription: d\nmessages: [{role: user, content: hi}]\n'
)


def test_monorepo_each_file_uses_its_nearest_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(
        tmp_path / "mono",
        {
            "svc-a/.llmward.yaml": "version: 1\n",
            "svc-a/models.yaml": MODELS_BAD,
            "svc-b/.llmward.yaml": "disable: [PIN001]\n",
            "svc-b/models.yaml": MODELS_BAD,
        },
    )
    code, out, err = run(repo, "svc-a/models.yaml", "svc-b/models.yaml", capsys=capsys)
    assert code == 1, err
    assert "svc-a/models.yaml:4:12: PIN001" in out
    assert "svc-b/models.yaml" not in out  # its own config disables PIN001
    _, whole, _ = run(repo, "--format", "github", capsys=capsys)
    assert "file=svc-a/models.yaml,line=4" in whole  # paths from the repository top
    assert "GOV011" not in whole  # the two projects' ids do not collide


def test_explicit_non_artifact_file_is_not_a_silent_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"notes.txt": "sk-proj-" + "a1B2" * 10 + "\n"})
    code, _out, err = run(repo, "notes.txt", capsys=capsys)
    assert code == 0
    assert (
        "notes.txt: not an artifact by this project's `artifacts`, `formats` or `detect` globs"
        in err
    )


def test_explicit_file_in_no_known_format_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A YAML file passed by name that no format claims: said so, not silently passed."""
    repo = make_repo(tmp_path / "r", {"deploy.yaml": "kind: Deployment\nspec: [1\n"})
    code, out, err = run(repo, "deploy.yaml", capsys=capsys)
    assert code == 0 and "GOV001" not in out
    assert "deploy.yaml: its content is in no format llmward reads; not checked" in err


def test_deleted_unstaged_file_is_not_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_OK, "p.prompt.yaml": PROMPT_MIN})
    (repo / "p.prompt.yaml").unlink()
    code, out, _ = run(repo, capsys=capsys)
    assert "GOV003" not in out and code == 0


@pytest.mark.parametrize("content", ["", "# only a comment\n", "null\n"])
def test_empty_artifact_file_breaks_its_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    repo = make_repo(tmp_path / "r", {"p.prompt.yaml": content})
    code, out, _ = run(repo, "--select", "GOV005", capsys=capsys)
    assert code == 1
    assert "'id' is a required property" in out


def test_unquoted_version_is_read_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"p.prompt.yaml": PROMPT_MIN.replace('"1.0.0"', "1.10")})
    _code, out, _ = run(repo, "--format", "json", capsys=capsys)
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert not codes & {"GOV005", "PRM002"}, out


def test_ignore_of_a_disabled_code_is_not_unused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = MODELS_BAD.replace(
        "model: gpt-4o\n", "model: gpt-4o  # llmward: ignore[PIN001] canary\n"
    )
    repo = make_repo(tmp_path / "r", {"models.yaml": models})
    _, out, _ = run(repo, "--ignore", "PIN001", capsys=capsys)
    assert "GOV009" not in out
    _, out, _ = run(repo, "--select", "GOV009", capsys=capsys)
    assert "GOV009" not in out


def test_select_by_prefix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD, "p.prompt.yaml": PROMPT_MIN})
    _, out, _ = run(repo, "--select", "pin", "--format", "json", capsys=capsys)
    assert {f["code"][:3] for f in json.loads(out)["findings"]} == {"PIN"}


def test_dedicated_toml_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(
        tmp_path / "r", {"llmward.toml": 'disable = ["PIN001"]\n', "models.yaml": MODELS_BAD}
    )
    _, out, _ = run(repo, "--config", "llmward.toml", capsys=capsys)
    assert "PIN001" not in out
    (repo / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    code, _, err = run(repo, "--config", "pyproject.toml", capsys=capsys)
    assert code == 2 and "no [tool.llmward] table" in err


def test_write_baseline_says_what_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    code, _, err = run(repo, "--select", "PIN001", "--write-baseline", "b.json", capsys=capsys)
    assert code == 0
    assert "llmward: wrote 1 finding(s) to b.json" in err


def test_jobs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["lint", "-j", "0"])
    assert exit_.value.code == 2


def test_output_to_a_device_writes_through_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-o /dev/null` must not replace /dev/null with a regular file (a rename would, as root)."""
    repo = make_repo(tmp_path / "r", {"models.yaml": MODELS_BAD})
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got, _, _ = run(repo, "--format", "json", "--output", os.devnull, capsys=capsys)
    assert got == 1
    assert Path(os.devnull).is_char_device()
    import threading

    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    run(repo, "--format", "json", "--output", str(fifo), capsys=capsys)
    reader.join(timeout=30)
    assert fifo.is_fifo() and json.loads(received[0])["version"] == "1.1"


def _user_policy(pattern: str) -> str:
    return (
        "id: no-bad-model\ncode: ACM001\nkind: model\nseverity: high\ntitle: t\n"
        'message: "{error}"\ndocs: {what: w, why: y, example: e, use_instead: u}\n'
        f"match:\n  select: /model\n  schema: {{pattern: '{pattern}'}}\n"
    )


def test_user_pattern_runs_in_linear_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """(a+)+$ on 40 a's and a '!' takes Python's re about 2^40 steps; user packs run on RE2."""
    models = "models:\n  - {id: m, provider: openai, model: " + "a" * 40 + "!}\n"
    repo = make_repo(
        tmp_path / "r",
        {
            ".llmward.yaml": "policies: {paths: [mine]}\n",
            "mine/no-bad-model.yaml": _user_policy("^(a+)+$"),
            "models.yaml": models,
        },
    )
    import time

    start = time.perf_counter()
    code, out, err = run(repo, "--select", "ACM001", capsys=capsys)
    assert time.perf_counter() - start < 60  # a bound on a hang, not a timing assertion
    assert code == 1, err
    assert "does not match '^(a+)+$'" in out


def test_user_pattern_needing_lookaround_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(
        tmp_path / "r",
        {
            ".llmward.yaml": "policies: {paths: [mine]}\n",
            "mine/no-bad-model.yaml": _user_policy("(?<!x)gpt"),
            "models.yaml": MODELS_OK,
        },
    )
    code, _, err = run(repo, capsys=capsys)
    assert code == 2
    assert "cannot run in linear time" in err and "lookaround" in err
