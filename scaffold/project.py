"""`run_new`: the pipeline behind `scaffold new`, usable from Python."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffold.answers import Answers, Asker, check_project_name, resolve_answers
from scaffold.destination import check_destination, staged_destination
from scaffold.gitinit import run_git_init
from scaffold.questions import load_questions
from scaffold.render import run_render
from scaffold.source import resolve_source


@dataclass(frozen=True)
class NewResult:
    """What `run_new` produced."""

    project_abspath: Path
    answers: Answers
    files_relpaths: tuple[str, ...]
    commit: str | None


def run_new(
    *,
    name: str,
    output_dir: Path | str = ".",
    data: Mapping[str, Any] | None = None,
    ask: Asker | None = None,
    git: bool = True,
    force: bool = False,
    quiet: bool = True,
) -> NewResult:
    """Validate every answer, render into a staging folder, commit it, then move it into place.

    `data` holds explicit answers by question name; the rest come from `ask` or the defaults.
    """
    source = resolve_source()
    questions = load_questions(source.copier_yml_abspath)
    check_project_name(name, questions)
    dst_abspath = Path(output_dir).absolute() / name
    # Checked before the wizard so nobody answers ten questions to hit this.
    check_destination(dst_abspath, force=force)
    answers = resolve_answers(questions, project_name=name, explicit=data or {}, ask=ask)
    with staged_destination(dst_abspath, force=force) as staging_abspath:
        run_render(answers=answers, source=source, dst_abspath=staging_abspath, quiet=quiet)
        files = list_files(staging_abspath)
        commit = None
        if git:
            commit = run_git_init(staging_abspath, message=f"Initial commit from scaffold ({name})")
    return NewResult(dst_abspath, answers, files, commit)


def list_files(root_abspath: Path) -> tuple[str, ...]:
    """Relative paths of the rendered files (git's own folder excluded)."""
    return tuple(
        sorted(
            path.relative_to(root_abspath).as_posix()
            for path in root_abspath.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(root_abspath).parts
        )
    )
