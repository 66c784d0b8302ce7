"""Render answers through copier's Python API: the only module that imports copier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import copier
from plumbum import ProcessExecutionError

from scaffold.answers import Answers
from scaffold.errors import ScaffoldError, UserMessageError
from scaffold.source import TemplateSource

# What copier lets escape besides its own errors: git (through plumbum), the OS, bad values.
RENDER_FAILURES = (copier.errors.CopierError, ProcessExecutionError, OSError, ValueError)


def one_line(err: BaseException) -> str:
    """An exception's message folded onto one line (git's stderr spans several)."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 400 else text[:400] + " ..."


def run_render(
    *, answers: Answers, source: TemplateSource, dst_abspath: Path, quiet: bool = True
) -> None:
    """Render the template into dst_abspath with every answer given, so copier asks nothing."""
    try:
        copier.run_copy(
            source.src_path,
            dst_abspath,
            data=answers.as_data(),
            vcs_ref=source.vcs_ref,
            defaults=True,
            unsafe=False,
            quiet=quiet,
            # Cleanup belongs to the staging folder, which copier did not create.
            cleanup_on_error=False,
        )
    except copier.errors.UserMessageError as err:
        raise UserMessageError(f"copier: {one_line(err)}") from err
    except RENDER_FAILURES as err:
        raise ScaffoldError(f"copier failed to render {source.tag}: {one_line(err)}") from err


def run_copier_update(
    *,
    dst_abspath: Path,
    vcs_ref: str,
    data: dict[str, Any],
    quiet: bool = True,
) -> str:
    """copier's update of a git-tracked project with inline conflict markers, asking nothing.

    `unsafe=True` lets our own template's `_migrations` run. Returns "" or, when one of them
    failed, its one-line reason: the last migration fails on purpose when conflicts remain, and
    the caller, which lists conflicts itself, decides what that means.
    """
    try:
        copier.run_update(
            dst_abspath,
            data=data,
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=True,
            conflict="inline",
            unsafe=True,
            quiet=quiet,
        )
    except copier.errors.TaskError as err:
        return one_line(err)
    except copier.errors.UserMessageError as err:
        raise UserMessageError(f"copier: {one_line(err)}") from err
    except RENDER_FAILURES as err:
        raise ScaffoldError(f"copier failed to update {dst_abspath}: {one_line(err)}") from err
    return ""
