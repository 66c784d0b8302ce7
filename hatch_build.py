"""Hatch hooks: the package version from the release record, and the template bundle in the wheel.

- Version (metadata hook): a release is the commit adding its `## v<version>` heading to
  CHANGELOG.md; any other commit is `<newest release>.post<commits since>+g<id>`
  (scaffold.releases).
- Bundle (build hook): wheels and sdists carry `scaffold/_template/` with the git bundle of every
  release plus this commit's version (scaffold.bundle), the copier.yml of this commit and the
  version, so a wheel built from the sdist (plain `uv build`) needs no git history.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import (  # type: ignore[import-not-found,unused-ignore]
    BuildHookInterface,
)
from hatchling.metadata.plugin.interface import (  # type: ignore[import-not-found,unused-ignore]
    MetadataHookInterface,
)

ROOT = Path(__file__).resolve().parent
PACKAGED = ROOT / "scaffold" / "_template"
VERSION_FILE = "version.txt"
# scaffold's own modules (stdlib, packaging, platformdirs, filelock: see build-system.requires).
sys.path.insert(0, str(ROOT))


def has_history() -> bool:
    """Whether this tree is a git checkout (else an unpacked sdist)."""
    return (ROOT / ".git").exists()


class VersionHook(MetadataHookInterface):  # type: ignore[misc,unused-ignore]
    """Sets `version` from the release record (or from the sdist's recorded version)."""

    PLUGIN_NAME = "custom"

    def update(self, metadata: dict[str, Any]) -> None:
        """Compute the version of HEAD."""
        if not has_history():
            metadata["version"] = (PACKAGED / VERSION_FILE).read_text(encoding="utf-8").strip()
            return
        from scaffold.git import run_git
        from scaffold.releases import read_releases, version_of

        head = run_git("rev-parse", "HEAD", cwd=ROOT)
        metadata["version"] = version_of(ROOT, head, read_releases(ROOT))


class TemplateBundleHook(BuildHookInterface):  # type: ignore[misc,type-arg,unused-ignore]
    """Adds scaffold/_template/ (bundle, copier.yml, version) to wheels and sdists."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Build the bundle from this checkout's history and force-include it."""
        if version == "editable":
            return
        if not has_history():
            if not (PACKAGED / "template.bundle").is_file():
                raise RuntimeError(
                    "building scaffold needs its git checkout (the template history is bundled)"
                )
            return  # an unpacked sdist: scaffold/_template/ is already in the tree
        from scaffold.bundle import build_bundle, uncommitted_template_edits

        edits = uncommitted_template_edits(ROOT)
        if edits:
            print(
                f"scaffold: the wheel bundles HEAD's templates; uncommitted edits to {len(edits)}"
                f" template file(s) are not in it (e.g. {edits[0]})",
                file=sys.stderr,
            )
        out = self.staging = Path(tempfile.mkdtemp(prefix="scaffold-wheel-"))
        built_version = build_bundle(ROOT, out / "template.bundle")
        from scaffold.git import run_git

        (out / "copier.yml").write_text(run_git("show", "HEAD:copier.yml", cwd=ROOT) + "\n")
        (out / VERSION_FILE).write_text(f"{built_version}\n", encoding="utf-8")
        # The advisor quotes the committed benchmark run (scaffold/advisor.py).
        shutil.copyfile(ROOT / "benchmarks" / "results" / "results.json", out / "benchmarks.json")
        for name in ("template.bundle", "copier.yml", VERSION_FILE, "benchmarks.json"):
            build_data["force_include"][str(out / name)] = f"scaffold/_template/{name}"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the staging folder once the artefact holds the files."""
        staging = getattr(self, "staging", None)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
