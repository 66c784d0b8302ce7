"""`scaffold new NAME`: gather answers from flags (generated from copier.yml) or the wizard.

The command is built on first use (see scaffold.cli), from the questions in copier.yml, so other
commands never read that file; heavy imports (copier, questionary) wait until it runs.
"""

from __future__ import annotations

import inspect
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

# Typer vendors Click; these are its types.
from typer import _click as click

from scaffold.answers import (
    NAME_QUESTION,
    check_project_name,
    inapplicable,
    pending_questions,
    resolve_answers,
)
from scaffold.destination import check_destination, is_nonempty_dir
from scaffold.errors import InvalidAnswerError, NoTerminalError, ScaffoldError, UserMessageError
from scaffold.questions import Question, load_questions
from scaffold.source import questions_file

if TYPE_CHECKING:
    from scaffold.generate import NewResult

# Shown in the closing summary, when copier.yml declares them.
SUMMARY_KEYS = ("framework", "target", "database")
# Questions whose default comes from the user's git config when it has one.
GIT_DEFAULTS = {"author_name": "user.name", "author_email": "user.email"}
EPILOG = (
    "Exit codes: 0 created (or, with --dry-run, listed); 1 a step failed (copier, git, uv, the"
    " OS: one line, --debug for the traceback); 2 invalid input, a flag that does not apply, or"
    " a destination it will not write; 130 interrupted (nothing written)."
)
ANSWERS_PANEL = "Answers (from copier.yml)"


def new(
    *,
    name: str,
    yes: bool,
    git: bool,
    lock: bool,
    force: bool,
    dry_run: bool,
    output_dir: Path,
    questions: Sequence[Question],
    answers: dict[str, Any],
) -> None:
    """Create a project in OUTPUT_DIR/NAME: flags first, then the wizard (or --yes defaults)."""
    from scaffold.advisor import load_numbers
    from scaffold.generate import run_new
    from scaffold.prompts import Wizard, confirm
    from scaffold.source import resolve_source
    from scaffold.terminal import spinner

    flags = {key: value for key, value in answers.items() if value is not None}
    interactive = not yes and bool(pending_questions(questions, flags))
    if interactive and not stdin_is_terminal():
        raise NoTerminalError(
            "no terminal to ask questions on: pass --yes to accept the defaults"
            " (and flags such as --framework for the rest)"
        )
    source = resolve_source()
    check_project_name(name, questions)
    dst_abspath = output_dir.absolute() / name
    check_destination(dst_abspath, force=force)
    defaults = git_defaults(questions)
    wizard = (
        Wizard(questions, given=[*flags, NAME_QUESTION], defaults=defaults, numbers=load_numbers())
        if interactive
        else None
    )
    kept: dict[str, Any] = {}
    while True:
        resolved = resolve_answers(
            questions, project_name=name, explicit={**flags, **kept}, ask=wizard, defaults=defaults
        )
        refuse_inapplicable(questions, resolved, flags)
        if wizard is None:
            break
        change = wizard.review(questions, resolved)
        if change is None:
            break
        # Going back: keep what came before the changed question, ask the rest again.
        order = [q.name for q in questions]
        kept = {k: v for k, v in resolved.items() if order.index(k) < order.index(change)}
    asks_to_replace = force and is_nonempty_dir(dst_abspath) and not yes and not dry_run
    if (
        asks_to_replace
        and stdin_is_terminal()
        and not confirm(
            f"{dst_abspath} is not empty. Move it aside (nothing is deleted) and render there?"
        )
    ):
        raise UserMessageError(f"kept {dst_abspath} as it was; nothing was written")
    result = run_new(
        name=name,
        output_dir=output_dir,
        answers=resolved,
        git=git,
        lock=lock,
        force=force,
        dry_run=dry_run,
        source=source,
        progress=spinner,
    )
    typer.echo(dry_run_summary(result) if dry_run else summary(result))


def git_defaults(questions: Sequence[Question]) -> dict[str, str]:
    """Author name and email from `git config`, where copier.yml asks for them."""
    from scaffold.git import config_value

    names = {question.name for question in questions}
    found = {
        question: config_value(key) for question, key in GIT_DEFAULTS.items() if question in names
    }
    return {question: value for question, value in found.items() if value}


def refuse_inapplicable(
    questions: Sequence[Question], answers: Mapping[str, Any], flags: Mapping[str, Any]
) -> None:
    """A flag for a question copier.yml does not ask with these answers is an error."""
    skipped = inapplicable(questions, answers, list(flags))
    if skipped:
        question = skipped[0]
        where = str(question.when).replace("{{", "").replace("}}", "").strip()
        raise InvalidAnswerError(
            f"{question.flag} does not apply to this project: it is asked only when {where}"
        )


def dry_run_summary(result: NewResult) -> str:
    """The answers and every file a real run would write; nothing was written."""
    lines = [f"Dry run: nothing was written. {result.project_abspath} would get:"]
    widest = max(len(key) for key in result.answers)
    lines += [f"  {key:<{widest}}  {value}" for key, value in result.answers.items()]
    lines.append(f"and these {len(result.files_relpaths)} files:")
    lines += [f"  {relpath}" for relpath in result.files_relpaths]
    return "\n".join(lines)


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
    if question.name in GIT_DEFAULTS:
        notes.append(f"default: git config {GIT_DEFAULTS[question.name]}, else {question.default}")
    elif question.has_default:
        templated = "{" in str(question.default)
        notes.append(
            "default: from earlier answers" if templated else f"default: {question.default}"
        )
    # Parentheses, not brackets: Typer's rich help reads [..] as markup.
    help_text = static_help(question) + (f" ({'; '.join(notes)})" if notes else "")
    hint: Any = bool | None if question.type == "bool" else str | None
    decls = [f"{question.flag}/--no-{question.flag[2:]}"] if question.type == "bool" else []
    values = [str(choice.value) for choice in question.choices]
    option = typer.Option(
        *(decls or [question.flag]),
        help=help_text,
        show_default=False,
        rich_help_panel=ANSWERS_PANEL,
        # Shell completion offers the choices: `scaffold new x --target <TAB>`.
        autocompletion=(lambda: values) if values else None,
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


def _keyword(name: str, default: Any, hint: Any, *decls: str, help_text: str) -> inspect.Parameter:
    """A keyword-only flag of `new` that copier.yml does not declare."""
    option = typer.Option(*decls, help=help_text)
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[hint, option]
    )


_NAME = typer.Argument(help="Project name, also the folder created.", show_default=False)
_FORCE_HELP = (
    "Replace a non-empty destination: it is moved aside to NAME.replaced-TIME"
    " (asked first in a terminal); a git repository with commits is refused."
)
FIXED_PARAMETERS: dict[str, inspect.Parameter] = {
    parameter.name: parameter
    for parameter in (
        inspect.Parameter(
            "name", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[str, _NAME]
        ),
        _keyword(
            "yes",
            False,
            bool,
            "--yes",
            "-y",
            help_text="Accept the defaults for every unasked question.",
        ),
        _keyword(
            "git", True, bool, "--git/--no-git", help_text="Initialise git with one initial commit."
        ),
        _keyword(
            "lock",
            True,
            bool,
            "--lock/--no-lock",
            help_text="Write uv.lock (`uv lock`) into the first commit.",
        ),
        _keyword(
            "dry_run",
            False,
            bool,
            "--dry-run",
            help_text="List the answers and the files it would write; write nothing.",
        ),
        _keyword("force", False, bool, "--force", help_text=_FORCE_HELP),
        _keyword(
            "output_dir",
            Path("."),
            Path,
            "--output-dir",
            "-o",
            help_text="Folder to create the project in.",
        ),
    )
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
            dry_run=params["dry_run"],
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
    app.command("new", epilog=EPILOG)(build_command(load_questions(questions_file())))
    return typer.main.get_command(app)
