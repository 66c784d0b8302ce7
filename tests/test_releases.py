"""The release record (CHANGELOG.md headings) and the versions it gives every commit."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from bake import REPO_ABSPATH, run
from packaging.version import Version

from scaffold.errors import GitError
from scaffold.releases import read_releases, recorded_versions, tag_for, version_of
from scaffold.source import dirty_version


def git(cwd: Path, *args: str) -> str:
    """git in cwd with a fixed identity."""
    return run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd).stdout.strip()


def commit_changelog(repo: Path, text: str, message: str) -> str:
    """Write CHANGELOG.md, commit it, return the commit id."""
    (repo / "CHANGELOG.md").write_text(text)
    git(repo, "add", "CHANGELOG.md")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def test_headings_are_pep440_and_newest_first() -> None:
    text = "# Changelog\n\n## Unreleased\n\n## v1.10.0 - 2026-12-01\n\n## v1.9.0\n"
    assert recorded_versions(text) == ["1.10.0", "1.9.0"]
    with pytest.raises(GitError, match="no PEP 440 version"):
        recorded_versions("## vnext\n")


def test_a_release_is_the_commit_adding_its_heading_and_others_follow_it(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet")
    before = commit_changelog(repo, "# Changelog\n\n## Unreleased\n", "start")
    one = commit_changelog(repo, "# Changelog\n\n## v1.0.0 - today\n", "Release v1.0.0")
    # Rewording the heading later does not move the release.
    commit_changelog(repo, "# Changelog\n\n## v1.0.0 - 2026-12-02\n", "date")
    after = commit_changelog(repo, "# Changelog\n\n## Unreleased\n\n## v1.0.0 - 2026-12-02\n", "x")
    releases = read_releases(repo)
    assert [(r.version, r.commit) for r in releases] == [("1.0.0", one)]
    assert version_of(repo, one, releases) == "1.0.0"
    assert version_of(repo, after, releases) == f"1.0.0.post2+g{after[:7]}"
    assert version_of(repo, before, read_releases(repo, before)) == f"0.0.0.post1+g{before[:7]}"
    # Sorting: release < later commits < their uncommitted edits < the next release.
    later = version_of(repo, after, releases)
    order = ["1.0.0", later, dirty_version(later, "abcdef0"), "1.0.1"]
    assert sorted(order, key=Version) == order
    assert tag_for(later) == f"v{later}"


def test_a_shallow_clone_is_refused_clearly(tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "--quiet", "--depth", "1", f"file://{REPO_ABSPATH}", str(shallow))
    with pytest.raises(GitError, match="shallow clone"):
        read_releases(shallow)


def test_every_migration_is_keyed_to_a_commit_of_main() -> None:
    """A `_migrations` version names a release or an existing post-release commit, never a
    future release: a path to an unreleased commit carrying the change must still run it."""
    migrations = yaml.safe_load((REPO_ABSPATH / "copier.yml").read_text())["_migrations"]
    releases = read_releases(REPO_ABSPATH)
    by_version = {release.version: release.commit for release in releases}
    first_parent = git(REPO_ABSPATH, "rev-list", "--first-parent", "HEAD").split()
    for entry in (m for m in migrations if "version" in m):
        version = Version(entry["version"])
        base = ".".join(str(part) for part in version.release)
        assert base in by_version, f"{entry['version']}: no release {base} in the record"
        if version.post is None:
            continue
        since = {
            commit: int(git(REPO_ABSPATH, "rev-list", "--count", f"{by_version[base]}..{commit}"))
            for commit in first_parent
        }
        matching = [c for c, count in since.items() if count == version.post]
        assert matching, f"{entry['version']}: no commit of main has that version"
        assert version_of(REPO_ABSPATH, matching[0], releases).startswith(f"{version}+g")
