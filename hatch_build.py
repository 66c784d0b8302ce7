"""Hatch build hook: put the template's git bundle and its copier.yml into the wheel.

The wheel renders from the bundle at tag v<version> (see scaffold/source.py), so the copier.yml the
CLI reads its questions from is taken from that same tag, not from the working tree.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import (  # type: ignore[import-not-found,unused-ignore]
    BuildHookInterface,
)

ROOT = Path(__file__).resolve().parent


def load_bundle_module() -> Any:
    """scaffold/bundle.py by path: importing the package would need copier in the build env."""
    spec = importlib.util.spec_from_file_location(
        "_scaffold_bundle", ROOT / "scaffold" / "bundle.py"
    )
    if spec is None or spec.loader is None:
        raise RuntimeError("scaffold/bundle.py is missing")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TemplateBundleHook(BuildHookInterface):  # type: ignore[misc,type-arg,unused-ignore]
    """Adds _template/template.bundle and copier.yml to wheels and sdists (not editable ones)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Build the bundle from this checkout's tags and force-include it."""
        if version == "editable":
            return
        if not (ROOT / ".git").exists():
            # A wheel built from an sdist: the sdist already holds scaffold/_template/.
            if (ROOT / "scaffold" / "_template" / "template.bundle").is_file():
                return
            raise RuntimeError(
                "building scaffold needs the git checkout (the template history is bundled)"
            )
        bundle = load_bundle_module()
        out = self.staging = Path(tempfile.mkdtemp(prefix="scaffold-wheel-"))
        bundle_abspath = out / bundle.BUNDLE_NAME
        warning = bundle.build_bundle(ROOT, self.metadata.version, bundle_abspath)
        if warning:
            print(warning, file=sys.stderr)
        tag = f"v{self.metadata.version}"
        ref = tag if bundle.has_tag(ROOT, tag) else "HEAD"
        copier_yml = subprocess.run(
            ["git", "show", f"{ref}:copier.yml"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        (out / "copier.yml").write_text(copier_yml, encoding="utf-8")
        build_data["force_include"][str(bundle_abspath)] = "scaffold/_template/template.bundle"
        build_data["force_include"][str(out / "copier.yml")] = "scaffold/_template/copier.yml"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the staging folder once the wheel holds the files."""
        staging = getattr(self, "staging", None)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
