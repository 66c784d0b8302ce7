"""The `scaffold` Typer app: joins the command modules; the only place errors become exit codes."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from scaffold import __version__, new, update
from scaffold.doctor import command as doctor_command
from scaffold.errors import ScaffoldError, UserMessageError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


class ScaffoldGroup(TyperGroup):
    """Turns scaffold's errors into one line on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        """Run the chosen command, translating the errors it raises."""
        try:
            return super().invoke(ctx)
        except UserMessageError as err:
            typer.echo(f"scaffold: error: {err}", err=True)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except ScaffoldError as err:
            typer.echo(f"scaffold: failed: {err}", err=True)
            raise typer.Exit(1) from None
        except (KeyboardInterrupt, EOFError):
            typer.echo("\nscaffold: aborted; nothing was written", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None


app = typer.Typer(
    name="scaffold",
    cls=ScaffoldGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Generate production-grade FastAPI or Flask projects that stay upgradable.",
)
# One module per command. `scaffold update` (issue 5) joins here the same way.
for command_app in (new.app, update.app):
    app.add_typer(command_app)
app.command("doctor")(doctor_command.doctor)


def show_version(value: bool) -> None:
    """Print the version and stop."""
    if value:
        typer.echo(f"scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Generate production-grade FastAPI or Flask projects that stay upgradable."""


def main() -> None:
    """Console-script entry point."""
    app()
