"""`scaffold add FEATURE [PATH]` (and `scaffold remove`): switch a yes/no option of a project.

Shows the answer's change and a preview of the diff (made on a throwaway clone), asks in a
terminal, then applies it through the update pipeline and prints the follow-up steps.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

# Typer vendors Click; these are its types.
from typer import _click as click

from scaffold.errors import ScaffoldError, UserMessageError

EPILOG = (
    "Exit codes: 0 switched (or listed); 1 conflicts remain after applying (listed); 2 the"
    " feature is unknown, already so, or does not apply, or the project cannot be updated"
    " (missing, not generated, uncommitted changes)."
)


def switch_command(name: str, value: bool) -> click.Command:
    """`scaffold add` (value True) or `scaffold remove` (value False)."""
    verb = "Turn on" if value else "Turn off"
    app = typer.Typer()

    @app.command(name, epilog=EPILOG)
    def command(
        feature: Annotated[
            str | None,
            typer.Argument(help="The option, e.g. rate-limit, redis, admin.", show_default=False),
        ] = None,
        path: Annotated[Path, typer.Argument(help="The generated project.")] = Path("."),
        list_features: Annotated[
            bool, typer.Option("--list", help="List the options this project can switch.")
        ] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    ) -> None:
        run_switch(feature, path, value=value, list_only=list_features, yes=yes)

    command.__doc__ = f"{verb} an option of a generated project (a preview first)."
    return typer.main.get_command(app)


def run_switch(
    feature_name: str | None, path: Path, *, value: bool, list_only: bool, yes: bool
) -> None:
    """List, or preview then apply, one switch."""
    from scaffold.features import find_feature, load_features, preview_switch, switch
    from scaffold.source import resolve_source

    source = resolve_source()
    project, features = load_features(path, source)
    if list_only or feature_name is None:
        candidates = [f for f in features if f.on != value]
        if not candidates:
            typer.echo(f"Nothing to {'add' if value else 'remove'} in {project.abspath}.")
        for feature in candidates:
            typer.echo(f"  {feature.name:<12} {feature.summary}")
        return
    from scaffold.questions import load_questions
    from scaffold.upgrade import require_clean_git

    feature = find_feature(project, load_questions(source.copier_yml_abspath), feature_name)
    require_clean_git(project)
    if feature.on == value:
        raise UserMessageError(f"{feature.name} is already {'on' if value else 'off'}")
    typer.echo(
        f"Answers: {feature.question.name}: {str(feature.on).lower()} -> {str(value).lower()}"
    )
    preview = preview_switch(path, feature, value, source)
    typer.echo("Preview (nothing changed yet):")
    stat = [f"  {line.strip()}" for line in preview.stat.splitlines()]
    typer.echo("\n".join(stat) or "  no changes")
    if not yes and sys.stdin is not None and sys.stdin.isatty():
        from scaffold.prompts import confirm

        if not confirm("Apply this change?", default=True):
            raise UserMessageError("nothing was changed")
    result = switch(path, feature, value, source)
    typer.echo(f"Applied to {project.abspath} ({len(result.changed)} files changed). Next:")
    typer.echo("\n".join(f"  - {step}" for step in preview.follow_ups))
    if result.conflicts:
        raise ScaffoldError(
            f"{len(result.conflicts)} file(s) have conflicts: {', '.join(result.conflicts)}"
            " -- resolve the <<<<<<< markers, then git add and commit"
        )


def click_command() -> click.Command:
    """`scaffold add`."""
    return switch_command("add", True)
