"""`scaffold update [PATH]`: move a generated project to this scaffold's template, keeping edits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# Typer vendors Click; these are its types.
from typer import _click as click

from scaffold.errors import ScaffoldError

app = typer.Typer()
EPILOG = (
    "Exit codes: 0 updated cleanly (with --check: up to date); 1 conflicts remain (with --check:"
    " a newer template version exists); 2 the project cannot be updated as asked (it does not"
    " exist, is not a generated git project, has uncommitted changes, or --data is invalid)."
)


@app.command("update", epilog=EPILOG)
def update(
    path: Annotated[
        Path, typer.Argument(help="The generated project (a git repository).", show_default=False)
    ] = Path("."),
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Only report whether a newer template version exists (exit 1 if so)."
        ),
    ] = False,
    data: Annotated[
        list[str] | None,
        typer.Option(
            "--data", "-d", help="Change an answer, e.g. --data rate_limit=false (repeatable)."
        ),
    ] = None,
) -> None:
    """Update a generated project to this scaffold's template, keeping your edits."""
    # Imported here: `scaffold update --help` must not load copier.
    from scaffold.upgrade import run_check, run_update

    if check:
        result = run_check(path)
        if result.newer:
            typer.echo(
                f"newer template version available: {result.current} -> {result.available}"
                " (run scaffold update)"
            )
            raise typer.Exit(1)
        typer.echo(f"up to date with template version {result.current}")
        return
    outcome = run_update(path, data or ())
    if outcome.anchored:
        typer.echo(
            f"Recorded scaffold's template store in {path.absolute()}/.copier-answers.yml"
            " (one commit), so any later scaffold and plain `copier update` find this template"
        )
    if outcome.old_version == outcome.new_version and not outcome.changed:
        typer.echo(f"{path.absolute()} is already at template {outcome.new_version}: nothing to do")
        return
    typer.echo(
        f"Updated {path.absolute()}: template {outcome.old_version} -> {outcome.new_version}"
    )
    typer.echo("\n".join(f"  {line}" for line in outcome.changed) or "  no files changed")
    if outcome.lock is not None and not outcome.lock.locked:
        typer.echo(f"uv.lock could not be refreshed ({outcome.lock.problem}): run `uv lock`")
    if outcome.conflicts:
        raise ScaffoldError(
            f"{len(outcome.conflicts)} file(s) have conflicts: {', '.join(outcome.conflicts)}"
            " -- resolve the <<<<<<< markers, then git add and commit"
        )
    typer.echo("Review with `git diff`, run the tests, then commit.")


def click_command() -> click.Command:
    """`scaffold update`."""
    return typer.main.get_command(app)
