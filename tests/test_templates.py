"""Template analysis: the jinja2 fast path agrees exactly with Jinja's parser, and the one-file
lint path stays cheap (no jinja2 import for simple prompts, no regex compiled at import)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from conftest import ROOT, copy_tree, make_repo
from llmward.policy.matchers import templates
from llmward.policy.matchers.templates import Template

# Names the fast path must treat as Jinja does: globals, literals, operators, specials, plain.
NAMES = st.one_of(
    st.sampled_from(
        ["x", "y", "name", "range", "dict", "true", "None", "self", "loop", "not", "if", "in", "_"]
    ),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,4}", fullmatch=True),
)
SPACE = st.sampled_from(["", " ", "  ", "\n", "\t"])


@st.composite
def placeholders(draw: st.DrawFn) -> str:
    path = ".".join(draw(st.lists(NAMES, min_size=1, max_size=3)))
    left = draw(st.sampled_from(["{{", "{{-", "{{+"]))
    right = draw(st.sampled_from(["}}", "-}}"]))
    return f"{left}{draw(SPACE)}{path}{draw(SPACE)}{right}"


FRAGMENTS = st.one_of(
    st.text(alphabet="ab {}%#-.|\n", max_size=6),  # plain text, stray braces and all
    placeholders(),
    st.builds("{{{{ {} | upper }}}}".format, NAMES),
    st.builds("{{% if {} %}}..{{% endif %}}".format, NAMES),
    st.sampled_from(["{{ x }}", "{{x.y}}", "{{- x -}}", "{{ true }}", "{{ range }}", "{{ self }}"]),
    st.sampled_from(
        ["\n", "{{", "}}", "{#", "#}", "{%", "%}", "{# c #}", "{# {{ x }} #}", "{{ not }}"]
    ),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(FRAGMENTS, max_size=8).map("".join))
def test_fast_path_agrees_with_jinja(text: str) -> None:
    fast = templates._jinja_simple(text)
    event("fast path" if fast is not None else "Jinja's parser")
    if fast is not None:
        assert fast == templates._jinja_parse(text)


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        pytest.param("Hello {{ name }}.", {"name"}, id="one"),
        pytest.param("{{- user.profile.name -}} and {{x}}", {"user", "x"}, id="attrs-and-trim"),
        pytest.param(
            "{{ true }} {{ None }} {{ range }} {{ lipsum }}", set(), id="literals-globals"
        ),
        pytest.param("a } b { c }} d", set(), id="stray-braces"),
        pytest.param("{{ x }}}\n{{\ty\n}}", {"x", "y"}, id="whitespace"),
        pytest.param("", set(), id="empty"),
    ],
)
def test_fast_path_reads_simple_templates(text: str, variables: set[str]) -> None:
    assert templates._jinja_simple(text) == Template(frozenset(variables))
    assert templates._jinja_parse(text) == Template(frozenset(variables))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{{ x | upper }}", id="filter"),
        pytest.param("{% if x %}y{% endif %}", id="block"),
        pytest.param("{# c #}{{ x }}", id="comment"),
        pytest.param("{{ x", id="unclosed"),
        pytest.param("a {{ {{ x }}", id="stray-open"),
        pytest.param("{{{ x }}}", id="triple"),
        pytest.param("{{ self }}", id="self"),
        pytest.param("{{ not }}", id="operator"),
        pytest.param("{{ true.x }}", id="literal-attr"),
        pytest.param("{{+ x }}", id="plus"),
        pytest.param("{{ x . y }}", id="spaced-dot"),
        pytest.param("{{ 1 }}", id="number"),
        pytest.param("{{ caf\u00e9 }}", id="unicode-name"),
    ],
)
def test_fast_path_leaves_the_rest_to_jinja(text: str) -> None:
    assert templates._jinja_simple(text) is None
    assert templates._jinja(text) == templates._jinja_parse(text)


def test_jinja_globals_are_jinjas() -> None:
    assert set(jinja2.Environment().globals) == templates.JINJA_GLOBALS


PROMPT = """\
id: simple
version: "1.0.0"
owner: "@acme/support"
description: A prompt with placeholders only.
model: support-default
guardrails: [support-rails]
inputs:
  - {{name: company, trusted: true}}
  - {{name: question, max_length: 2000}}
messages:
  - role: system
    content: "You answer for {{{{ company.name }}}}."
  - role: user
    content: "{content}"
"""

# Runs the one-file lint as pre-commit does, then says whether jinja2 was imported.
LINT = (
    "import sys; from llmward.cli import main; code = main(['lint', '--no-cache', "
    "'prompts/p.prompt.yaml']); sys.stderr.write(f'jinja2={\"jinja2\" in sys.modules}')"
)


@pytest.mark.parametrize(
    ("content", "imported"),
    [
        pytest.param("<question>{{- question -}}</question>", False, id="simple"),
        pytest.param("<question>{{ question | trim }}</question>", True, id="filter"),
    ],
)
def test_linting_a_simple_prompt_does_not_import_jinja2(
    tmp_path: Path, content: str, imported: bool
) -> None:
    copy_tree(ROOT / "policies/fixture-world", tmp_path / "r")
    repo = make_repo(tmp_path / "r", {"prompts/p.prompt.yaml": PROMPT.format(content=content)})
    done = subprocess.run(
        [sys.executable, "-c", LINT], cwd=repo, capture_output=True, text=True, check=False
    )
    assert done.stderr.endswith(f"jinja2={imported}"), done.stderr
    assert done.stdout.startswith("0 findings in 1 file"), done.stdout


# Imports the matchers with re.compile watched, once the modules they sit on are loaded.
IMPORT = """\
import re, sys
import llmward.policy.evaluate
compiled, real = [], re.compile
def spy(*args, **kwargs):
    compiled.append(sys._getframe(1).f_code.co_filename.replace("\\\\", "/"))
    return real(*args, **kwargs)
re.compile = spy
import llmward.policy.matchers
print(" ".join(sorted({f.rsplit("/", 1)[1] for f in compiled if "/policy/matchers/" in f})))
"""


def test_importing_the_matchers_compiles_no_pattern() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT], capture_output=True, text=True, check=True
    )
    compiled = set(done.stdout.split())
    assert not compiled & {"templates.py", "secrets.py", "pii.py", "_text.py"}, compiled
