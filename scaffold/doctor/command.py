"""The `scaffold doctor` Typer command: run the checks, print, exit 0 / 1 (2 for a bad path)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# Typer vendors Click; these are its types.
from typer import _click as click

from . import run_doctor
from .model import NotAProjectError
from .report import render_json, render_text


def doctor(
    path: Annotated[
        Path,
        typer.Argument(help="Project to audit (a generated or hand-written FastAPI/Flask app)."),
    ] = Path("."),
    json_output: Annotated[
        bool, typer.Option("--json", help="Print a JSON document instead of the report.")
    ] = False,
) -> None:
    """Audit a project: advisories, blocking calls in async code, gevent order, settings."""
    try:
        report = run_doctor(path)
    except NotAProjectError as exc:
        typer.echo(f"scaffold: error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(render_json(report) if json_output else render_text(report))
    raise typer.Exit(0 if report.clean else 1)


def click_command() -> click.Command:
    """`scaffold doctor`."""
    app = typer.Typer()
    app.command(
        "doctor",
        epilog="Exit codes: 0 no findings; 1 findings (listed); 2 the path is not a project.",
    )(doctor)
    return typer.main.get_command(app)
