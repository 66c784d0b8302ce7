"""`scaffold advise`: the framework decision guide, without generating anything.

With no answers it prints the whole guide; with answers (`--outbound --no-pages ...`) it prints
the recommendation the wizard's "Help me choose" would give, with its reasons.
"""

from __future__ import annotations

from typing import Annotated

import typer

# Typer vendors Click; these are its types.
from typer import _click as click

from scaffold.advisor import QUESTIONS, Framework, advise, common_ground, guide, load_numbers
from scaffold.terminal import wrap

app = typer.Typer()
EPILOG = "Exit codes: 0 always (nothing is generated); 2 for an unknown option."


@app.command("advise", epilog=EPILOG)
def advise_command(
    outbound: Annotated[
        bool | None, typer.Option("--outbound/--no-outbound", help=QUESTIONS[0].text)
    ] = None,
    pages: Annotated[
        bool | None, typer.Option("--pages/--no-pages", help=QUESTIONS[1].text)
    ] = None,
    sync_code: Annotated[
        bool | None, typer.Option("--sync-code/--no-sync-code", help=QUESTIONS[2].text)
    ] = None,
    async_team: Annotated[
        bool | None, typer.Option("--async-team/--no-async-team", help=QUESTIONS[3].text)
    ] = None,
    target: Annotated[
        str,
        typer.Option(
            help="What you are building: a tie keeps its recommendation (flask for full-stack).",
            autocompletion=lambda: ["crud", "ml-serving", "full-stack"],
        ),
    ] = "crud",
) -> None:
    """Which framework fits: the decision guide, with the numbers this repository measured."""
    numbers = load_numbers()
    given = {
        key: value
        for key, value in (
            ("outbound", outbound),
            ("pages", pages),
            ("sync_code", sync_code),
            ("async_team", async_team),
        )
        if value is not None
    }
    if not given:
        typer.echo("\n".join(wrap(line) for line in guide(numbers)))
        return
    default: Framework = "flask" if target == "full-stack" else "fastapi"
    advice = advise(given, default, numbers)
    lines = [f"Recommended: {advice.framework}"]
    lines += [wrap(f"- {reason}", indent="") for reason in advice.reasons]
    if not advice.reasons:
        lines.append(f"- no answer leans either way: the recommendation for {target}")
    lines.append(wrap(common_ground(numbers)))
    typer.echo("\n".join(lines))


def click_command() -> click.Command:
    """`scaffold advise`."""
    return typer.main.get_command(app)
