"""`scaffold remove FEATURE [PATH]`: the inverse of `scaffold add` (see scaffold.add)."""

from __future__ import annotations

# Typer vendors Click; these are its types.
from typer import _click as click

from scaffold.add import switch_command


def click_command() -> click.Command:
    """`scaffold remove`."""
    return switch_command("remove", False)
