"""The git bundle a wheel ships: every recorded release plus this commit's own version, as tags.

Built in a throwaway store from the checkout's history and the release record (scaffold.releases),
never from the checkout's own tags, so a clone, a mirror or a CI checkout of the same commit
produces the same bytes: deltas are recomputed single-threaded before the bundle is written.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from scaffold.git import run_git
from scaffold.releases import read_releases, tag_for, version_of
from scaffold.store import INCOMING_REF, TemplateStore

TEMPLATE_PATHS = ("copier.yml", "templates")


def build_bundle(repo_abspath: Path, out_abspath: Path) -> str:
    """Write the bundle for the checkout's HEAD to out_abspath; return HEAD's version."""
    releases = read_releases(repo_abspath)
    head = run_git("rev-parse", "HEAD", cwd=repo_abspath)
    version = version_of(repo_abspath, head, releases)
    tags = {release.tag: release.commit for release in releases} | {tag_for(version): head}
    with tempfile.TemporaryDirectory(prefix="scaffold-bundle-") as tmp:
        store = TemplateStore(Path(tmp))
        store.ensure_repo()
        store.fetch_history(repo_abspath)
        store.set_tags(tags)
        store.git("update-ref", "-d", INCOMING_REF)
        store.git("repack", "-a", "-d", "-f", "-q", "--threads=1")
        store.publish()
        out_abspath.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(store.bundle_abspath, out_abspath)
    return version


def uncommitted_template_edits(repo_abspath: Path) -> list[str]:
    """Template files that differ from HEAD (a wheel bundles HEAD's templates, not these)."""
    out = run_git("status", "--porcelain", "--", *TEMPLATE_PATHS, cwd=repo_abspath)
    return [line[3:] for line in out.splitlines()]
