"""`python -m scaffold.release`: tag the template release v<version> and build the wheel and bundle.

Run it in a clean checkout after bumping `version` in pyproject.toml and adding a `## v<version>`
section to CHANGELOG.md. It tags HEAD (never pushes), then builds `dist/scaffold-*.whl` (whose build
hook bundles every tag) and `dist/scaffold-template-v<version>.bundle`.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from scaffold.bundle import build_bundle, has_tag
from scaffold.errors import ScaffoldError, UserMessageError
from scaffold.source import CHECKOUT_ABSPATH, is_checkout


def git(root_abspath: Path, *args: str) -> str:
    """Run git in the checkout; a failure becomes a ScaffoldError."""
    proc = subprocess.run(
        ["git", *args], cwd=root_abspath, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise ScaffoldError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def project_version(root_abspath: Path) -> str:
    """`project.version` from pyproject.toml: the release's number and its tag's."""
    data = tomllib.loads((root_abspath / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def tag_release(root_abspath: Path) -> str:
    """Check the checkout and changelog, then tag HEAD v<version> (kept if already there)."""
    if not is_checkout(root_abspath) or not (root_abspath / ".git").exists():
        raise UserMessageError(f"{root_abspath} is not a scaffold git checkout")
    if git(root_abspath, "status", "--porcelain"):
        raise UserMessageError("the checkout has uncommitted changes: a release tags commits only")
    tag = f"v{project_version(root_abspath)}"
    changelog = root_abspath / "CHANGELOG.md"
    if not changelog.is_file() or f"## {tag}" not in changelog.read_text(encoding="utf-8"):
        raise UserMessageError(f"CHANGELOG.md has no '## {tag}' section for this release")
    head = git(root_abspath, "rev-parse", "HEAD")
    if has_tag(root_abspath, tag):
        if git(root_abspath, "rev-parse", f"{tag}^{{commit}}") != head:
            raise UserMessageError(f"{tag} already tags another commit: bump the version")
        return tag
    git(root_abspath, "tag", "--annotate", tag, "--message", f"scaffold {tag}")
    return tag


def uv_executable() -> str:
    """uv beside this interpreter (a dev dependency), else from PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if found is None:
        raise UserMessageError("uv is not installed: pip install -e '.[dev]'")
    return found


def release(root_abspath: Path, out_abspath: Path, *, build: bool = True) -> list[Path]:
    """Tag the release, then build the standalone bundle and (unless build=False) the wheel."""
    tag = tag_release(root_abspath)
    bundle_abspath = out_abspath / f"scaffold-template-{tag}.bundle"
    build_bundle(root_abspath, tag.removeprefix("v"), bundle_abspath)
    built = [bundle_abspath]
    if build:
        before = set(out_abspath.glob("*.whl"))
        proc = subprocess.run(
            [uv_executable(), "build", "--wheel", "--out-dir", str(out_abspath), str(root_abspath)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise ScaffoldError(f"uv build failed: {proc.stderr.strip()[-2000:]}")
        built += sorted(set(out_abspath.glob("*.whl")) - before) or sorted(
            out_abspath.glob(f"scaffold-{tag.removeprefix('v')}-*.whl")
        )
    return built


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m scaffold.release", description=__doc__)
    parser.add_argument("--out-dir", type=Path, default=CHECKOUT_ABSPATH / "dist")
    parser.add_argument("--root", type=Path, default=CHECKOUT_ABSPATH, help="the checkout")
    parser.add_argument("--no-build", action="store_true", help="tag and bundle, skip the wheel")
    args = parser.parse_args(argv)
    try:
        built = release(args.root.absolute(), args.out_dir.absolute(), build=not args.no_build)
    except UserMessageError as err:
        print(f"scaffold release: error: {err}", file=sys.stderr)
        return 2
    except ScaffoldError as err:
        print(f"scaffold release: failed: {err}", file=sys.stderr)
        return 1
    tag = f"v{project_version(args.root.absolute())}"
    print(f"Tagged {tag} (not pushed: git push origin {tag})")
    print("\n".join(f"  built {path}" for path in built))
    return 0


if __name__ == "__main__":
    sys.exit(main())
