"""Where the copier template is read from: this checkout, or the git bundle packaged in the wheel.

Design (issue 5): copier can only update a project whose template is a git repository with the
project's old version (`_commit`) in its history.

- Checkout (copier.yml + templates/ beside the package): render the repository root at HEAD,
  uncommitted template edits included. `.copier-answers.yml` records the checkout path and
  `git describe` of HEAD. In a clone without tags that is a bare commit id, which copier orders as
  0.0.0.post<commit count>, so updates along that clone's history still work.
- Wheel: the build hook (hatch_build.py) ships `_template/template.bundle`, a git bundle of every
  `v*` tag, plus copier.yml from tag v<version>. It is copied to a stable per-user cache file,
  `<user cache dir>/scaffold/template.bundle` (platformdirs), and rendered from there at
  `vcs_ref=v<version>`. The answers file records that cache path, as `~/...` when under the home
  folder so it holds for every user (never site-packages), and
  `_commit`, so plain `copier update` works as well as `scaffold update`. A newer wheel replaces
  the cached bundle (it holds every older tag too); an older wheel never downgrades it. A wheel
  built from a clone without tag v<version> tags HEAD so in a throwaway mirror and warns.
- Releases: `python -m scaffold.release` tags HEAD v<version> (clean tree, CHANGELOG.md section)
  and builds the wheel and a standalone bundle; it never pushes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from packaging.version import InvalidVersion, Version

from scaffold.bundle import BUNDLE_NAME, bundle_tags
from scaffold.errors import ScaffoldError

PACKAGE_ABSPATH = Path(__file__).resolve().parent
# A wheel's build hook puts template.bundle and copier.yml here (see hatch_build.py).
PACKAGED_TEMPLATE_ABSPATH = PACKAGE_ABSPATH / "_template"
CHECKOUT_ABSPATH = PACKAGE_ABSPATH.parent


@dataclass(frozen=True)
class TemplateSource:
    """A template copier can render: its path, the git ref to render, and its questions file."""

    src_path: str
    vcs_ref: str | None
    local_abspath: Path

    @property
    def copier_yml_abspath(self) -> Path:
        """The root copier.yml that declares every question."""
        return self.local_abspath / "copier.yml"


def is_checkout(root_abspath: Path) -> bool:
    """True when the package runs from a source tree holding the templates beside it."""
    return (root_abspath / "copier.yml").is_file() and (root_abspath / "templates").is_dir()


def cache_bundle_abspath() -> Path:
    """The stable per-user path projects record as `_src_path` when scaffold runs from a wheel."""
    return Path(platformdirs.user_cache_dir("scaffold", appauthor=False)) / BUNDLE_NAME


def home_relative(path: Path) -> str:
    """`~/...` when under the home folder: copier expands it, so teammates share `_src_path`."""
    try:
        return f"~/{path.relative_to(Path.home()).as_posix()}"
    except ValueError:
        return str(path)


def highest_version(tags: list[str]) -> Version | None:
    """The highest PEP 440 version among tags (None when none parse)."""
    versions = []
    for tag in tags:
        try:
            versions.append(Version(tag))
        except InvalidVersion:
            continue
    return max(versions, default=None)


def install_bundle(packaged_abspath: Path, cached_abspath: Path) -> None:
    """Copy the packaged bundle to the cache unless the cached one is the same or newer."""
    if cached_abspath.is_file():
        if cached_abspath.read_bytes() == packaged_abspath.read_bytes():
            return
        try:
            cached = highest_version(bundle_tags(cached_abspath))
            packaged = highest_version(bundle_tags(packaged_abspath))
        except (RuntimeError, OSError):
            cached = packaged = None  # unreadable (or no git): ours is the one we can vouch for
        if cached is not None and packaged is not None and cached > packaged:
            return
    cached_abspath.parent.mkdir(parents=True, exist_ok=True)
    partial = cached_abspath.with_name(f".{cached_abspath.name}.{os.getpid()}")
    shutil.copyfile(packaged_abspath, partial)
    # Atomic, so a concurrent `copier update` never reads half a bundle.
    partial.replace(cached_abspath)


def packaged_version() -> str:
    """The installed scaffold's version: the template tag its wheel renders."""
    from scaffold import __version__

    return __version__


def resolve_source() -> TemplateSource:
    """The checkout (at HEAD plus uncommitted edits) when run from one, else the packaged bundle."""
    if is_checkout(CHECKOUT_ABSPATH):
        # HEAD, not the latest tag: copier would otherwise pin the last release and skip edits.
        vcs_ref = "HEAD" if (CHECKOUT_ABSPATH / ".git").exists() else None
        return TemplateSource(str(CHECKOUT_ABSPATH), vcs_ref, CHECKOUT_ABSPATH)
    packaged_bundle = PACKAGED_TEMPLATE_ABSPATH / BUNDLE_NAME
    if packaged_bundle.is_file() and (PACKAGED_TEMPLATE_ABSPATH / "copier.yml").is_file():
        cached = cache_bundle_abspath()
        install_bundle(packaged_bundle, cached)
        return TemplateSource(
            home_relative(cached), f"v{packaged_version()}", PACKAGED_TEMPLATE_ABSPATH
        )
    raise ScaffoldError(f"no copier template found in {CHECKOUT_ABSPATH} or the package")
