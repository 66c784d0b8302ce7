"""`scaffold new NAME`: gather answers from flags (generated from copier.yml) or the wizard."""

from __future__ import annotations

import inspect
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from scaffold import prompts
from scaffold.answers import NAME_QUESTION, pending_questions
from scaffold.errors import NoTerminalError, ScaffoldError
from scaffold.project import NewResult, run_new
from scaffold.questions import Question, load_questions
from scaffold.source import resolve_source

app = typer.Typer()
# Shown in the closing summary, when copier.yml declares them.
SUMMARY_KEYS = ("framework", "target", "database")
ANSWERS_PANEL = "Answers (from copier.yml)"
# What to run after `cd`; the generated README has the details (database URL, server).
NEXT_COMMANDS = ("  uv sync", "  uv run pytest", "  (see README.md)")


def new(
    *,
    name: str,
    yes: bool,
    git: bool,
    force: bool,
    output_dir: Path,
    questions: Sequence[Question],
    answers: dict[str, Any],
) -> None:
    """Create a project in OUTPUT_DIR/NAME: flags first, then the wizard (or --yes defaults)."""
    explicit = {key: value for key, value in answers.items() if value is not None}
    interactive = not yes and bool(pending_questions(questions, explicit))
    if interactive and not stdin_is_terminal():
        raise NoTerminalError(
            "no terminal to ask questions on: pass --yes to accept the defaults"
            " (and flags such as --framework for the rest)"
        )
    result = run_new(
        name=name,
        output_dir=output_dir,
        data=explicit,
        ask=prompts.ask_question if interactive else None,
        git=git,
        force=force,
    )
    typer.echo(summary(result))


def stdin_is_terminal() -> bool:
    """Whether a person can answer prompts (stdin may even be closed under a service manager)."""
    return sys.stdin is not None and sys.stdin.isatty()


def summary(result: NewResult) -> str:
    """What was generated, then the commands to run next."""
    where = os.path.relpath(result.project_abspath)
    if where.startswith(".."):
        where = str(result.project_abspath)
    lines = [f"Created {result.answers.project_name} in {result.project_abspath}"]
    lines += [f"  {key:<10} {result.answers[key]}" for key in SUMMARY_KEYS if key in result.answers]
    lines.append(f"  {'files':<10} {len(result.files_relpaths)} written")
    if result.commit:
        lines.append(f"  {'git':<10} initial commit {result.commit[:10]}")
    lines += ["", "Next:", f"  cd {shlex.quote(where)}", *NEXT_COMMANDS]
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
    "force": inspect.Parameter(
        "force",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool,
            typer.Option("--force", help="Replace an existing non-empty destination (deletes it)."),
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


app.command("new")(build_command(load_questions(resolve_source().copier_yml_abspath)))
