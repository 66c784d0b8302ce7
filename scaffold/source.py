"""Where the copier template is read from: this checkout, or the copy packaged in the wheel."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import ScaffoldError

PACKAGE_ABSPATH = Path(__file__).resolve().parent
# A wheel force-includes copier.yml and templates/ here (see pyproject.toml).
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


def resolve_source() -> TemplateSource:
    """The checkout (at HEAD plus uncommitted edits) when run from one, else the packaged copy."""
    if is_checkout(CHECKOUT_ABSPATH):
        # HEAD, not the latest tag: copier would otherwise pin the last release and skip edits.
        vcs_ref = "HEAD" if (CHECKOUT_ABSPATH / ".git").exists() else None
        return TemplateSource(str(CHECKOUT_ABSPATH), vcs_ref, CHECKOUT_ABSPATH)
    if is_checkout(PACKAGED_TEMPLATE_ABSPATH):
        return TemplateSource(str(PACKAGED_TEMPLATE_ABSPATH), None, PACKAGED_TEMPLATE_ABSPATH)
    raise ScaffoldError(f"no copier template found in {CHECKOUT_ABSPATH} or the package")
