"""Files the templates moved: a v0.2.0 project updates with its edits at the new paths.

The throwaway template repository holds two versions: v0.2.0, as the release record names it,
and this working tree's copier.yml and templates, tagged as the newest `_migrations` version.
A project per variant with moved files is generated at v0.2.0, edited, committed and updated
with plain `copier update`.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from bake import REPO_ABSPATH, run
from packaging.version import Version

from scaffold.releases import read_releases

# v0.2.0's templates, from the release record (CHANGELOG.md).
V020_COMMIT = next(r.commit for r in read_releases(REPO_ABSPATH) if r.version == "0.2.0")
SLUG = "svc"
KEPT = "kept across the update"
# This tree's release: at least the newest `_migrations` version, so that every entry runs.
NEW_RELEASE = max(
    (
        m["version"]
        for m in yaml.safe_load((REPO_ABSPATH / "copier.yml").read_text())["_migrations"]
        if "version" in m
    ),
    key=Version,
)


@dataclass(frozen=True)
class Move:
    """A file the project edits before updating, where it must end up, and the edit."""

    old: str
    new: str
    line: str
    # The edit goes after the first line starting with this (None: at the end of the file).
    after: str | None = None


@dataclass(frozen=True)
class Case:
    """A variant of v0.2.0 with moved files, and the files its owner added under moved folders."""

    answers: dict[str, str]
    moves: tuple[Move, ...]
    added: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.answers['framework']}-{self.answers['target']}"


CASES = (
    Case(
        {"framework": "flask", "target": "full-stack", "database": "postgresql"},
        (
            Move(f"{SLUG}/web/setup.py", f"{SLUG}/web/__init__.py", f"    # {KEPT}", "    app.cli"),
            Move(
                f"{SLUG}/templates/items/list.html",
                f"{SLUG}/web/templates/items/list.html",
                f"{{# {KEPT} #}}",
                "{% if items %}",
            ),
            Move(f"{SLUG}/templates/_form.html", f"{SLUG}/web/templates/_fields.html", KEPT),
            Move(f"{SLUG}/static/app.css", f"{SLUG}/web/static/app.css", f"/* {KEPT} */"),
        ),
        added={f"{SLUG}/templates/items/detail.html": f"{SLUG}/web/templates/items/detail.html"},
    ),
    Case(
        {"framework": "flask", "target": "ml-serving", "database": "postgresql"},
        (
            Move("tests/test_ml.py", "tests/test_predict.py", f"    # {KEPT}", "    body = _json("),
            Move(
                "tests/test_serving.py",
                "tests/test_aggregate.py",
                f"        # {KEPT}",
                "    def _an",
            ),
        ),
    ),
    Case(
        {"framework": "fastapi", "target": "ml-serving", "database": "postgresql"},
        (
            Move(f"{SLUG}/ml/predictions.py", f"{SLUG}/ml/prediction_log.py", f"# {KEPT}", "LOG_"),
            Move("tests/test_event_loop.py", "tests/test_health_during_batches.py", f"# {KEPT}"),
        ),
    ),
)


def git(cwd: Path, *args: str) -> str:
    """git in cwd with a fixed identity, returning stdout."""
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return run(["git", *identity, *args], cwd=cwd).stdout


def copier(cwd: Path, *args: str | Path) -> str:
    """The copier CLI of this interpreter, returning its output."""
    return run([sys.executable, "-m", "copier", *args], cwd=cwd).stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A template repository tagged v0.2.0 (the branch point) and NEW_RELEASE (this tree)."""
    repo = tmp_path_factory.mktemp("template") / "repo"
    run(["git", "clone", "--quiet", "--no-checkout", REPO_ABSPATH, repo], cwd=repo.parent)
    git(repo, "checkout", "--quiet", "--detach", V020_COMMIT)
    git(repo, "tag", "v0.2.0")
    (repo / "copier.yml").unlink()
    shutil.rmtree(repo / "templates")
    shutil.copy2(REPO_ABSPATH / "copier.yml", repo / "copier.yml")
    shutil.copytree(
        REPO_ABSPATH / "templates",
        repo / "templates",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*_cache"),
    )
    git(repo, "add", "--all", "copier.yml", "templates")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "this working tree's templates")
    git(repo, "tag", NEW_RELEASE)
    return repo


def edit(project: Path, move: Move) -> None:
    """Put the move's line into the project's file at its old path."""
    path = project / move.old
    lines = path.read_text().splitlines(keepends=True)
    at = len(lines)
    if move.after is not None:
        at = next(i for i, line in enumerate(lines) if line.startswith(move.after)) + 1
    lines.insert(at, f"{move.line}\n")
    path.write_text("".join(lines))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_edits_of_moved_files_survive_the_update(
    case: Case, template: Path, tmp_path: Path
) -> None:
    project = tmp_path / SLUG
    data = [arg for key, value in case.answers.items() for arg in ("--data", f"{key}={value}")]
    copier(tmp_path, "copy", "--trust", "--defaults", "--vcs-ref", "v0.2.0", *data, template, SLUG)
    for move in case.moves:
        assert (project / move.old).is_file(), f"v0.2.0 has no {move.old}"
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "generated at v0.2.0")
    for move in case.moves:
        edit(project, move)
    for old, _ in case.added.items():
        (project / old).write_text(f"{{# {KEPT}: {old} #}}\n")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "the owner's edits")

    copier(project, "update", "--trust", "--defaults", "--vcs-ref", NEW_RELEASE)

    for move in case.moves:
        assert not (project / move.old).exists(), f"{move.old} is still there"
        text = (project / move.new).read_text()
        assert move.line in text, f"the edit of {move.old} is not in {move.new}"
        assert "<<<<<<<" not in text and ">>>>>>>" not in text
    for old, new in case.added.items():
        assert not (project / old).exists()
        assert (project / new).read_text() == f"{{# {KEPT}: {old} #}}\n"
    # Nothing else is left where the old files were, and nothing conflicts.
    assert git(project, "ls-files", "--unmerged") == ""
    leftovers = git(project, "ls-files", "--others", "--exclude-standard").split()
    assert not [path for path in leftovers if path.endswith((".rej", ".orig"))]
    if case.answers["framework"] == "flask" and case.answers["target"] == "full-stack":
        assert not (project / SLUG / "templates").exists()
        assert not (project / SLUG / "static").exists()
        assert not (project / SLUG / "web" / "setup.py").exists()
