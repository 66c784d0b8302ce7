"""Upgrade paths: two real template releases built from our templates in a temporary git repo."""

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

from scaffold import run_new, source
from scaffold.bundle import build_bundle, bundle_tags
from scaffold.gitinit import run_git_init

V1, V2 = "v0.1.0", "v0.2.0"
SLUG = "svc"
# Template edits of release two, relative to templates/fastapi (the variant these tests render).
README = "README.md.jinja"
DOCKERIGNORE = ".dockerignore"
NEW_TEST = "tests/test_release_two.py.jinja"
NEW_TEST_BODY = (
    "import {{ project_slug }}\n\n\n"
    "def test_package_imports() -> None:\n"
    '    assert {{ project_slug }}.__name__ == "{{ project_slug }}"\n'
)
TEMPLATE_LINE = "Release two of the template added this line."
USER_LINE = "Notes the project's owner added."
V2_DOCKERIGNORE_LINE = "*.sqlite3"
MOVED_LINE = "Release two moved this file to README.md."
ANSWERS = {"framework": "fastapi", "target": "crud", "database": "sqlite", "project_name": SLUG}


def git(cwd: Path, *args: str) -> str:
    """git in cwd with a fixed identity, returning stdout."""
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return run(["git", *identity, *args], cwd=cwd).stdout


def copy_templates(dst: Path) -> None:
    """The repository's copier.yml and templates (working tree), without caches."""
    dst.mkdir(parents=True)
    shutil.copy2(REPO_ABSPATH / "copier.yml", dst / "copier.yml")
    shutil.copytree(
        REPO_ABSPATH / "templates",
        dst / "templates",
        ignore=shutil.ignore_patterns("__pycache__", ".venv", "*.pyc", ".*_cache"),
    )


def make_release_two(repo: Path) -> None:
    """v0.2.0: changes a file users edit, one they don't, adds a file, moves one (migration)."""
    fastapi = repo / "templates" / "fastapi"
    readme = (fastapi / README).read_text().splitlines(keepends=True)
    # After the title: far from the end, where the user's edit goes.
    (fastapi / README).write_text("".join([readme[0], f"\n{TEMPLATE_LINE}\n", *readme[1:]]))
    with (fastapi / DOCKERIGNORE).open("a") as handle:
        handle.write(f"{V2_DOCKERIGNORE_LINE}\n")
    (fastapi / NEW_TEST).write_text(NEW_TEST_BODY)
    # The folder's own name may be templated (e.g. dropped when there is no database).
    for readme_abspath in sorted(repo.glob("templates/*/*migrations*/README")):
        moved = readme_abspath.with_name("README.md").relative_to(repo)
        git(repo, "mv", str(readme_abspath.relative_to(repo)), str(moved))
        (repo / moved).write_text(f"{MOVED_LINE}\n" + (repo / moved).read_text())
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "release two")
    git(repo, "tag", V2)


@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repo of our templates tagged v0.1.0, then changed and tagged v0.2.0."""
    repo = tmp_path_factory.mktemp("template") / "repo"
    copy_templates(repo)
    # Release one keeps v0.1.0's layout: migrations/README, which v0.2.0 renamed to README.md.
    for readme_abspath in sorted(repo.glob("templates/*/*migrations*/README.md")):
        readme_abspath.rename(readme_abspath.with_name("README"))
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "release one")
    git(repo, "tag", V1)
    make_release_two(repo)
    return repo


@dataclass(frozen=True)
class Generated:
    """A project rendered from release one and committed."""

    path: Path

    def read(self, relpath: str) -> str:
        return (self.path / relpath).read_text()

    def commit_all(self, message: str) -> None:
        git(self.path, "add", "--all")
        git(self.path, "commit", "--quiet", "-m", message)

    def status(self) -> str:
        return git(self.path, "status", "--porcelain")


@pytest.fixture
def project(template_repo: Path, tmp_path: Path) -> Iterator[Generated]:
    """A FastAPI CRUD (SQLite) project from v0.1.0, with the user's README edit committed."""
    path = tmp_path / SLUG
    copier.run_copy(str(template_repo), path, data=ANSWERS, vcs_ref=V1, defaults=True, quiet=True)
    run_git_init(path, message="generated")
    generated = Generated(path)
    with (path / "README.md").open("a") as handle:
        handle.write(f"\n{USER_LINE}\n")
    generated.commit_all("user edit")
    yield generated


def test_update_keeps_edits_applies_changes_and_runs_the_migration(
    project: Generated, invoke: Invoke
) -> None:
    assert "_commit: v0.1.0" in project.read(".copier-answers.yml")
    assert (project.path / "migrations" / "README").is_file()
    result = invoke("update", project.path)
    assert result.exit_code == 0, result.output
    assert "template v0.1.0 -> v0.2.0" in result.output
    readme = project.read("README.md")
    assert USER_LINE in readme and TEMPLATE_LINE in readme, readme
    assert "<<<<<<<" not in readme
    assert V2_DOCKERIGNORE_LINE in project.read(".dockerignore")
    assert (project.path / "tests" / "test_release_two.py").is_file()
    # The v0.2.0 migration moved the file before the merge: no stale copy, no conflict.
    assert not (project.path / "migrations" / "README").exists()
    assert (project.path / "migrations" / "README.md").is_file()
    assert "_commit: v0.2.0" in project.read(".copier-answers.yml")
    assert "tests/test_release_two.py" in result.output
    assert git(project.path, "diff", "--name-only", "--diff-filter=U") == ""


def test_migration_carries_edits_of_the_moved_file(project: Generated, invoke: Invoke) -> None:
    with (project.path / "migrations" / "README").open("a") as handle:
        handle.write(f"{USER_LINE}\n")
    project.commit_all("edit the file release two moves")
    result = invoke("update", project.path)
    assert result.exit_code == 0, result.output
    moved = project.read("migrations/README.md")
    assert moved.startswith(MOVED_LINE) and moved.endswith(f"{USER_LINE}\n"), moved
    assert "<<<<<<<" not in moved
    assert not (project.path / "migrations" / "README").exists()
    assert sorted(p.name for p in (project.path / "migrations").iterdir() if p.is_file()) == [
        "README.md",
        "env.py",
        "script.py.mako",
    ]


def test_conflicting_edit_of_the_moved_file_is_listed(project: Generated, invoke: Invoke) -> None:
    readme = project.path / "migrations" / "README"
    readme.write_text(f"{USER_LINE}\n" + readme.read_text())
    project.commit_all("edit the first line release two also edits")
    result = invoke("update", project.path)
    assert result.exit_code == 1, result.output
    assert "conflicts: migrations/README.md" in result.output
    moved = project.read("migrations/README.md")
    assert "<<<<<<< before updating" in moved and USER_LINE in moved and MOVED_LINE in moved


def test_updated_project_still_passes_its_own_tests(project: Generated, invoke: Invoke) -> None:
    assert invoke("update", project.path).exit_code == 0
    env = clean_env(DATABASE_URL=f"sqlite:///{project.path / 'test.db'}")
    run([uv_executable(), "sync", "--quiet"], cwd=project.path, env=env, timeout=300)
    tests = run(
        [project.path / ".venv" / "bin" / "pytest", "-v", "-p", "no:cacheprovider"],
        cwd=project.path,
        env=env,
        timeout=300,
    )
    summary = tests.stdout.strip().splitlines()[-1]
    assert " passed" in summary, tests.stdout[-3000:]
    assert not any(word in summary for word in ("failed", "error", "skipped")), summary
    assert "tests/test_release_two.py::test_package_imports PASSED" in tests.stdout


def test_conflicting_edit_leaves_markers_exits_1_and_lists_the_files(
    project: Generated, invoke: Invoke
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
    assert "<<<<<<< before updating" in text and ">>>>>>> after updating" in text
    assert "My own line here." in text and TEMPLATE_LINE in text
    assert git(project.path, "diff", "--name-only", "--diff-filter=U").split() == ["README.md"]


def test_dirty_tree_is_refused_and_nothing_changes(project: Generated, invoke: Invoke) -> None:
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


def test_check_reports_a_newer_version_without_writing(project: Generated, invoke: Invoke) -> None:
    head = git(project.path, "rev-parse", "HEAD")
    result = invoke("update", project.path, "--check")
    assert result.exit_code == 1, result.output
    assert "v0.1.0 -> v0.2.0" in result.output
    assert project.status() == "" and git(project.path, "rev-parse", "HEAD") == head
    assert invoke("update", project.path).exit_code == 0
    project.commit_all("update to v0.2.0")
    result = invoke("update", project.path, "--check")
    assert result.exit_code == 0, result.output
    assert "up to date with template version v0.2.0" in result.output


def test_data_changes_an_answer(project: Generated, invoke: Invoke) -> None:
    assert 'requires-python = ">=3.11"' in project.read("pyproject.toml")
    result = invoke("update", project.path, "--data", "python_version=3.12")
    assert result.exit_code == 0, result.output
    assert "python_version: '3.12'" in project.read(".copier-answers.yml")
    assert 'requires-python = ">=3.12"' in project.read("pyproject.toml")
    assert USER_LINE in project.read("README.md")


def test_data_is_validated_like_flags_before_anything_changes(
    project: Generated, invoke: Invoke
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
    assert "_commit: v0.1.0" in project.read(".copier-answers.yml")


def test_plain_copier_update_works_too(project: Generated) -> None:
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "copier"),
            "update",
            "--defaults",
            "--trust",
            "--conflict",
            "inline",
        ],
        cwd=project.path,
        capture_output=True,
        text=True,
        check=False,
        env=clean_env(),
    )
    assert proc.returncode == 0, proc.stderr
    assert TEMPLATE_LINE in project.read("README.md") and USER_LINE in project.read("README.md")


def package_bundle(template_repo: Path, site_packages: Path, tag: str) -> Path:
    """What a wheel's build hook installs: template.bundle (tags up to tag) and copier.yml."""
    packaged = site_packages / "scaffold" / "_template"
    site_packages.mkdir(parents=True)
    mirror = site_packages.parent / f"mirror-{tag}"
    git(site_packages.parent, "clone", "--quiet", "--mirror", str(template_repo), str(mirror))
    for newer in (t for t in git(mirror, "tag", "--list").split() if t > tag):
        git(mirror, "tag", "--delete", newer)
    build_bundle(mirror, tag.removeprefix("v"), packaged / "template.bundle")
    (packaged / "copier.yml").write_text(git(mirror, "show", f"{tag}:copier.yml"))
    return packaged


def test_wheel_source_renders_the_cached_bundle_at_its_version_tag(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = package_bundle(template_repo, tmp_path / "site-packages", V1)
    monkeypatch.setattr(source, "CHECKOUT_ABSPATH", tmp_path / "site-packages")
    monkeypatch.setattr(source, "PACKAGED_TEMPLATE_ABSPATH", packaged)
    monkeypatch.setattr(source, "packaged_version", lambda: "0.1.0")
    # The default cache folder, under a home of our own: recorded as ~/..., valid for any user.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    cached = tmp_path / "home" / ".cache" / "scaffold" / "template.bundle"
    recorded = "~/.cache/scaffold/template.bundle"
    resolved = source.resolve_source()
    assert (resolved.src_path, resolved.vcs_ref) == (recorded, V1)
    assert cached.read_bytes() == (packaged / "template.bundle").read_bytes()
    result = run_new(name="svc", output_dir=tmp_path / "out", git=False)
    answers = yaml.safe_load((result.project_abspath / ".copier-answers.yml").read_text())
    assert (answers["_src_path"], answers["_commit"]) == (recorded, V1)


def test_an_older_wheel_never_downgrades_the_cached_bundle(
    template_repo: Path, tmp_path: Path
) -> None:
    old = package_bundle(template_repo, tmp_path / "one" / "site-packages", V1)
    new = package_bundle(template_repo, tmp_path / "two" / "site-packages", V2)
    cached = tmp_path / "cache" / "template.bundle"
    source.install_bundle(old / "template.bundle", cached)
    assert bundle_tags(cached) == [V1]
    source.install_bundle(new / "template.bundle", cached)
    assert sorted(bundle_tags(cached)) == [V1, V2]
    source.install_bundle(old / "template.bundle", cached)
    assert sorted(bundle_tags(cached)) == [V1, V2]


def rendered_files(root: Path) -> dict[str, bytes]:
    """Every file of a project but git's folder and the answers file (its _commit differs)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.parts and path.name != ".copier-answers.yml"
    }


def test_latest_release_updates_to_the_working_tree_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, invoke: Invoke
) -> None:
    """Generate from this repository's newest v* tag, then update to the working tree.

    Until the repository has a release, its HEAD is tagged v0.1.0 in a throwaway clone, so the
    update carries exactly the uncommitted template edits (none on a clean checkout).
    """
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(REPO_ABSPATH), str(clone))
    tags = [t for t in git(clone, "tag", "--list", "v*").split() if source.highest_version([t])]
    latest = max(tags, key=lambda t: source.highest_version([t]) or 0, default="")
    if not latest:
        latest = V1
        git(clone, "tag", latest)
    # The working tree's templates over the clone: what `scaffold new` renders right now.
    (clone / "copier.yml").write_bytes((REPO_ABSPATH / "copier.yml").read_bytes())
    shutil.rmtree(clone / "templates")
    shutil.copytree(
        REPO_ABSPATH / "templates",
        clone / "templates",
        ignore=shutil.ignore_patterns("__pycache__", ".venv", "*.pyc", ".*_cache"),
    )
    project = tmp_path / "out" / SLUG
    copier.run_copy(str(clone), project, data=ANSWERS, vcs_ref=latest, defaults=True, quiet=True)
    run_git_init(project, message="generated")
    monkeypatch.setattr(source, "CHECKOUT_ABSPATH", clone)
    result = invoke("update", project)
    assert result.exit_code == 0, result.output
    fresh = tmp_path / "fresh" / SLUG
    copier.run_copy(str(clone), fresh, data=ANSWERS, vcs_ref="HEAD", defaults=True, quiet=True)
    assert rendered_files(project) == rendered_files(fresh)
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] != latest or (
        git(clone, "status", "--porcelain") == ""
        and git(clone, "describe", "--tags").strip() == latest
    )


def test_project_from_uncommitted_template_edits_is_refused_clearly(
    template_repo: Path, tmp_path: Path, invoke: Invoke
) -> None:
    dirty = tmp_path / "dirty"
    git(tmp_path, "clone", "--quiet", str(template_repo), str(dirty))
    (dirty / "templates" / "fastapi" / "EDITED.md").write_text("not committed\n")
    path = tmp_path / "out" / SLUG
    copier.run_copy(str(dirty), path, data=ANSWERS, vcs_ref="HEAD", defaults=True, quiet=True)
    run_git_init(path, message="generated")
    result = invoke("update", path)
    assert result.exit_code == 2, result.output
    assert "rendered from uncommitted template edits" in result.output
    assert git(path, "status", "--porcelain") == ""
