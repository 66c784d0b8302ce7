"""`run_new`: the pipeline behind `scaffold new`, usable from Python.

answers -> render (copier, into a staging folder) -> uv lock -> git init -> move into place.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold import terminal
from scaffold.answers import Answers, Asker, check_project_name, resolve_answers
from scaffold.destination import check_destination, staged_destination
from scaffold.gitinit import run_git_init
from scaffold.lockfile import LockResult, run_uv_lock
from scaffold.questions import load_questions
from scaffold.render import run_render
from scaffold.source import TemplateSource, resolve_source
from scaffold.terminal import Progress


@dataclass(frozen=True)
class NewResult:
    """What `run_new` produced."""

    project_abspath: Path
    answers: Answers
    files_relpaths: tuple[str, ...]
    commit: str | None
    template_version: str
    lock: LockResult | None
    moved_aside_abspath: Path | None
    dry_run: bool = False


def run_new(
    *,
    name: str,
    output_dir: Path | str = ".",
    data: Mapping[str, Any] | None = None,
    ask: Asker | None = None,
    answers: Answers | None = None,
    git: bool = True,
    lock: bool = True,
    force: bool = False,
    dry_run: bool = False,
    quiet: bool = True,
    source: TemplateSource | None = None,
    progress: Progress = terminal.quiet,
) -> NewResult:
    """Validate every answer, render into a staging folder, lock, commit, then move into place.

    `data` holds explicit answers by question name; the rest come from `ask` or the defaults
    (or pass `answers` already resolved). An old destination is only replaced with `force`, and
    is moved aside, never deleted. `dry_run` renders into a temporary folder, lists what would be
    written and writes nothing.
    """
    source = source or resolve_source()
    questions = load_questions(source.copier_yml_abspath)
    check_project_name(name, questions)
    dst_abspath = Path(output_dir).absolute() / name
    # Checked before the wizard so nobody answers ten questions to hit this.
    check_destination(dst_abspath, force=force)
    if answers is None:
        answers = resolve_answers(questions, project_name=name, explicit=data or {}, ask=ask)
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="scaffold-dry-run-") as tmp:
            rendered = Path(tmp) / name
            with progress("Rendering the template"):
                run_render(answers=answers, source=source, dst_abspath=rendered, quiet=quiet)
            files = list_files(rendered)
        return NewResult(dst_abspath, answers, files, None, source.tag, None, None, dry_run=True)
    with staged_destination(dst_abspath, force=force) as (staging_abspath, moved_aside):
        with progress("Rendering the template"):
            run_render(answers=answers, source=source, dst_abspath=staging_abspath, quiet=quiet)
        locked = None
        if lock:
            with progress("Locking the dependencies (uv lock)"):
                locked = run_uv_lock(staging_abspath)
        files = list_files(staging_abspath)
        commit = None
        if git:
            with progress("Making the first commit (git)"):
                commit = run_git_init(
                    staging_abspath, message=f"Initial commit from scaffold ({name})"
                )
    return NewResult(
        project_abspath=dst_abspath,
        answers=answers,
        files_relpaths=files,
        commit=commit,
        template_version=source.tag,
        lock=locked,
        moved_aside_abspath=moved_aside[0] if moved_aside else None,
    )


def list_files(root_abspath: Path) -> tuple[str, ...]:
    """Relative paths of the rendered files (git's own folder excluded)."""
    return tuple(
        sorted(
            path.relative_to(root_abspath).as_posix()
            for path in root_abspath.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(root_abspath).parts
        )
    )
