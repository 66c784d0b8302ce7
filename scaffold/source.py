"""The template this scaffold renders: its version, added to the user's template store first.

Design (issues 5 and 10): copier can only update a project whose template is a git repository
holding the project's old version (`_commit`). Every scaffold therefore renders from the per-user
store (scaffold.store), after adding its own version there:

- From a checkout (copier.yml and templates/ beside the package): HEAD's history, a tag for every
  release in the record (scaffold.releases) and one for HEAD's version. Uncommitted edits to
  copier.yml or templates/ become a snapshot commit on top of HEAD, tagged
  `<HEAD's version>+dirty.<id>` (or `.dirty.<id>` after a local part); nothing else in the checkout
  is read, so generated projects, venvs or build output lying in it never matter.
- From a wheel: the bundle its build hook packaged (every release plus the wheel's own version).

Projects record the store's bundle as `_src_path` (as `~/...`, valid for every user) and the tag
as `_commit`, so `scaffold update` from any later checkout, clone or wheel, and plain
`copier update`, find both the old and the new template.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.version import Version

from scaffold.errors import ScaffoldError
from scaffold.git import run_git
from scaffold.releases import Release, read_releases, tag_for, version_of
from scaffold.store import TemplateStore, open_store, read_bundle_tags

PACKAGE_ABSPATH = Path(__file__).resolve().parent
# A wheel's build hook puts template.bundle, copier.yml and version.txt here (see hatch_build.py).
PACKAGED_TEMPLATE_ABSPATH = PACKAGE_ABSPATH / "_template"
CHECKOUT_ABSPATH = PACKAGE_ABSPATH.parent
TEMPLATE_PATHS = ("copier.yml", "templates")


@dataclass(frozen=True)
class TemplateSource:
    """What copier renders: the store's bundle at this scaffold's tag, and its questions file."""

    store: TemplateStore
    tag: str
    copier_yml_abspath: Path
    origin: str

    @property
    def src_path(self) -> str:
        """The template location projects record (`_src_path`)."""
        return self.store.recorded_path

    @property
    def vcs_ref(self) -> str:
        """The git ref copier renders (`_commit` of a new or updated project)."""
        return self.tag

    @property
    def version(self) -> Version:
        """The tag as a PEP 440 version."""
        return Version(self.tag)


def is_checkout(root_abspath: Path) -> bool:
    """True when the package runs from a source tree holding the templates beside it."""
    return (root_abspath / "copier.yml").is_file() and (root_abspath / "templates").is_dir()


def installed_version() -> str:
    """The installed distribution's version (a checkout's live version is in its source)."""
    try:
        return version("scaffold")
    except PackageNotFoundError:  # pragma: no cover - a bare source tree on sys.path
        return "0.0.0+unknown"


def running_version() -> str:
    """This scaffold's version: a checkout's HEAD, read live from git; else the installed one."""
    if is_checkout(CHECKOUT_ABSPATH) and (CHECKOUT_ABSPATH / ".git").exists():
        head = run_git("rev-parse", "HEAD", cwd=CHECKOUT_ABSPATH)
        return version_of(CHECKOUT_ABSPATH, head, read_releases(CHECKOUT_ABSPATH))
    return installed_version()


def dirty_version(base: str, snapshot: str) -> str:
    """The version of a snapshot of uncommitted template edits on top of base."""
    local = f"dirty.{snapshot[:7]}"
    return f"{base}.{local}" if "+" in base else f"{base}+{local}"


def checkout_source(root_abspath: Path, store: TemplateStore) -> TemplateSource:
    """Add a checkout's HEAD (and any uncommitted template edits) to the store."""
    if not (root_abspath / ".git").exists():
        raise ScaffoldError(
            f"{root_abspath} holds the templates but no git history: scaffold renders from git"
        )
    head = run_git("rev-parse", "HEAD", cwd=root_abspath)
    releases: tuple[Release, ...] = read_releases(root_abspath)
    head_version = version_of(root_abspath, head, releases)
    tags = {release.tag: release.commit for release in releases} | {tag_for(head_version): head}
    with store.lock():
        store.fetch_history(root_abspath)
        store.set_tags(tags)
        snapshot = store.snapshot(root_abspath, head, TEMPLATE_PATHS)
        tag = tag_for(head_version)
        if snapshot != head:
            tag = tag_for(dirty_version(head_version, snapshot))
            store.set_tags({tag: snapshot})
        store.publish()
    return TemplateSource(store, tag, root_abspath / "copier.yml", f"checkout {root_abspath}")


def packaged_source(store: TemplateStore) -> TemplateSource:
    """Add the wheel's bundle to the store."""
    bundle = PACKAGED_TEMPLATE_ABSPATH / "template.bundle"
    copier_yml = PACKAGED_TEMPLATE_ABSPATH / "copier.yml"
    if not (bundle.is_file() and copier_yml.is_file()):
        raise ScaffoldError(f"no copier template found in {CHECKOUT_ABSPATH} or the package")
    tag = tag_for(installed_version())
    with store.lock():
        tags = store.tags()
        if any(tags.get(name) != commit for name, commit in read_bundle_tags(bundle).items()):
            store.fetch_tags(bundle)
        store.publish()
    return TemplateSource(store, tag, copier_yml, "wheel")


def questions_file() -> Path:
    """copier.yml of this scaffold's template, found without touching the store."""
    if is_checkout(CHECKOUT_ABSPATH):
        return CHECKOUT_ABSPATH / "copier.yml"
    return PACKAGED_TEMPLATE_ABSPATH / "copier.yml"


def resolve_source() -> TemplateSource:
    """This scaffold's template, added to the store (commands call it once and pass it on)."""
    store = open_store()
    if is_checkout(CHECKOUT_ABSPATH):
        return checkout_source(CHECKOUT_ABSPATH, store)
    return packaged_source(store)
