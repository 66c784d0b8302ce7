"""The real installed `scaffold new` wizard, driven through a pseudo-terminal with arrow keys."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import yaml

SCAFFOLD = Path(sys.executable).parent / "scaffold"
DOWN, UP, ENTER, CTRL_C = "\x1b[B", "\x1b[A", "\r", "\x03"
# pexpect never answers prompt_toolkit's cursor-position request; a real terminal does.
TERMINAL_ENV = {"TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
TEXT_QUESTIONS = ("Python package name", "One-line description", "Author name", "Author email")


@pytest.fixture
def wizard(tmp_path: Path) -> Iterator[pexpect.spawn]:
    """`scaffold new wiz` in a terminal, waiting at its first question."""
    assert SCAFFOLD.is_file(), f"scaffold is not installed in {SCAFFOLD.parent}"
    child = pexpect.spawn(
        str(SCAFFOLD),
        ["new", "wiz", "--no-git", "--output-dir", str(tmp_path)],
        cwd=str(tmp_path),
        # The template store stays this session's (conftest), outside the folder checked below.
        env=TERMINAL_ENV
        | {"PATH": f"{SCAFFOLD.parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
        | {"SCAFFOLD_CACHE_DIR": os.environ["SCAFFOLD_CACHE_DIR"]},
        dimensions=(40, 160),
        encoding="utf-8",
        timeout=20,
    )
    child.expect("What are you building")
    yield child
    child.close(force=True)


def choose(child: pexpect.spawn, *keys: str) -> None:
    """Press keys in an arrow-key menu, then Enter."""
    for key in keys:
        child.send(key)
    child.send(ENTER)


def test_arrow_keys_pick_every_menu_answer(wizard: pexpect.spawn, tmp_path: Path) -> None:
    """Target: Down, Up (back to crud); framework: Down to flask, overriding the recommendation."""
    # crud is the target the templates render today; the other targets are checked without render.
    choose(wizard, DOWN, UP)
    wizard.expect("Which framework\\? Recommended: fastapi, because a fully async stack")
    choose(wizard, DOWN)
    wizard.expect("Which database")
    choose(wizard, DOWN)
    for prompt in TEXT_QUESTIONS:
        wizard.expect(prompt)
        wizard.send(ENTER)
    wizard.expect("Rate-limit the API")
    wizard.send("n")
    wizard.expect("Use Redis")
    wizard.send(ENTER)
    wizard.expect("Minimum Python version")
    choose(wizard, DOWN)
    wizard.expect("Created wiz")
    wizard.expect(pexpect.EOF)
    wizard.close()
    assert wizard.exitstatus == 0, wizard.before
    answers = yaml.safe_load((tmp_path / "wiz" / ".copier-answers.yml").read_text())
    assert answers["target"] == "crud"
    assert answers["framework"] == "flask"
    assert answers["database"] == "sqlite"
    assert answers["project_slug"] == "wiz"
    assert answers["author_email"] == "you@example.com"
    assert answers["python_version"] == "3.12"
    assert answers["rate_limit"] is False
    assert answers["redis"] is False


def test_recommendation_follows_target_and_ctrl_c_writes_nothing(
    wizard: pexpect.spawn, tmp_path: Path
) -> None:
    """Down twice picks full-stack, so flask is recommended; Ctrl-C then aborts cleanly."""
    choose(wizard, DOWN, DOWN)
    wizard.expect("Recommended: flask, because server-rendered pages")
    wizard.send(CTRL_C)
    wizard.expect("aborted; nothing was written")
    wizard.expect(pexpect.EOF)
    wizard.close()
    assert wizard.exitstatus == 130
    assert sorted(path.name for path in tmp_path.iterdir()) == []
