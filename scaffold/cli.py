"""The `scaffold` Typer app: joins the command modules; the only place errors become exit codes.

Commands load on first use, so `scaffold --version` or `scaffold doctor` never import copier or
read copier.yml. Any failure is one line on stderr and a non-zero exit; `--debug` (or
SCAFFOLD_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

import importlib
import os
from typing import Annotated, Any

import typer

# Typer vendors Click; these are its types.
from typer import _click as click
from typer.core import TyperCommand, TyperGroup, TyperOption

from scaffold.errors import ScaffoldError, UserMessageError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
# Command name -> the module whose `click_command()` builds it (one module per command).
COMMANDS = {
    "new": "scaffold.new",
    "advise": "scaffold.advise",
    "add": "scaffold.add",
    "remove": "scaffold.remove",
    "update": "scaffold.update",
    "doctor": "scaffold.doctor.command",
}


_display_type_rich = TyperOption.display_type_rich


def _placeholder_unless_flag(self: TyperOption, ctx: click.Context) -> str | None:
    """Typer prints a type placeholder after every option, `<bool>` after flags too, which reads
    as if `--yes` took a value: a flag shows none."""
    return None if self.is_flag else _display_type_rich(self, ctx)


TyperOption.display_type_rich = _placeholder_unless_flag  # type: ignore[method-assign]


def debugging(ctx: click.Context | None) -> bool:
    """Whether --debug or SCAFFOLD_DEBUG asks for tracebacks."""
    flag = bool(ctx and ctx.find_root().params.get("debug"))
    return flag or os.environ.get("SCAFFOLD_DEBUG", "") not in {"", "0"}


def fail(ctx: click.Context | None, err: BaseException) -> typer.Exit:
    """Print one line for err and return the exit to raise (re-raise err when debugging)."""
    if debugging(ctx) and not isinstance(err, (KeyboardInterrupt, EOFError)):
        raise err
    if isinstance(err, UserMessageError):
        typer.echo(f"scaffold: error: {err}", err=True)
        return typer.Exit(EXIT_USER_ERROR)
    if isinstance(err, (KeyboardInterrupt, EOFError)):
        typer.echo("\nscaffold: aborted; nothing was written", err=True)
        return typer.Exit(EXIT_INTERRUPTED)
    if isinstance(err, ScaffoldError):
        typer.echo(f"scaffold: failed: {err}", err=True)
    else:
        reason = " ".join(str(err).split()) or "no message"
        typer.echo(
            f"scaffold: failed: {type(err).__name__}: {reason}"
            " (run with --debug for the traceback)",
            err=True,
        )
    return typer.Exit(1)


def broken_command(name: str, err: Exception) -> click.Command:
    """A stand-in for a command that cannot be built: listed in --help, one line when run."""
    reason = f"cannot build `scaffold {name}`: {' '.join(str(err).split())}"

    def fail_now(*_args: Any, **_kwargs: Any) -> None:
        raise UserMessageError(reason)

    return TyperCommand(
        name,
        callback=fail_now,
        help=f"(unavailable: {reason})",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
    )


class ScaffoldGroup(TyperGroup):
    """Loads commands lazily and turns every error into one line on stderr and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, without loading any."""
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Build a command from its module on first use."""
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        try:
            module = importlib.import_module(COMMANDS[cmd_name])
            command: click.Command = module.click_command()
        except Exception as err:
            # A broken copier.yml must not break `scaffold --help` or the other commands.
            if debugging(ctx):
                raise
            return broken_command(cmd_name, err)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen command, translating the errors it raises."""
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, click.ClickException):
            raise
        except (Exception, KeyboardInterrupt, EOFError) as err:
            raise fail(ctx, err) from None


app = typer.Typer(
    name="scaffold",
    cls=ScaffoldGroup,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    help="Generate production-grade FastAPI or Flask projects that stay upgradable.",
)


def show_version(value: bool) -> None:
    """Print the version and stop."""
    if value:
        from scaffold.source import running_version

        typer.echo(f"scaffold {running_version()}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when something fails.")
    ] = False,
) -> None:
    """Generate production-grade FastAPI or Flask projects that stay upgradable."""


def main() -> None:
    """Console-script entry point."""
    app()
