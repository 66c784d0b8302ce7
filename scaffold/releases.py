"""The release record: CHANGELOG.md's `## v<version>` headings, and the version of any commit.

A release is the commit that adds its heading to CHANGELOG.md (`scripts/release` makes that
commit). Tags are derived from this record, never the other way round, so a clone, mirror or CI
checkout of main knows every release without fetching a single tag.

A commit that is no release is versioned after the newest release in its history, as
`<release>.post<commits since>+g<short id>`: PEP 440 sorts it after that release and before the
next one. Stdlib and packaging only: the wheel's build hook imports this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from scaffold.errors import GitError
from scaffold.git import run_git

CHANGELOG = "CHANGELOG.md"
HEADING = re.compile(r"^## v(?P<version>\S+)(?:\s|$)", re.MULTILINE)
SHORT_ID = 7


@dataclass(frozen=True)
class Release:
    """One recorded release: its version and the commit it was cut from."""

    version: str
    commit: str

    @property
    def tag(self) -> str:
        """The git tag (and copier `_commit`) naming this release."""
        return f"v{self.version}"


def recorded_versions(changelog_text: str) -> list[str]:
    """The versions of the `## v<version>` headings, as written, newest first."""
    versions = []
    for match in HEADING.finditer(changelog_text):
        try:
            Version(match["version"])
        except InvalidVersion as err:
            raise GitError(
                f"{CHANGELOG}: heading v{match['version']} is no PEP 440 version"
            ) from err
        versions.append(match["version"])
    return versions


def read_releases(repo_abspath: Path, rev: str = "HEAD") -> tuple[Release, ...]:
    """Every release recorded in rev's CHANGELOG.md, each with the commit that added its heading."""
    if run_git("rev-parse", "--is-shallow-repository", cwd=repo_abspath) == "true":
        raise GitError(
            f"{repo_abspath} is a shallow clone: releases are read from its history"
            " (run `git fetch --unshallow`)"
        )
    text = run_git("show", f"{rev}:{CHANGELOG}", cwd=repo_abspath, check=False)
    releases = []
    for version in recorded_versions(text):
        added = run_git(
            "log",
            "--format=%H",
            "--reverse",
            "-S",
            f"## v{version}",
            rev,
            "--",
            CHANGELOG,
            cwd=repo_abspath,
        ).split()
        if not added:
            raise GitError(f"{CHANGELOG}: no commit in {rev}'s history adds '## v{version}'")
        releases.append(Release(version, added[0]))
    return tuple(releases)


def version_of(repo_abspath: Path, commit: str, releases: tuple[Release, ...]) -> str:
    """The PEP 440 version of a commit, given the releases recorded in its history."""
    commit = run_git("rev-parse", "--verify", f"{commit}^{{commit}}", cwd=repo_abspath)
    for release in releases:
        if release.commit == commit:
            return release.version
    base = max(releases, key=lambda r: Version(r.version), default=None)
    since = run_git(
        "rev-list", "--count", f"{base.commit}..{commit}" if base else commit, cwd=repo_abspath
    )
    return f"{base.version if base else '0.0.0'}.post{since}+g{commit[:SHORT_ID]}"


def tag_for(version: str) -> str:
    """The git tag of a version string (`v` + its PEP 440 normal form)."""
    return f"v{Version(version)}"
