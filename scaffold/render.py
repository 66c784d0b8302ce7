"""Render answers through copier's Python API: the only module that imports copier."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import copier
from copier.errors import DirtyLocalWarning

from scaffold.answers import Answers
from scaffold.errors import ScaffoldError, UserMessageError
from scaffold.source import TemplateSource


def run_render(
    *, answers: Answers, source: TemplateSource, dst_abspath: Path, quiet: bool = True
) -> None:
    """Render the template into dst_abspath with every answer given, so copier asks nothing."""
    with warnings.catch_warnings():
        # Rendering a checkout's uncommitted template edits is the point of vcs_ref=HEAD.
        warnings.simplefilter("ignore", DirtyLocalWarning)
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
            raise UserMessageError(f"copier: {err}") from err
        except (copier.errors.CopierError, ValueError) as err:
            raise ScaffoldError(f"copier failed to render {source.src_path}: {err}") from err


def run_copier_update(
    *,
    dst_abspath: Path,
    vcs_ref: str | None,
    data: dict[str, Any],
    quiet: bool = True,
) -> None:
    """copier's update of a git-tracked project with inline conflict markers, asking nothing.

    `unsafe=True` lets our own template's `_migrations` run; the source is `_src_path` as recorded.
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
    except copier.errors.UserMessageError as err:
        raise UserMessageError(f"copier: {err}") from err
    except (copier.errors.CopierError, ValueError) as err:
        raise ScaffoldError(f"copier failed to update {dst_abspath}: {err}") from err
