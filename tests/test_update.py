"""Updates on real git history: this repository's releases, and two commits made on a clone.

`one` and `two` are template versions cut from a clone of this repository: the working tree's
templates committed (one), then a second commit that edits a file users edit, one they don't,
and adds a file (two). Both are added to a template store of this module's own, exactly as a
scaffold running from that clone would. The real v0.1.0 (from the release record) provides the
v0.2.0 migration path (migrations/README -> README.md).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import copier
import pytest
import yaml
from bake import REPO_ABSPATH, clean_env, run, uv_executable
from conftest import Invoke

from scaffold import run_new
from scaffold.gitinit import run_git_init
from scaffold.releases import read_releases
from scaffold.source import TemplateSource, checkout_source
from scaffold.store import TemplateStore, open_store

SLUG = "svc"
ANSWERS = {"framework": "fastapi", "target": "crud", "database": "sqlite"}
README = "templates/fastapi/README.md.jinja"
TEMPLATE_LINE = "Release two of the template added this line."
USER_LINE = "Notes the project's owner added."
V2_DOCKERIGNORE_LINE = "*.sqlite3"
NEW_TEST = "templates/fastapi/tests/test_release_two.py.jinja"
NEW_TEST_BODY = (
    "import {{ project_slug }}\n\n\n"
    "def test_package_imports() -> None:\n"
    '    assert {{ project_slug }}.__name__ == "{{ project_slug }}"\n'
)
OLD_README = "migrations/README"
CONFLICT = "<<<<<<< before updating"


def git(cwd: Path, *args: str) -> str:
    """git in cwd with a fixed identity, returning stdout."""
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return run(["git", *identity, *args], cwd=cwd).stdout


def overlay_working_tree(clone: Path) -> None:
    """The working tree's templates, copier.yml and changelog (this change may be uncommitted)."""
    for name in ("copier.yml", "CHANGELOG.md"):
        shutil.copy2(REPO_ABSPATH / name, clone / name)
    shutil.rmtree(clone / "templates")
    shutil.copytree(
        REPO_ABSPATH / "templates",
        clone / "templates",
        ignore=shutil.ignore_patterns("__pycache__", ".venv", "*.pyc", ".*_cache"),
    )


def make_release_two(clone: Path) -> None:
    """Change a file users edit, one they don't, and add a file; commit."""
    readme = (clone / README).read_text().splitlines(keepends=True)
    # After the title: far from the end, where the user's edit goes.
    (clone / README).write_text("".join([readme[0], f"\n{TEMPLATE_LINE}\n", *readme[1:]]))
    with (clone / "templates/shared/.dockerignore").open("a") as handle:
        handle.write(f"{V2_DOCKERIGNORE_LINE}\n")
    (clone / NEW_TEST).write_text(NEW_TEST_BODY)
    git(clone, "add", "--all")
    git(clone, "commit", "--quiet", "-m", "release two")


@dataclass(frozen=True)
class Versions:
    """The module's store and the template versions in it."""

    store: TemplateStore
    one: TemplateSource
    two: TemplateSource


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Versions]:
    """Versions one and two, added to a store this module's scaffold commands use too."""
    base = tmp_path_factory.mktemp("history")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCAFFOLD_CACHE_DIR", str(base / "store"))
        store = open_store()
        clone = base / "clone"
        git(base, "clone", "--quiet", "--no-local", str(REPO_ABSPATH), str(clone))
        overlay_working_tree(clone)
        git(clone, "add", "--all")
        git(clone, "commit", "--quiet", "--allow-empty", "-m", "the working tree")
        one = checkout_source(clone, store)
        make_release_two(clone)
        two = checkout_source(clone, store)
        yield Versions(store, one, two)


@pytest.fixture
def to_two(versions: Versions, monkeypatch: pytest.MonkeyPatch) -> Versions:
    """`scaffold update` of this test moves projects to version two."""
    monkeypatch.setattr("scaffold.upgrade.resolve_source", lambda: versions.two)
    return versions


@dataclass(frozen=True)
class Generated:
    """A generated project, committed."""

    path: Path

    def read(self, relpath: str) -> str:
        return (self.path / relpath).read_text()

    def append(self, relpath: str, text: str) -> None:
        with (self.path / relpath).open("a") as handle:
            handle.write(text)

    def commit_all(self, message: str) -> None:
        git(self.path, "add", "--all")
        git(self.path, "commit", "--quiet", "-m", message)

    def status(self) -> str:
        return git(self.path, "status", "--porcelain")

    def answers(self) -> dict[str, str]:
        data = yaml.safe_load(self.read(".copier-answers.yml"))
        assert isinstance(data, dict)
        return data


@pytest.fixture
def project(versions: Versions, tmp_path: Path) -> Generated:
    """A FastAPI CRUD (SQLite) project from version one, with the user's README edit committed."""
    result = run_new(name=SLUG, output_dir=tmp_path, data=ANSWERS, lock=False, source=versions.one)
    generated = Generated(result.project_abspath)
    generated.append("README.md", f"\n{USER_LINE}\n")
    generated.commit_all("user edit")
    return generated


@pytest.fixture
def from_v010(versions: Versions, tmp_path: Path) -> Generated:
    """The same project from the real release v0.1.0, before migrations/README was renamed."""
    path = tmp_path / SLUG
    data = {**ANSWERS, "project_name": SLUG}
    src = str(versions.store.bundle_abspath)
    copier.run_copy(src, path, data=data, vcs_ref="v0.1.0", defaults=True, quiet=True)
    run_git_init(path, message="generated from v0.1.0")
    return Generated(path)


def test_the_release_record_resolves_this_repositorys_releases() -> None:
    releases = {release.version: release.commit for release in read_releases(REPO_ABSPATH)}
    # v0.1.0 is the commit that wrote CHANGELOG.md's v0.1.0 (CRUD only; update and bundles).
    assert releases["0.1.0"].startswith("a2094e6")
    assert "0.2.0" in releases


def test_update_keeps_edits_applies_changes_and_reports_both_versions(
    to_two: Versions, project: Generated, invoke: Invoke
) -> None:
    assert project.answers()["_commit"] == to_two.one.tag
    result = invoke("update", project.path)
    assert result.exit_code == 0, result.output
    assert f"template {to_two.one.tag} -> {to_two.two.tag}" in result.output
    readme = project.read("README.md")
    assert USER_LINE in readme and TEMPLATE_LINE in readme and CONFLICT not in readme
    assert V2_DOCKERIGNORE_LINE in project.read(".dockerignore")
    assert (project.path / "tests" / "test_release_two.py").is_file()
    assert project.answers()["_commit"] == to_two.two.tag
    assert "tests/test_release_two.py" in result.output
    assert git(project.path, "diff", "--name-only", "--diff-filter=U") == ""


def test_check_and_update_agree_before_and_after(
    to_two: Versions, project: Generated, invoke: Invoke
) -> None:
    head = git(project.path, "rev-parse", "HEAD")
    result = invoke("update", project.path, "--check")
    assert result.exit_code == 1, result.output
    assert f"{to_two.one.tag} -> {to_two.two.tag}" in result.output
    assert project.status() == "" and git(project.path, "rev-parse", "HEAD") == head
    assert invoke("update", project.path).exit_code == 0
    project.commit_all("update to two")
    result = invoke("update", project.path, "--check")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"up to date with template version {to_two.two.tag}"
    result = invoke("update", project.path)
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output and project.status() == ""


def test_conflicting_edit_leaves_markers_exits_1_and_lists_the_files(
    to_two: Versions, project: Generated, invoke: Invoke
) -> None:
    readme = project.read("README.md").splitlines(keepends=True)
    # The same spot release two edits: right after the title.
    (project.path / "README.md").write_text(
        "".join([readme[0], "\nMy own line here.\n", *readme[1:]])
    )
    project.commit_all("conflicting edit")
    result = invoke("update", project.path)
    assert result.exit_code == 1, result.output
    assert "1 file(s) have conflicts: README.md" in result.output
    text = project.read("README.md")
    assert CONFLICT in text and ">>>>>>> after updating" in text
    assert "My own line here." in text and TEMPLATE_LINE in text
    assert git(project.path, "diff", "--name-only", "--diff-filter=U").split() == ["README.md"]


def test_dirty_tree_is_refused_and_nothing_changes(
    to_two: Versions, project: Generated, invoke: Invoke
) -> None:
    (project.path / "README.md").write_text("uncommitted\n")
    before = {
        p: p.read_bytes() for p in project.path.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    result = invoke("update", project.path)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "uncommitted changes" in result.output
    after = {
        p: p.read_bytes() for p in project.path.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    assert after == before
    assert project.status() == " M README.md\n"


def test_a_missing_folder_says_so(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("update", tmp_path / "no" / "such" / "dir")
    assert result.exit_code == 2
    assert result.stderr == f"scaffold: error: {tmp_path / 'no' / 'such' / 'dir'} does not exist\n"


def test_data_changes_an_answer(to_two: Versions, project: Generated, invoke: Invoke) -> None:
    assert 'requires-python = ">=3.11"' in project.read("pyproject.toml")
    result = invoke("update", project.path, "--data", "python_version=3.12")
    assert result.exit_code == 0, result.output
    assert "python_version: '3.12'" in project.read(".copier-answers.yml")
    assert 'requires-python = ">=3.12"' in project.read("pyproject.toml")
    assert USER_LINE in project.read("README.md")


def test_data_is_validated_like_flags_before_anything_changes(
    to_two: Versions, project: Generated, invoke: Invoke
) -> None:
    result = invoke("update", project.path, "--data", "database=oracle")
    assert result.exit_code == 2
    assert "invalid value for --database: 'oracle' (choose from" in result.output
    result = invoke("update", project.path, "--data", "colour=blue")
    assert result.exit_code == 2
    assert "unknown question 'colour'" in result.output
    # admin is only asked for flask full-stack projects; this one is a FastAPI CRUD API.
    result = invoke("update", project.path, "--data", "admin=yes")
    assert result.exit_code == 2
    assert "--data admin: copier.yml does not ask it" in result.output
    assert project.status() == ""
    assert project.answers()["_commit"] == to_two.one.tag


def plain_copier(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The copier command installed beside this interpreter."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "copier"), "update", "--defaults", "--trust", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
    )


def test_plain_copier_update_works_too(to_two: Versions, project: Generated) -> None:
    proc = plain_copier(project.path, "--vcs-ref", to_two.two.tag)
    assert proc.returncode == 0, proc.stderr
    assert TEMPLATE_LINE in project.read("README.md") and USER_LINE in project.read("README.md")


def test_plain_copier_update_with_conflicts_fails_and_lists_them(
    to_two: Versions, project: Generated
) -> None:
    readme = project.read("README.md").splitlines(keepends=True)
    (project.path / "README.md").write_text("".join([readme[0], "\nMine.\n", *readme[1:]]))
    project.commit_all("conflicting edit")
    proc = plain_copier(project.path, "--vcs-ref", to_two.two.tag, "--conflict", "inline")
    assert proc.returncode != 0
    assert "copier update left conflicts in:\nREADME.md\n" in proc.stderr


def test_v010_update_runs_the_migration_and_keeps_edits_of_the_moved_file(
    versions: Versions, from_v010: Generated, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.upgrade.resolve_source", lambda: versions.one)
    assert (from_v010.path / OLD_README).is_file()
    from_v010.append(OLD_README, f"{USER_LINE}\n")
    from_v010.append("README.md", f"\n{USER_LINE}\n")
    from_v010.commit_all("edit the file v0.2.0 moves")
    result = invoke("update", from_v010.path)
    assert result.exit_code == 0, result.output
    assert f"template v0.1.0 -> {versions.one.tag}" in result.output
    moved = from_v010.read("migrations/README.md")
    assert moved.endswith(f"{USER_LINE}\n") and CONFLICT not in moved, moved
    assert not (from_v010.path / OLD_README).exists()
    assert USER_LINE in from_v010.read("README.md")
    assert from_v010.answers()["_commit"] == versions.one.tag


def test_a_legacy_project_from_a_deleted_checkout_is_anchored_then_updated(
    versions: Versions, from_v010: Generated, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Older scaffolds recorded the checkout path and a bare commit id; the checkout is gone."""
    monkeypatch.setattr("scaffold.upgrade.resolve_source", lambda: versions.one)
    answers = from_v010.read(".copier-answers.yml")
    answers = answers.replace("_commit: v0.1.0", "_commit: a2094e6")
    answers = answers.replace(
        f"_src_path: {versions.store.bundle_abspath}", "_src_path: /no/longer/a/checkout"
    )
    (from_v010.path / ".copier-answers.yml").write_text(answers)
    from_v010.commit_all("as scaffold 0.1 recorded it")
    check = invoke("update", from_v010.path, "--check")
    assert check.exit_code == 1, check.output
    assert f"v0.1.0 -> {versions.one.tag}" in check.output
    result = invoke("update", from_v010.path)
    assert result.exit_code == 0, result.output
    assert "Recorded scaffold's template store" in result.output
    assert f"template v0.1.0 -> {versions.one.tag}" in result.output
    assert from_v010.answers()["_src_path"] == versions.one.src_path
    assert from_v010.answers()["_commit"] == versions.one.tag
    assert (from_v010.path / "migrations" / "README.md").is_file()


def test_updated_project_passes_its_own_tests_with_a_fresh_lock(
    versions: Versions, from_v010: Generated, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffold.upgrade.resolve_source", lambda: versions.two)
    env = clean_env(DATABASE_URL=f"sqlite:///{from_v010.path / 'test.db'}")
    run([uv_executable(), "lock", "--quiet"], cwd=from_v010.path, env=env, timeout=300)
    from_v010.commit_all("lock")
    result = invoke("update", from_v010.path)
    assert result.exit_code == 0, result.output
    # v0.1.0 -> two changes dependencies: the update re-locked, so --locked installs it.
    assert "uv.lock" in result.output
    run([uv_executable(), "sync", "--locked", "--quiet"], cwd=from_v010.path, env=env, timeout=300)
    tests = run(
        [from_v010.path / ".venv" / "bin" / "pytest", "-v", "-p", "no:cacheprovider"],
        cwd=from_v010.path,
        env=env,
        timeout=300,
    )
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary, tests.stdout[-3000:]
    assert not any(word in summary for word in ("failed", "error", "skipped")), summary
    assert "tests/test_release_two.py::test_package_imports PASSED" in tests.stdout


def test_a_checkout_a_project_updated_by_checkout_b_moves_to_bs_release(tmp_path: Path) -> None:
    """Checkout A (the real v0.1.0, as a user's clone) generates; A is deleted; checkout B, a
    clone of this working tree with a release cut by scripts/release, updates the project."""
    env = clean_env(SCAFFOLD_CACHE_DIR=str(tmp_path / "store"))
    env |= {
        f"GIT_{who}_{what}": value
        for who in ("AUTHOR", "COMMITTER")
        for what, value in (("NAME", "t"), ("EMAIL", "t@example.com"))
    }
    a, b, work = tmp_path / "a", tmp_path / "b", tmp_path / "work"
    work.mkdir()
    git(tmp_path, "clone", "--quiet", str(REPO_ABSPATH), str(a))
    v010 = next(r for r in read_releases(REPO_ABSPATH) if r.version == "0.1.0")
    git(a, "checkout", "--quiet", v010.commit)
    flags = ["--framework", "fastapi", "--target", "crud", "--database", "sqlite", "--yes"]
    run(
        [sys.executable, "-m", "scaffold", "new", SLUG, *flags],
        cwd=work,
        env={**env, "PYTHONPATH": str(a)},
        timeout=120,
    )
    project = Generated(work / SLUG)
    assert project.answers()["_src_path"] == str(a)
    project.append("README.md", f"\n{USER_LINE}\n")
    project.commit_all("user edit")
    shutil.rmtree(a)

    git(tmp_path, "clone", "--quiet", str(REPO_ABSPATH), str(b))
    for folder in ("scaffold", "scripts"):
        shutil.rmtree(b / folder)
        shutil.copytree(
            REPO_ABSPATH / folder,
            b / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_template"),
        )
    overlay_working_tree(b)
    changelog = (b / "CHANGELOG.md").read_text()
    (b / "CHANGELOG.md").write_text(
        changelog.replace("# Changelog\n", "# Changelog\n\n## Unreleased\n- B's release.\n", 1)
    )
    git(b, "add", "--all")
    git(b, "commit", "--quiet", "-m", "B's working tree")
    newest = max(read_releases(b), key=lambda r: tuple(int(p) for p in r.version.split(".")))
    major, minor, micro = (int(part) for part in newest.version.split("."))
    release = f"{major}.{minor}.{micro + 1}"
    run([sys.executable, str(b / "scripts" / "release"), release], cwd=b, env=env)
    b_env = {**env, "PYTHONPATH": str(b)}
    check = run(
        [sys.executable, "-m", "scaffold", "update", "--check", project.path],
        cwd=work,
        env=b_env,
        check=False,
    )
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"v0.1.0 -> v{release}" in check.stdout
    update = run([sys.executable, "-m", "scaffold", "update", project.path], cwd=work, env=b_env)
    assert f"template v0.1.0 -> v{release}" in update.stdout
    assert project.answers()["_commit"] == f"v{release}"
    assert USER_LINE in project.read("README.md") and CONFLICT not in project.read("README.md")
    assert (project.path / "migrations" / "README.md").is_file()
    check = run(
        [sys.executable, "-m", "scaffold", "update", "--check", project.path], cwd=work, env=b_env
    )
    assert check.stdout.strip() == f"up to date with template version v{release}"
