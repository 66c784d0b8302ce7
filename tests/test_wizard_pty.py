"""The real installed `scaffold new` wizard, driven through a pseudo-terminal with arrow keys.

pyte, a terminal emulator, keeps the screen as a person sees it, so the narrow-terminal test can
check that no word is split across lines and no reason is cut off at the edge.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pyte
import pytest
import yaml

from scaffold.advisor import load_numbers

SCAFFOLD = Path(sys.executable).parent / "scaffold"
DOWN, UP, ENTER, CTRL_C = "\x1b[B", "\x1b[A", "\r", "\x03"
# pexpect never answers prompt_toolkit's cursor-position request; a real terminal does.
TERMINAL_ENV = {"TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
TEXT_QUESTIONS = ("Python package name", "One-line description", "Author name", "Author email")


def spawn(tmp_path: Path, columns: int = 160, *args: str) -> pexpect.spawn:
    """`scaffold new wiz` in a terminal of the given width, with git's identity set to Ada."""
    assert SCAFFOLD.is_file(), f"scaffold is not installed in {SCAFFOLD.parent}"
    gitconfig = tmp_path.parent / f"{tmp_path.name}.gitconfig"
    gitconfig.write_text("[user]\n\tname = Ada Lovelace\n\temail = ada@example.org\n")
    env = TERMINAL_ENV | {
        "PATH": f"{SCAFFOLD.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        # The template store stays this session's (conftest), outside the folder checked below.
        "SCAFFOLD_CACHE_DIR": os.environ["SCAFFOLD_CACHE_DIR"],
        "COLUMNS": str(columns),
    }
    return pexpect.spawn(
        str(SCAFFOLD),
        ["new", "wiz", "--no-git", "--no-lock", "--output-dir", str(tmp_path), *args],
        cwd=str(tmp_path),
        env=env,
        dimensions=(40, columns),
        encoding="utf-8",
        timeout=30,
    )


@pytest.fixture
def wizard(tmp_path: Path) -> Iterator[pexpect.spawn]:
    """The wizard at its first question."""
    child = spawn(tmp_path)
    child.expect(r"\(1/10\) What are you building")
    yield child
    child.close(force=True)


def choose(child: pexpect.spawn, *keys: str) -> None:
    """Press keys in an arrow-key menu, then Enter."""
    for key in keys:
        child.send(key)
    child.send(ENTER)


def answer_rest(child: pexpect.spawn) -> None:
    """From the package name on, take every default; the rate limit question then Python."""
    for prompt in TEXT_QUESTIONS:
        child.expect(prompt)
        child.send(ENTER)
    child.expect("Rate-limit the API")
    child.send(ENTER)
    child.expect("Keep the rate-limit counters in Redis")
    child.send(ENTER)
    child.expect("Minimum Python version")
    child.send(ENTER)


def reach_the_summary(child: pexpect.spawn) -> None:
    """Take the first choice or the default everywhere, up to the summary's confirmation."""
    choose(child)
    child.expect("Help me choose the framework")
    child.send(ENTER)
    child.expect("Which framework")
    choose(child)
    child.expect("Which database")
    choose(child)
    answer_rest(child)
    child.expect("Create the project with these answers")


def test_arrow_keys_numbering_git_defaults_and_the_summary(
    wizard: pexpect.spawn, tmp_path: Path
) -> None:
    """Down, Up (back to crud); decline the advisor; Down to flask; no rate limit (so no Redis)."""
    choose(wizard, DOWN, UP)
    wizard.expect("Help me choose the framework")
    wizard.send(ENTER)
    wizard.expect(r"\(2/10\) Which framework\? Recommended: fastapi, because a fully async stack")
    choose(wizard, DOWN)
    wizard.expect(r"\(3/10\) Which database")
    choose(wizard, DOWN)
    for number, prompt in enumerate(TEXT_QUESTIONS, start=4):
        wizard.expect(rf"\({number}/10\) {prompt}")
        wizard.send(ENTER)
    wizard.expect(r"\(8/10\) Rate-limit the API")
    wizard.send("n")
    # Redis only applies with rate limiting: it is not asked, and the count says so.
    wizard.expect(r"\(9/9\) Minimum Python version")
    choose(wizard, DOWN)
    wizard.expect("Your answers:")
    wizard.expect("Create the project with these answers")
    wizard.send(ENTER)
    wizard.expect("Created wiz")
    wizard.expect(pexpect.EOF)
    wizard.close()
    assert wizard.exitstatus == 0, wizard.before
    answers = yaml.safe_load((tmp_path / "wiz" / ".copier-answers.yml").read_text())
    assert (answers["target"], answers["framework"], answers["database"]) == (
        "crud",
        "flask",
        "sqlite",
    )
    # The author defaults came from git config.
    assert (answers["author_name"], answers["author_email"]) == ("Ada Lovelace", "ada@example.org")
    assert answers["python_version"] == "3.12"
    assert answers["rate_limit"] is False
    assert "redis" not in answers


def test_going_back_from_the_summary_changes_an_answer(
    wizard: pexpect.spawn, tmp_path: Path
) -> None:
    reach_the_summary(wizard)
    # The choices: create, then one per answer in order; the database is the third answer.
    choose(wizard, DOWN, DOWN, DOWN)
    wizard.expect(r"\(1/8\) Which database")
    choose(wizard, DOWN)
    answer_rest(wizard)
    wizard.expect(r"Which database\s+sqlite")
    wizard.expect("Create the project with these answers")
    wizard.send(ENTER)
    wizard.expect(pexpect.EOF)
    wizard.close()
    assert wizard.exitstatus == 0, wizard.before
    answers = yaml.safe_load((tmp_path / "wiz" / ".copier-answers.yml").read_text())
    assert (answers["framework"], answers["database"]) == ("fastapi", "sqlite")


def test_ctrl_c_at_the_summary_writes_nothing(wizard: pexpect.spawn, tmp_path: Path) -> None:
    reach_the_summary(wizard)
    wizard.send(CTRL_C)
    wizard.expect("aborted; nothing was written")
    wizard.expect(pexpect.EOF)
    wizard.close()
    assert wizard.exitstatus == 130
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_recommendation_follows_target_and_ctrl_c_writes_nothing(
    wizard: pexpect.spawn, tmp_path: Path
) -> None:
    """Down twice picks full-stack, so flask is recommended; Ctrl-C then aborts cleanly."""
    choose(wizard, DOWN, DOWN)
    wizard.expect("Help me choose the framework")
    wizard.send(ENTER)
    wizard.expect("Recommended: flask, because server-rendered pages")
    wizard.send(CTRL_C)
    wizard.expect("aborted; nothing was written")
    wizard.expect(pexpect.EOF)
    wizard.close()
    assert wizard.exitstatus == 130
    assert sorted(path.name for path in tmp_path.iterdir()) == []


ADVISOR_PATHS = {
    # outbound calls, pages/forms/admin, sync-only code, async team -> the recommendation.
    "advisor:flask": (("n", "y", "y", "n"), "flask", "server-rendered pages, forms with CSRF"),
    "advisor:fastapi": (("y", "n", "n", "y"), "fastapi", "concurrent outbound I/O"),
}


@pytest.mark.parametrize(
    ("keys", "framework", "reason"), ADVISOR_PATHS.values(), ids=ADVISOR_PATHS.keys()
)
def test_the_advisor_reaches_each_recommendation(
    wizard: pexpect.spawn, keys: tuple[str, ...], framework: str, reason: str
) -> None:
    choose(wizard)
    wizard.expect("Help me choose the framework")
    wizard.send("y")
    for key in keys:
        wizard.expect(r"\?")
        wizard.send(key)
    wizard.expect(f"Recommended: {framework}")
    wizard.expect(reason)
    if framework == "fastapi":
        numbers = load_numbers()
        assert numbers is not None
        # The measured fan-out numbers, read from benchmarks/results/results.json.
        wizard.expect(f"took {numbers.fanout_concurrent_ms:.0f} ms with asyncio.gather")
    wizard.expect(rf"Which framework\? Recommended for your answers: {framework}")
    wizard.send(CTRL_C)
    wizard.expect(pexpect.EOF)


def screen_lines(transcript: str, columns: int) -> list[str]:
    """What a terminal of that size shows after everything the wizard wrote (pyte replays it)."""
    screen = pyte.Screen(columns, 40)
    pyte.Stream(screen).feed(transcript)
    return [line.rstrip() for line in screen.display]


class Collector:
    """pexpect's logfile_read: keep every character the wizard wrote."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, data: str) -> None:
        self.parts.append(data)

    def flush(self) -> None:
        """Nothing is buffered."""


def test_an_80_column_terminal_splits_no_word_and_cuts_no_reason(tmp_path: Path) -> None:
    child = spawn(tmp_path, 80)
    collector = Collector()
    child.logfile_read = collector
    child.expect("What are you building")
    choose(child, DOWN, DOWN)
    child.expect("Help me choose the framework")
    child.send(ENTER)
    child.expect("Which framework")
    choose(child)
    child.expect("Which database")
    child.expect("PostgreSQL")
    lines = screen_lines("".join(collector.parts), 80)
    child.send(CTRL_C)
    child.expect(pexpect.EOF)
    # Joined with spaces, a word the terminal split at its edge ("Flas" + "k's") would not match.
    shown = " ".join(" ".join(lines).split())
    recommendation = (
        "Recommended: flask, because server-rendered pages, forms with CSRF, login and an admin"
        " panel are Flask's home ground."
    )
    assert recommendation in shown, "\n".join(lines)
    # The disabled choice's whole reason is on screen, not cut at the edge.
    assert "Only the ml-serving target can run without a database" in shown, "\n".join(lines)
    assert all(len(line) <= 80 for line in lines)
