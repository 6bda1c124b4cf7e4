"""Hostile files, one test each: the real `llmward lint` on a real repository.

Every scenario of the hostile-input corpus (issue #7) runs the console script in a subprocess, with
a time limit, and asserts the exact finding (code, line, column) or the clear error, the exit code,
and that nothing reached stderr as a traceback. The property tests in test_hostile.py cover the
parser on arbitrary bytes; this file names each nasty file a reviewer may meet.
"""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import make_repo

TIME_LIMIT = 60  # seconds: a bound on a hang, not a timing assertion

PIN = """\
models:
  - id: m
    provider: openai
    model: gpt-4o
    params: {temperature: 0.2, max_tokens: 5}
"""
PINNED = PIN.replace("gpt-4o\n", "gpt-4o-2024-08-06\n")
PROMPT = "id: p\nversion: '1'\ndescription: d\nmessages: [{role: user, content: hi}]\n"
PIN001 = "'gpt-4o' is a floating OpenAI alias: pin a dated snapshot such as gpt-4o-2024-08-06"

Found = set[tuple[str, int, int, str]]  # (path, line, column, code)


def lint(repo: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """`llmward lint --format json` in `repo`: exit code, report, stderr (never a traceback)."""
    done = subprocess.run(
        [sys.executable, "-m", "llmward", "lint", "--format", "json", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIME_LIMIT,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


def found(report: dict[str, Any]) -> Found:
    return {(f["path"], f["line"], f["column"], f["code"]) for f in report["findings"]}


def messages(report: dict[str, Any], code: str) -> list[str]:
    return [f["message"] for f in report["findings"] if f["code"] == code]


def test_alias_bomb(tmp_path: Path) -> None:
    """Ten levels of ten aliases each: 10^10 values if expanded; stopped at 200,000."""
    bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n"
        for i in range(9)
    )
    repo = make_repo(tmp_path / "r", {"a.prompt.yaml": bomb})
    code, report, _ = lint(repo)
    assert code == 1
    assert found(report) == {("a.prompt.yaml", 6, 11, "GOV004")}
    assert messages(report, "GOV004") == [
        "the document expands to more than 200000 values (an alias bomb?): not read"
    ]


def test_nesting_10000_levels_deep(tmp_path: Path) -> None:
    """Deep flow sequences and mappings stop at 200 levels, where they cross it."""
    repo = make_repo(
        tmp_path / "r",
        {
            "a.prompt.yaml": "id: a\nmessages: " + "[" * 10_000 + "]" * 10_000 + "\n",
            "b.prompt.yaml": "id: b\nx: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
        },
    )
    code, report, _ = lint(repo)
    assert code == 1
    assert found(report) == {
        ("a.prompt.yaml", 2, 210, "GOV004"),
        ("b.prompt.yaml", 2, 800, "GOV004"),
    }
    assert set(messages(report, "GOV004")) == {"nesting deeper than 200 levels: not read"}


def test_very_long_line(tmp_path: Path) -> None:
    """A 1,000,000-character line just under the size limit is read and checked in full."""
    long = PROMPT.replace("content: hi", "content: '" + "x" * 1_000_000 + "'")
    long = long.replace("version:", "owner: '@acme/support'\nversion:")
    repo = make_repo(tmp_path / "r", {"p.prompt.yaml": long})
    code, report, _ = lint(repo, "--fail-on", "low")
    assert (code, found(report)) == (0, set())
    assert report["summary"]["artifacts"] == 1


def test_100_mb_file_is_refused_by_size_unread(tmp_path: Path) -> None:
    """Only limits.max_file_bytes + 1 bytes are read: the process never holds the file."""
    repo = make_repo(tmp_path / "r", {}, commit=False)
    big = repo / "big.prompt.yaml"
    with big.open("wb") as handle:
        handle.write(b"id: big\nmessages: []\n")
        handle.truncate(100 * 2**20)  # sparse: made in no time, 100 MiB to whoever reads it
    assert big.stat().st_size == 104_857_600
    # VmHWM is this process's own peak: ru_maxrss carries the forking parent's (pytest's, large
    # late in the suite) across exec on Linux, which would measure the test runner instead
    peak = (
        "import re, resource, runpy, sys\n"
        "try:\n"
        "    runpy.run_module('llmward', run_name='__main__')\n"
        "finally:\n"
        "    try:\n"
        "        status = open('/proc/self/status').read()\n"
        "        kib = int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
        "    except (OSError, AttributeError):\n"
        "        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    sys.stderr.write(f'peak-rss-kib={kib}\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", peak, "lint", "--format", "json", "-j", "1"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIME_LIMIT,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert found(report) == {("big.prompt.yaml", 1, 1, "GOV003")}
    [message] = messages(report, "GOV003")
    assert "over the 1,048,576-byte limit (raise limits.max_file_bytes" in message
    peak_kib = int(done.stderr.rsplit("peak-rss-kib=", 1)[1])
    assert peak_kib * 1024 < big.stat().st_size, f"peak RSS {peak_kib} KiB: the file was read"


def test_nul_bytes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": PIN.replace("gpt-4o\n", "gpt-4o\x00\n")})
    code, report, _ = lint(repo)
    assert (code, found(report)) == (1, {("models.yaml", 4, 1, "GOV003")})
    assert messages(report, "GOV003") == ["file contains NUL bytes: a binary file, not text"]


def test_invalid_utf8(tmp_path: Path) -> None:
    raw = PIN.encode() + b"# caf\xe9\n"  # Latin-1, not UTF-8
    repo = make_repo(tmp_path / "r", {"models.yaml": raw})
    code, report, _ = lint(repo)
    assert (code, found(report)) == (1, {("models.yaml", 6, 6, "GOV003")})
    assert messages(report, "GOV003") == [
        "not valid UTF-8: byte 0xe9 at line 6, column 6 (save the file as UTF-8)"
    ]


def pin(pin_id: str) -> str:
    return PIN.replace("id: m", f"id: {pin_id}")


def test_utf16_bom(tmp_path: Path) -> None:
    """UTF-16 (either byte order) and UTF-8 with a BOM: the same finding at the same place."""
    repo = make_repo(
        tmp_path / "r",
        {
            "le/models.yaml": pin("le").encode("utf-16"),  # a BOM, then native byte order
            "be/models.yaml": codecs.BOM_UTF16_BE + pin("be").encode("utf-16-be"),
            "u8/models.yaml": codecs.BOM_UTF8 + pin("u8").encode(),
        },
    )
    code, report, _ = lint(repo)
    assert code == 1
    assert found(report) == {(f"{d}/models.yaml", 4, 12, "PIN001") for d in ("le", "be", "u8")}
    assert set(messages(report, "PIN001")) == {PIN001}


def test_crlf_line_endings(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": PIN.replace("\n", "\r\n").encode()})
    code, report, _ = lint(repo)
    assert (code, found(report)) == (1, {("models.yaml", 4, 12, "PIN001")})


def test_mixed_line_endings(tmp_path: Path) -> None:
    raw = ("# pins\r\n" + PIN.replace("id: m\n", "id: m\r\n")).encode()
    repo = make_repo(tmp_path / "r", {"models.yaml": raw})
    code, report, _ = lint(repo)
    assert (code, found(report)) == (1, {("models.yaml", 5, 12, "PIN001")})


def test_duplicate_keys(tmp_path: Path) -> None:
    """A reviewer reads the first `model:`; loaders take the last, and so does the check."""
    pins = PINNED.replace("    params:", "    model: gpt-4o\n    params:")
    repo = make_repo(tmp_path / "r", {"models.yaml": pins})
    code, report, _ = lint(repo)
    assert code == 1
    assert found(report) == {("models.yaml", 5, 5, "GOV002"), ("models.yaml", 5, 12, "PIN001")}
    assert messages(report, "GOV002") == [
        "duplicate key 'model' (first defined on line 4); the last one wins"
    ]


def test_tab_indentation(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"models.yaml": "models:\n\t- id: m\n"})
    code, report, _ = lint(repo)
    assert (code, found(report)) == (1, {("models.yaml", 2, 1, "GOV001")})
    [message] = messages(report, "GOV001")
    assert message.startswith("cannot parse this file: while scanning for the next token")


def test_yaml_11_booleans(tmp_path: Path) -> None:
    """`enabled: off` is false to YAML 1.1 loaders (PyYAML): the rail is reported disabled."""
    rails = """\
id: g
on_error: block
input:
  - type: prompt_injection
    threshold: 0.5
    enabled: off
output:
  - {type: pii, action: redact}
"""
    repo = make_repo(tmp_path / "r", {"g.guardrails.yaml": rails})
    code, report, _ = lint(repo)
    assert code == 1
    assert found(report) == {
        ("g.guardrails.yaml", 3, 1, "GRD001"),
        ("g.guardrails.yaml", 6, 14, "GRD003"),
    }
    assert messages(report, "GRD003") == [
        "this rail of guardrail 'g' is disabled: turn it back on (enabled: true; in LiteLLM"
        " default_on: true) or remove it"
    ]


def test_yaml_11_sexagesimal_number(tmp_path: Path) -> None:
    """`1:20` is 80 to YAML 1.1 loaders: the value checked is the one the application gets."""
    repo = make_repo(
        tmp_path / "r", {"models.yaml": PINNED.replace("temperature: 0.2", "temperature: 1:20")}
    )
    code, report, _ = lint(repo, "--fail-on", "medium")
    assert (code, found(report)) == (1, {("models.yaml", 5, 27, "PIN009")})
    assert messages(report, "PIN009") == [
        "invalid temperature in pin 'm': 80 is greater than the maximum of 2 (a number from 0 to 2)"
    ]


def test_merge_keys(tmp_path: Path) -> None:
    """A merged value is checked where it lands; a merge of a non-mapping is GOV012."""
    pins = """\
models:
  - id: a
    provider: openai
    model: gpt-4o-2024-08-06
    params: &p {temperature: 3, max_tokens: 5}
  - id: b
    provider: openai
    model: gpt-4o-2024-08-06
    params: {<<: *p, top_p: 0.5}
  - id: c
    provider: openai
    model: gpt-4o-2024-08-06
    params:
      <<: [*p, strict]
"""
    repo = make_repo(tmp_path / "r", {"models.yaml": pins})
    code, report, _ = lint(repo, "--fail-on", "medium")
    assert code == 1
    assert found(report) == {
        ("models.yaml", 5, 30, "PIN009"),
        ("models.yaml", 9, 14, "PIN009"),
        ("models.yaml", 14, 7, "PIN009"),
        ("models.yaml", 14, 7, "GOV012"),
    }
    assert messages(report, "GOV012") == ["a merge key (<<) needs a mapping"]


def test_custom_python_tag(tmp_path: Path) -> None:
    """`!!python/object/apply` is reported, never constructed: the command does not run."""
    tagged = PIN.replace("model: gpt-4o", "model: !!python/object/apply:os.system [touch pwned]")
    repo = make_repo(tmp_path / "r", {"models.yaml": tagged})
    code, report, _ = lint(repo)
    assert code == 1
    assert ("models.yaml", 4, 12, "GOV006") in found(report)
    assert messages(report, "GOV006") == [
        "custom tag tag:yaml.org,2002:python/object/apply:os.system is not loaded"
    ]
    assert not (repo / "pwned").exists()


def test_symlink_pointing_outside_the_repository(tmp_path: Path) -> None:
    secret = tmp_path / "outside.prompt.yaml"
    secret.write_text("id: x\nmessages: [{role: user, content: hi}]\n")
    repo = make_repo(tmp_path / "r", {}, commit=False)
    (repo / "link.prompt.yaml").symlink_to(secret)
    code, report, _ = lint(repo)
    assert (code, found(report)) == (1, {("link.prompt.yaml", 1, 1, "GOV003")})
    [message] = messages(report, "GOV003")
    assert message.startswith("symbolic link outside the repository, not read: /")
    assert "GOV005" not in {code for *_, code in found(report)}  # its content was never parsed


def test_file_name_with_spaces(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"my prompts/with space.prompt.yaml": PROMPT})
    code, report, _ = lint(repo, "my prompts/with space.prompt.yaml")
    assert (code, found(report)) == (0, {("my prompts/with space.prompt.yaml", 1, 1, "PRM001")})


def test_file_name_with_a_newline(tmp_path: Path) -> None:
    """In JSON the name is data; in GitHub annotations the newline is escaped, never a new
    command line."""
    name = "new\nline.prompt.yaml"
    repo = make_repo(tmp_path / "r", {name: PROMPT})
    code, report, _ = lint(repo)
    assert (code, found(report)) == (0, {(name, 1, 1, "PRM001")})
    done = subprocess.run(
        [sys.executable, "-m", "llmward", "lint", "--format", "github"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIME_LIMIT,
    )
    assert done.stdout.splitlines()[0].startswith(
        "::warning file=new%0Aline.prompt.yaml,line=1,col=1,"
    )
    text = subprocess.run(
        [sys.executable, "-m", "llmward", "lint", "--format", "text"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIME_LIMIT,
    )
    assert text.stdout.splitlines()[0].startswith("new\\nline.prompt.yaml:1:1: PRM001")


def test_file_name_with_a_leading_dash(tmp_path: Path) -> None:
    """`-dash...` and `--config...` are file names, after `--` and in the repository walk."""
    names = ("-dash.prompt.yaml", "--config.prompt.yaml")
    repo = make_repo(
        tmp_path / "r", {n: PROMPT.replace("id: p", f"id: p{i}") for i, n in enumerate(names)}
    )
    expected = {(n, 1, 1, "PRM001") for n in names}
    code, report, _ = lint(repo)
    assert (code, found(report)) == (0, expected)
    code, report, _ = lint(repo, "--", *names)
    assert (code, found(report)) == (0, expected)


def test_100_mb_file_message_names_its_real_size(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {}, commit=False)
    with (repo / "big.prompt.yaml").open("wb") as handle:
        handle.truncate(100 * 2**20)
    _, report, _ = lint(repo)
    [message] = messages(report, "GOV003")
    assert message.startswith("file is 104,857,600 bytes")
