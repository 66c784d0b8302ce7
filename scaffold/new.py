"""`scaffold new NAME`: gather answers from flags (generated from copier.yml) or the wizard.

The command is built on first use (see scaffold.cli), from the questions in copier.yml, so other
commands never read that file; heavy imports (copier, questionary) wait until it runs.
"""

from __future__ import annotations

import inspect
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

# Typer vendors Click; these are its types.
from typer import _click as click

from scaffold.answers import NAME_QUESTION, pending_questions
from scaffold.destination import check_destination, is_nonempty_dir
from scaffold.errors import NoTerminalError, ScaffoldError, UserMessageError
from scaffold.questions import Question, load_questions
from scaffold.source import questions_file

if TYPE_CHECKING:
    from scaffold.generate import NewResult

# Shown in the closing summary, when copier.yml declares them.
SUMMARY_KEYS = ("framework", "target", "database")
ANSWERS_PANEL = "Answers (from copier.yml)"


def new(
    *,
    name: str,
    yes: bool,
    git: bool,
    lock: bool,
    force: bool,
    output_dir: Path,
    questions: Sequence[Question],
    answers: dict[str, Any],
) -> None:
    """Create a project in OUTPUT_DIR/NAME: flags first, then the wizard (or --yes defaults)."""
    from scaffold import prompts
    from scaffold.generate import run_new
    from scaffold.source import resolve_source

    explicit = {key: value for key, value in answers.items() if value is not None}
    interactive = not yes and bool(pending_questions(questions, explicit))
    if interactive and not stdin_is_terminal():
        raise NoTerminalError(
            "no terminal to ask questions on: pass --yes to accept the defaults"
            " (and flags such as --framework for the rest)"
        )
    dst_abspath = output_dir.absolute() / name
    if force and is_nonempty_dir(dst_abspath) and not yes and stdin_is_terminal():
        check_destination(dst_abspath, force=True)
        if not prompts.confirm(
            f"{dst_abspath} is not empty. Move it aside (nothing is deleted) and render there?"
        ):
            raise UserMessageError(f"kept {dst_abspath} as it was; nothing was written")
    result = run_new(
        name=name,
        output_dir=output_dir,
        data=explicit,
        ask=prompts.ask_question if interactive else None,
        git=git,
        lock=lock,
        force=force,
        source=resolve_source(),
    )
    typer.echo(summary(result))


def stdin_is_terminal() -> bool:
    """Whether a person can answer prompts (stdin may even be closed under a service manager)."""
    return sys.stdin is not None and sys.stdin.isatty()


def uv_command() -> str:
    """How to call uv in a new shell: `uv` when it is on PATH, else scaffold's own, by path."""
    if shutil.which("uv"):
        return "uv"
    from scaffold.lockfile import uv_executable

    return shlex.quote(uv_executable())


def next_steps(result: NewResult) -> list[str]:
    """Commands that work verbatim in a new shell: absolute paths, no PATH assumptions."""
    uv = uv_command()
    steps = [f"cd {shlex.quote(str(result.project_abspath))}"]
    if result.lock is not None and not result.lock.locked:
        steps.append(
            f"{uv} lock"
            + (" && git add uv.lock && git commit -m 'Lock dependencies'" if result.commit else "")
        )
    steps += [f"{uv} sync --locked", f"{uv} run pytest"]
    return steps


def summary(result: NewResult) -> str:
    """What was generated, then the commands to run next."""
    lines = [
        f"Created {result.answers.project_name} in {result.project_abspath}"
        f" (template {result.template_version})"
    ]
    lines += [f"  {key:<10} {result.answers[key]}" for key in SUMMARY_KEYS if key in result.answers]
    lines.append(f"  {'files':<10} {len(result.files_relpaths)} written")
    if result.lock is not None:
        lines.append(
            f"  {'uv.lock':<10} "
            + ("written" if result.lock.locked else f"not written: {result.lock.problem}")
        )
    if result.commit:
        lines.append(f"  {'git':<10} initial commit {result.commit[:10]}")
    if result.moved_aside_abspath:
        lines.append(f"  {'replaced':<10} the old folder was moved to {result.moved_aside_abspath}")
    if result.lock is not None and not result.lock.locked:
        lines += [
            "",
            "The dependencies could not be locked (is the package index reachable?): run the",
            "`uv lock` step below once it is, and commit uv.lock (README.md, Set up).",
        ]
    lines += ["", "Next:", *(f"  {step}" for step in next_steps(result))]
    lines.append("  (README.md has the database, server and deploy commands)")
    return "\n".join(lines)


def option_for(question: Question) -> inspect.Parameter:
    """A keyword parameter whose Typer annotation declares the question's flag."""
    if not question.name.isidentifier() or question.name in FIXED_PARAMETERS:
        raise ScaffoldError(f"copier.yml question {question.name!r} cannot become a flag")
    notes = []
    if question.choices:
        notes.append("choices: " + ", ".join(str(c.value) for c in question.choices))
    if question.has_default and "{" not in str(question.default):
        notes.append(f"default: {question.default}")
    # Parentheses, not brackets: Typer's rich help reads [..] as markup.
    help_text = static_help(question) + (f" ({'; '.join(notes)})" if notes else "")
    hint: Any = bool | None if question.type == "bool" else str | None
    decls = [f"{question.flag}/--no-{question.flag[2:]}"] if question.type == "bool" else []
    option = typer.Option(
        *(decls or [question.flag]),
        help=help_text,
        show_default=False,
        rich_help_panel=ANSWERS_PANEL,
    )
    return inspect.Parameter(
        question.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[hint, option],
    )


def static_help(question: Question) -> str:
    """The help text up to its first Jinja block: flags are documented before any answer exists."""
    return question.help.split("{")[0].strip() or question.name.replace("_", " ")


FIXED_PARAMETERS: dict[str, inspect.Parameter] = {
    "name": inspect.Parameter(
        "name",
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=Annotated[
            str,
            typer.Argument(help="Project name, also the folder created.", show_default=False),
        ],
    ),
    "yes": inspect.Parameter(
        "yes",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool,
            typer.Option("--yes", "-y", help="Accept the defaults for every unasked question."),
        ],
    ),
    "git": inspect.Parameter(
        "git",
        inspect.Parameter.KEYWORD_ONLY,
        default=True,
        annotation=Annotated[
            bool,
            typer.Option("--git/--no-git", help="Initialise git with one initial commit."),
        ],
    ),
    "lock": inspect.Parameter(
        "lock",
        inspect.Parameter.KEYWORD_ONLY,
        default=True,
        annotation=Annotated[
            bool,
            typer.Option(
                "--lock/--no-lock", help="Write uv.lock (`uv lock`) into the first commit."
            ),
        ],
    ),
    "force": inspect.Parameter(
        "force",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool,
            typer.Option(
                "--force",
                help="Replace a non-empty destination: it is moved aside to NAME.replaced-TIME"
                " (asked first in a terminal); a git repository with commits is refused.",
            ),
        ],
    ),
    "output_dir": inspect.Parameter(
        "output_dir",
        inspect.Parameter.KEYWORD_ONLY,
        default=Path("."),
        annotation=Annotated[
            Path,
            typer.Option("--output-dir", "-o", help="Folder to create the project in."),
        ],
    ),
}


def build_command(questions: Sequence[Question]) -> Callable[..., None]:
    """The `new` callback, its signature extended with one flag per copier.yml question."""
    flagged = [q for q in questions if q.name != NAME_QUESTION]

    def command(**params: Any) -> None:
        new(
            name=params["name"],
            yes=params["yes"],
            git=params["git"],
            lock=params["lock"],
            force=params["force"],
            output_dir=params["output_dir"],
            questions=questions,
            answers={q.name: params[q.name] for q in flagged},
        )

    parameters = [FIXED_PARAMETERS["name"], *map(option_for, flagged)]
    parameters += [p for key, p in FIXED_PARAMETERS.items() if key != "name"]
    # Typer reads the signature and annotations; that is how copier.yml's questions become flags.
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = new.__doc__
    return command


def click_command() -> click.Command:
    """`scaffold new`, its flags read from copier.yml now."""
    app = typer.Typer()
    app.command("new")(build_command(load_questions(questions_file())))
    return typer.main.get_command(app)
