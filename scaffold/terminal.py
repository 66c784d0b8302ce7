"""Terminal output for people: text wrapped at word boundaries, and progress for long steps."""

from __future__ import annotations

import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

# A step of the pipeline, shown while it runs: `with progress("Locking dependencies"): ...`.
Progress = Callable[[str], AbstractContextManager[None]]


def width() -> int:
    """The terminal's width in columns (80 when unknown), never under 40."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def wrap(text: str, *, indent: str = "", columns: int | None = None) -> str:
    """text wrapped at word boundaries to the terminal (paragraphs kept)."""
    limit = (columns or width()) - 1
    return "\n".join(
        textwrap.fill(
            paragraph,
            width=limit,
            initial_indent=indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
        for paragraph in text.split("\n")
    )


@contextmanager
def spinner(label: str) -> Iterator[None]:
    """A spinner on stderr while a step runs, then `label ... done (1.2 s)`; silent off a TTY."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    console = Console(stderr=True)
    started = time.monotonic()
    with console.status(f"{label} ..."):
        yield
    console.print(f"{label} ... done ({time.monotonic() - started:.1f} s)", highlight=False)


@contextmanager
def quiet(label: str) -> Iterator[None]:
    """No progress at all (the Python API's default)."""
    yield
