"""Rendering: staged beside the destination, nothing left on Ctrl-C or error, git, sources."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Invoke
from copier._main import Worker

from scaffold import NewResult, run_new, source
from scaffold.destination import staged_destination

REPO_ABSPATH = Path(__file__).resolve().parent.parent


def git(project: Path, *args: str) -> str:
    """Run git in project and return its output."""
    proc = subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def listing(root: Path) -> list[str]:
    """Every path under root, relative."""
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*"))


@pytest.mark.usefixtures("no_git_identity")
def test_git_init_makes_one_commit_and_a_clean_tree(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("new", "svc", "--yes")
    assert result.exit_code == 0, result.output
    project = tmp_path / "svc"
    assert git(project, "rev-list", "--count", "HEAD") == "1"
    assert git(project, "status", "--porcelain") == ""
    tracked = git(project, "ls-files").splitlines()
    assert ".copier-answers.yml" in tracked
    assert sorted(tracked) == listing_files(project)
    # No identity configured: the fallback one is used instead of failing.
    assert git(project, "log", "-1", "--format=%an <%ae>") == "scaffold <scaffold@localhost>"
    assert f"initial commit {git(project, 'rev-parse', 'HEAD')[:10]}" in result.stdout


def listing_files(project: Path) -> list[str]:
    """Files of the project outside .git."""
    return sorted(
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    )


def test_git_init_keeps_a_configured_identity(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path.parent / f"{tmp_path.name}-gitconfig"
    config.write_text("[user]\n\tname = Ada\n\temail = ada@example.org\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    assert invoke("new", "svc", "--yes").exit_code == 0
    assert git(tmp_path / "svc", "log", "-1", "--format=%an <%ae>") == "Ada <ada@example.org>"


def test_ctrl_c_while_copier_renders_leaves_nothing(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[Path] = []
    render_file = Worker._render_file

    def interrupted(self: Worker, *args: Any, **kwargs: Any) -> None:
        # Let copier write one file into the staging folder, then press Ctrl-C.
        if rendered:
            raise KeyboardInterrupt
        render_file(self, *args, **kwargs)
        rendered.append(Path(self.dst_path))

    monkeypatch.setattr(Worker, "_render_file", interrupted)
    result = invoke("new", "svc", "--yes")
    assert result.exit_code == 130
    assert result.stderr.strip() == "scaffold: aborted; nothing was written"
    assert len(rendered) == 1
    # copier was writing beside the destination, and that staging folder is gone too.
    assert rendered[0].parent.parent == tmp_path
    assert rendered[0].name == "svc"
    assert listing(tmp_path) == []


def test_failing_post_render_step_leaves_nothing(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name, *a, **k: None)
    result = invoke("new", "svc", "--yes", "--output-dir", tmp_path / "new" / "parent")
    assert result.exit_code == 2
    assert "git is not installed: install it or pass --no-git" in result.stderr
    # Even the output folders made for the project are removed again.
    assert listing(tmp_path) == []


def test_staging_failure_keeps_an_existing_destination(tmp_path: Path) -> None:
    dst = tmp_path / "svc"
    dst.mkdir()
    (dst / "keep.txt").write_text("mine")
    with pytest.raises(RuntimeError), staged_destination(dst, force=True) as staging:
        (staging / "half.txt").write_text("partial")
        raise RuntimeError("render failed")
    assert listing(tmp_path) == ["svc", "svc/keep.txt"]


def test_project_folder_follows_the_umask(invoke: Invoke, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert invoke("new", "svc", "--yes", "--no-git").exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "svc").stat().st_mode & 0o777 == 0o755


def test_run_new_is_a_keyword_only_python_api(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        run_new("svc")  # type: ignore[misc]
    result = run_new(
        name="svc",
        output_dir=tmp_path,
        data={"framework": "flask", "database": "sqlite"},
        git=False,
    )
    assert isinstance(result, NewResult)
    assert result.project_abspath == tmp_path / "svc"
    assert ".copier-answers.yml" in result.files_relpaths
    assert result.commit is None
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert {k: answers[k] for k in result.answers} == dict(result.answers)


def test_checkout_source_renders_head_plus_uncommitted_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = copy_template(tmp_path / "checkout")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t"]):
        git(checkout, *args, *(["commit", "-qm", "v1"] if args[0] == "-c" else []))
    (checkout / "templates" / "fastapi" / "EDITED.md").write_text("not committed yet\n")
    monkeypatch.setattr(source, "CHECKOUT_ABSPATH", checkout)
    resolved = source.resolve_source()
    assert (resolved.src_path, resolved.vcs_ref) == (str(checkout), "HEAD")
    run_new(name="svc", output_dir=tmp_path / "out", git=False)
    project = tmp_path / "out" / "svc"
    assert (project / "EDITED.md").read_text() == "not committed yet\n"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(checkout)
    assert answers["_commit"]


# The packaged (wheel) source, a git bundle copied to the user cache: tests/test_update.py.


def copy_template(dst: Path) -> Path:
    """The template part of this repository (what the wheel ships), copied to dst."""
    dst.mkdir(parents=True)
    shutil.copy2(REPO_ABSPATH / "copier.yml", dst / "copier.yml")
    shutil.copytree(
        REPO_ABSPATH / "templates",
        dst / "templates",
        ignore=shutil.ignore_patterns("__pycache__", "*.py[co]", ".venv"),
    )
    return dst
