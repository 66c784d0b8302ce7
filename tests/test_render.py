"""Rendering: staged beside the destination, nothing left on Ctrl-C or error, git, sources."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Invoke
from copier._main import Worker

from scaffold import NewResult, run_new
from scaffold.destination import staged_destination
from scaffold.source import checkout_source
from scaffold.store import TemplateStore

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
    result = invoke("new", "svc", "--yes", "--no-lock")
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
    assert invoke("new", "svc", "--yes", "--no-lock").exit_code == 0
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
    result = invoke("new", "svc", "--yes", "--no-lock")
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
    def unreachable(project_abspath: Path) -> None:
        raise subprocess.TimeoutExpired(["uv", "lock"], 300)

    monkeypatch.setattr("scaffold.generate.run_uv_lock", unreachable)
    result = invoke("new", "svc", "--yes", "--output-dir", tmp_path / "new" / "parent")
    assert result.exit_code == 1
    assert result.stderr.startswith("scaffold: failed: TimeoutExpired: Command '['uv', 'lock']'")
    # Even the output folders made for the project are removed again.
    assert listing(tmp_path) == []


def test_staging_failure_keeps_an_existing_destination(tmp_path: Path) -> None:
    dst = tmp_path / "svc"
    dst.mkdir()
    (dst / "keep.txt").write_text("mine")
    with pytest.raises(RuntimeError), staged_destination(dst, force=True) as (staging, _aside):
        (staging / "half.txt").write_text("partial")
        raise RuntimeError("render failed")
    assert listing(tmp_path) == ["svc", "svc/keep.txt"]


def test_project_folder_follows_the_umask(invoke: Invoke, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert invoke("new", "svc", "--yes", "--no-git", "--no-lock").exit_code == 0
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
        lock=False,
    )
    assert isinstance(result, NewResult)
    assert result.project_abspath == tmp_path / "svc"
    assert ".copier-answers.yml" in result.files_relpaths
    assert result.commit is None
    answers = yaml.safe_load((tmp_path / "svc" / ".copier-answers.yml").read_text())
    assert {k: answers[k] for k in result.answers} == dict(result.answers)


def clone_with_debris(tmp_path: Path) -> Path:
    """A clone of this repository holding what a user's checkout collects: a generated project
    with its own git history, a virtualenv and stray files, none of them tracked or ignored."""
    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "--quiet", str(REPO_ABSPATH), str(checkout))
    nested = checkout / "myapi"
    nested.mkdir()
    (nested / "app.py").write_text("print('mine')\n")
    git(nested, "init", "--quiet")
    git(nested, "add", "--all")
    git(nested, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "mine")
    venv = checkout / "env"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (checkout / "notes.txt").write_text("scratch\n")
    (checkout / "build-output").mkdir()
    (checkout / "build-output" / "a.whl").write_bytes(b"PK\x03\x04")
    return checkout


def test_checkout_source_renders_head_plus_uncommitted_template_edits(tmp_path: Path) -> None:
    checkout = clone_with_debris(tmp_path)
    (checkout / "templates" / "fastapi" / "EDITED.md").write_text("not committed yet\n")
    store = TemplateStore(tmp_path / "store")
    store.root.mkdir()
    store.ensure_repo()
    resolved = checkout_source(checkout, store)
    head = git(checkout, "rev-parse", "HEAD")
    assert "+dirty." in resolved.tag or ".dirty." in resolved.tag, resolved.tag
    assert resolved.src_path == str(store.bundle_abspath)
    run_new(name="svc", output_dir=tmp_path / "out", git=False, lock=False, source=resolved)
    project = tmp_path / "out" / "svc"
    assert (project / "EDITED.md").read_text() == "not committed yet\n"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (answers["_src_path"], answers["_commit"]) == (str(store.bundle_abspath), resolved.tag)
    # The snapshot holds the template edits on top of HEAD, and nothing else of the checkout.
    snapshot = store.tags()[resolved.tag]
    changed = store.git("diff", "--name-only", head, snapshot).split()
    assert changed == ["templates/fastapi/EDITED.md"]
    # The same edits give the same snapshot, so rendering twice adds no second tag.
    assert checkout_source(checkout, store).tag == resolved.tag
    # The checkout itself is left as it was: no commit, no staged file, debris untouched.
    assert git(checkout, "rev-parse", "HEAD") == head
    assert git(checkout, "diff", "--cached", "--name-only") == ""
    assert (checkout / "myapi" / "app.py").read_text() == "print('mine')\n"


def test_a_checkout_full_of_debris_still_renders_and_tests(tmp_path: Path) -> None:
    """The scaffold of a cluttered checkout (nested repo, venv, stray files) renders, and its
    fast tests pass with the clutter present (the README's first command used to break both)."""
    checkout = clone_with_debris(tmp_path)
    # The working tree's scaffold/ and tests/ (this change may be uncommitted).
    for folder in ("scaffold", "tests"):
        shutil.rmtree(checkout / folder)
        shutil.copytree(
            REPO_ABSPATH / folder,
            checkout / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.py[co]", "_template"),
        )
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "scaffold", "new", "svc", "--yes", "--no-lock"],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"checkout {checkout}" not in proc.stdout  # rendered from the store, not the clone
    assert (out / "svc" / ".copier-answers.yml").is_file()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-x",
            "tests/test_render.py",
            "-k",
            "git_init or run_new",
            "tests/test_answers.py",
        ],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
