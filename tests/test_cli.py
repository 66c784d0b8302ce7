"""`scaffold new` through Typer's CliRunner: flags, defaults, bad input, destinations, no TTY."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from conftest import Invoke
from typer.main import get_command
from typer.testing import CliRunner

from scaffold import NewResult
from scaffold import new as new_module
from scaffold.answers import Answers
from scaffold.questions import load_questions, parse_question
from scaffold.source import questions_file, running_version

REPO_ABSPATH = Path(__file__).resolve().parent.parent
COPIER_YML = yaml.safe_load((REPO_ABSPATH / "copier.yml").read_text())
QUESTION_NAMES = [key for key in COPIER_YML if not key.startswith("_")]


def listing(root: Path) -> list[str]:
    """Every path under root, relative, so a test can prove nothing was written."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*"))


def answers_file(project: Path) -> dict[str, object]:
    """The rendered .copier-answers.yml."""
    data = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_every_copier_question_is_a_flag() -> None:
    """Flags come from copier.yml: one per question, project_name being the NAME argument."""
    new_command = new_module.click_command()
    options = {opt for param in new_command.params for opt in param.opts}
    expected = {"--" + name.replace("_", "-") for name in QUESTION_NAMES if name != "project_name"}
    assert expected <= options
    assert {"--yes", "-y", "--no-git", "--no-lock", "--force", "--output-dir"} <= options | {
        opt for param in new_command.params for opt in param.secondary_opts
    }
    assert "--project-name" not in options


def test_version(invoke: Invoke) -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"scaffold {running_version()}"


def test_flag_help_shows_choices_and_static_default_from_copier_yml(invoke: Invoke) -> None:
    new_command = new_module.click_command()
    helps = {param.name: param.help for param in new_command.params}
    assert helps["target"] == (
        "What are you building? (choices: crud, ml-serving, full-stack; default: crud)"
    )
    # A templated default depends on earlier answers; the author's comes from git config.
    assert helps["framework"] == (
        "Which framework? (choices: fastapi, flask; default: from earlier answers)"
    )
    assert helps["author_name"] == "Author name (default: git config user.name, else Your Name)"
    assert invoke("new", "--help").exit_code == 0


def test_every_flag_reaches_the_answers_file(invoke: Invoke, tmp_path: Path) -> None:
    flags = {
        "target": "crud",
        "framework": "flask",
        "database": "sqlite",
        "project_slug": "orders_api",
        "description": "Orders, kept",
        "author_name": "Ada Lovelace",
        "author_email": "ada@example.org",
        "python_version": "3.12",
    }
    argv = [arg for key, v in flags.items() for arg in ("--" + key.replace("_", "-"), v)]
    result = invoke("new", "orders", *argv, "--no-git", "--no-lock", "--yes")
    assert result.exit_code == 0, result.output
    answers = answers_file(tmp_path / "orders")
    assert {key: answers[key] for key in flags} == flags
    assert answers["project_name"] == "orders"
    assert not (tmp_path / "orders" / ".git").exists()


def test_yes_accepts_the_defaults_and_prints_a_summary(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("new", "my-svc", "--yes", "--no-git", "--no-lock")
    assert result.exit_code == 0, result.output
    answers = answers_file(tmp_path / "my-svc")
    assert answers["target"] == "crud"
    assert answers["framework"] == "fastapi"
    assert answers["database"] == "postgresql"
    assert answers["project_slug"] == "my_svc"
    assert answers["python_version"] == "3.11"
    summary = result.stdout
    for line in ("framework  fastapi", "target     crud", "database   postgresql"):
        assert line in summary
    files = sum(1 for path in (tmp_path / "my-svc").rglob("*") if path.is_file())
    assert f"files      {files} written" in summary
    uv = "uv" if shutil.which("uv") else str(Path(sys.executable).parent / "uv")
    # Absolute paths: the block works pasted into a new shell, wherever that starts.
    next_block = f"Next:\n  cd {tmp_path / 'my-svc'}\n  {uv} sync --locked\n  {uv} run pytest\n"
    assert next_block in summary


def test_output_dir_is_created(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke(
        "new", "svc", "--yes", "--no-git", "--no-lock", "--output-dir", tmp_path / "a" / "b"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "a" / "b" / "svc" / ".copier-answers.yml").is_file()


BAD_INPUT = {
    "name:empty": (["new", ""], "invalid project name '': the project name is empty"),
    "name:space": (["new", "my app"], "must not contain spaces"),
    "name:keyword": (["new", "class"], "is a Python keyword"),
    "name:keyword-after-slug": (["new", "Import"], "package name 'import' is a Python keyword"),
    "name:shadows-after-slug": (["new", "JSON"], "package name 'json' would shadow a module"),
    "name:leading-digit": (["new", "1api"], "must not start with a digit"),
    "name:parent-path": (["new", "../x"], "not a path"),
    "name:nested-path": (["new", "a/b"], "not a path"),
    "name:bad-char": (["new", "svc!"], "may hold only ASCII letters, digits, '-' and '_'"),
    "name:non-ascii": (["new", "café"], "may hold only ASCII letters"),
    "framework:unknown": (
        ["new", "svc", "--framework", "django"],
        "invalid value for --framework: 'django' (choose from fastapi, flask)",
    ),
    "target:unknown": (["new", "svc", "--target", "cli"], "invalid value for --target: 'cli'"),
    "database:none-for-crud": (
        ["new", "svc", "--database", "none"],
        "invalid value for --database: 'none' (Only the ml-serving target",
    ),
    "database:unknown": (
        ["new", "svc", "--database", "mysql"],
        "(choose from postgresql, sqlite)",
    ),
    "python:unsupported": (["new", "svc", "--python-version", "3.9"], "--python-version: '3.9'"),
    "email:invalid": (["new", "svc", "--author-email", "nobody"], "--author-email: 'nobody'"),
    "slug:uppercase": (["new", "svc", "--project-slug", "Svc"], "--project-slug: 'Svc'"),
    "slug:keyword": (["new", "svc", "--project-slug", "lambda"], "is a Python keyword"),
    "slug:shadows-module": (["new", "svc", "--project-slug", "json"], "would shadow a module"),
}


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    invoke: Invoke, tmp_path: Path, argv: list[str], message: str
) -> None:
    before = listing(tmp_path)
    result = invoke(*argv, "--yes")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("scaffold: error: ")
    assert message in result.stderr
    assert listing(tmp_path) == before
    assert listing(tmp_path.parent / tmp_path.name) == before


def test_unknown_flag_is_a_usage_error(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("new", "svc", "--frameworkk", "flask", "--yes")
    assert result.exit_code == 2
    assert listing(tmp_path) == []


def test_existing_non_empty_destination_is_refused(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "notes.txt").write_text("mine")
    result = invoke("new", "svc", "--yes", "--no-git", "--no-lock")
    assert result.exit_code == 2
    assert "exists and is not empty (--force moves it aside" in result.stderr
    assert listing(tmp_path) == ["svc", "svc/notes.txt"]
    assert (tmp_path / "svc" / "notes.txt").read_text() == "mine"


def test_destination_that_is_a_file_is_refused_even_with_force(
    invoke: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "svc").write_text("a file")
    result = invoke("new", "svc", "--yes", "--no-git", "--force")
    assert result.exit_code == 2
    assert "is not a folder" in result.stderr
    assert (tmp_path / "svc").read_text() == "a file"


def test_force_moves_a_plain_folder_aside_and_says_where(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "svc" / "notes").mkdir(parents=True)
    (tmp_path / "svc" / "notes" / "mine.txt").write_text("mine")
    result = invoke(
        "new", "svc", "--yes", "--no-git", "--no-lock", "--force", "--framework", "flask"
    )
    assert result.exit_code == 0, result.output
    assert answers_file(tmp_path / "svc")["framework"] == "flask"
    assert not (tmp_path / "svc" / "notes").exists()
    # Nothing lost: the old folder sits beside the new one, and the summary names it.
    aside = [path for path in tmp_path.iterdir() if path.name != "svc"]
    assert len(aside) == 1 and aside[0].name.startswith("svc.replaced-"), aside
    assert (aside[0] / "notes" / "mine.txt").read_text() == "mine"
    assert f"the old folder was moved to {aside[0]}" in result.stdout


def test_force_refuses_a_git_repository_with_commits(invoke: Invoke, tmp_path: Path) -> None:
    project = tmp_path / "svc"
    assert invoke("new", "svc", "--yes", "--no-lock").exit_code == 0
    (project / "untracked.txt").write_text("not committed")
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    result = invoke("new", "svc", "--yes", "--no-lock", "--force")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "is a git repository with commits" in result.stderr
    assert f"scaffold update {project}" in result.stderr
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["svc"]


def test_a_name_too_long_for_the_file_system_is_exit_2(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("new", "a" * 300, "--yes", "--no-git", "--no-lock")
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert "longer than this file system allows" in result.stderr
    assert listing(tmp_path) == []


def test_an_os_failure_is_one_line_and_debug_shows_the_traceback(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(project_abspath: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("scaffold.generate.run_git_init", lambda path, message: disk_full(path))
    result = invoke("new", "svc", "--yes", "--no-lock")
    assert result.exit_code == 1
    assert result.stderr == (
        "scaffold: failed: OSError: [Errno 28] No space left on device"
        " (run with --debug for the traceback)\n"
    )
    assert listing(tmp_path) == []
    result = invoke("--debug", "new", "svc", "--yes", "--no-lock")
    assert isinstance(result.exception, OSError)
    assert listing(tmp_path) == []


def test_existing_empty_destination_is_used(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    result = invoke("new", "svc", "--yes", "--no-git", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "svc" / ".copier-answers.yml").is_file()


def test_no_tty_without_yes_fails_at_once(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("new", "svc", stdin="")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "no terminal to ask questions on: pass --yes" in result.stderr
    assert listing(tmp_path) == []


def test_no_tty_is_fine_when_flags_answer_everything(invoke: Invoke, tmp_path: Path) -> None:
    answers = {"target": "crud", "framework": "fastapi", "database": "sqlite"}
    answers |= {"project_slug": "svc", "description": "d", "author_name": "A"}
    answers |= {"author_email": "a@b.co", "python_version": "3.13"}
    argv = [arg for key, v in answers.items() for arg in ("--" + key.replace("_", "-"), v)]
    result = invoke(
        "new", "svc", *argv, "--rate-limit", "--no-redis", "--no-git", "--no-lock", stdin=""
    )
    assert result.exit_code == 0, result.output
    assert answers_file(tmp_path / "svc")["python_version"] == "3.13"


def test_a_question_added_to_copier_yml_becomes_a_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flags are generated: a new bool question yields --x/--no-x and reaches run_new's data."""
    questions = (
        *load_questions(questions_file()),
        parse_question("health_checks", {"type": "bool", "default": False, "help": "Checks?"}),
    )
    received: dict[str, Any] = {}

    def fake_run_new(**kwargs: Any) -> NewResult:
        # Only flag parsing is under test: the real copier.yml has no health_checks question.
        received.update(kwargs)
        answers: Answers = kwargs["answers"]
        return NewResult(tmp_path / kwargs["name"], answers, (), None, "v0", None, None)

    monkeypatch.setattr("scaffold.generate.run_new", fake_run_new)
    one_command = typer.Typer()
    one_command.command("new")(new_module.build_command(questions))
    params = {param.name: param for param in get_command(one_command).params}
    assert params["health_checks"].opts == ["--health-checks"]
    assert params["health_checks"].secondary_opts == ["--no-health-checks"]
    result = CliRunner().invoke(one_command, ["svc", "--no-health-checks", "--yes"])
    assert result.exit_code == 0, result.output
    assert received["answers"]["health_checks"] is False


def test_no_tty_never_hangs_the_installed_command(tmp_path: Path) -> None:
    """The real console script with stdin from /dev/null exits at once instead of waiting."""
    proc = subprocess.run(
        [Path(sys.executable).parent / "scaffold", "new", "svc"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("scaffold: error: no terminal to ask questions on")
    assert listing(tmp_path) == []


def test_an_unreachable_package_index_still_generates_and_says_what_to_run(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Offline with an empty cache: what a laptop without network gets.
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path.parent / f"{tmp_path.name}-uv-cache"))
    result = invoke("new", "svc", "--yes")
    assert result.exit_code == 0, result.output
    assert "uv.lock    not written: uv lock failed (" in result.stdout
    assert "run the\n`uv lock` step below once it is, and commit uv.lock" in result.stdout
    assert " lock && git add uv.lock && git commit -m 'Lock dependencies'" in result.stdout
    assert not (tmp_path / "svc" / "uv.lock").exists()
    # Nothing half-written: the project and its first commit are whole.
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=tmp_path / "svc", capture_output=True, text=True
    )
    assert status.stdout == ""


def test_only_new_reads_copier_yml_and_a_broken_one_is_one_line(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path.parent / f"{tmp_path.name}-copier.yml"
    broken.write_text("target: [unclosed\n")
    monkeypatch.setattr("scaffold.new.questions_file", lambda: broken)
    for argv in (["--version"], ["doctor", "--help"], ["update", "--help"], ["--help"]):
        result = invoke(*argv)
        assert result.exit_code == 0, (argv, result.output)
    result = invoke("new", "svc", "--yes")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"scaffold: error: cannot build `scaffold new`: {broken}")
    assert listing(tmp_path) == []


def test_a_flag_for_a_question_that_does_not_apply_is_exit_2(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("new", "svc", "--framework", "fastapi", "--admin", "--yes", "--no-lock")
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "scaffold: error: --admin does not apply to this project: it is asked only when"
        " target == 'full-stack' and framework == 'flask'\n"
    )
    result = invoke("new", "svc", "--no-rate-limit", "--redis", "--yes", "--no-lock")
    assert result.exit_code == 2, result.output
    assert "--redis does not apply to this project: it is asked only when rate_limit" in (
        result.stderr
    )
    assert listing(tmp_path) == []


def test_dry_run_lists_answers_and_files_and_writes_nothing(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("new", "svc", "--framework", "flask", "--yes", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Dry run: nothing was written. {tmp_path / 'svc'} would get:")
    assert "  framework       flask" in result.stdout
    for relpath in ("pyproject.toml", "gunicorn.conf.py", "svc/__init__.py", ".copier-answers.yml"):
        assert f"\n  {relpath}\n" in result.stdout
    assert listing(tmp_path) == []


def test_completion_offers_choice_values(tmp_path: Path) -> None:
    """Typer's completion protocol, as the installed bash and zsh scripts call it."""
    entry_point = Path(sys.executable).parent / "scaffold"
    base = {k: v for k, v in os.environ.items() if not k.startswith("_SCAFFOLD")}

    def complete(**env: str) -> str:
        done = subprocess.run(
            [entry_point],
            env={**base, **env},
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp_path,
        )
        return done.stdout

    bash = complete(
        _SCAFFOLD_COMPLETE="complete_bash", COMP_WORDS="scaffold new x --target ", COMP_CWORD="4"
    )
    assert bash.split() == ["crud", "ml-serving", "full-stack"]
    bash = complete(
        _SCAFFOLD_COMPLETE="complete_bash", COMP_WORDS="scaffold new x --fr", COMP_CWORD="3"
    )
    assert bash.split() == ["--framework"]
    zsh = complete(
        _SCAFFOLD_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="scaffold new x --database "
    )
    assert all(f'"{value}"' in zsh for value in ("postgresql", "sqlite", "none"))
    script = subprocess.run(
        [entry_point, "--show-completion", "bash"], capture_output=True, text=True, check=True
    )
    assert "_SCAFFOLD_COMPLETE=complete_bash" in script.stdout


def test_help_shows_no_placeholder_for_flags_and_lists_exit_codes(invoke: Invoke) -> None:
    for argv, exit_codes in (
        (["new", "--help"], "130 interrupted"),
        (["update", "--help"], "1 conflicts"),
    ):
        result = invoke(*argv)
        assert result.exit_code == 0
        text = " ".join(result.stdout.split())
        assert "Exit codes:" in text and exit_codes in text, text
        assert "<bool>" not in result.stdout
