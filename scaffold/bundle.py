"""Build the git bundle of template history a wheel ships (stdlib only: the build hook loads it).

The bundle holds every `v*` tag of the repository, so copier can render any released template
version from it and `copier update` finds both the project's old version and the new one.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

BUNDLE_NAME = "template.bundle"


def git(*args: str, cwd: Path) -> str:
    """Run git in cwd and return its stripped stdout, raising with git's message on failure."""
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def has_tag(repo_abspath: Path, tag: str) -> bool:
    """Whether the repository has this tag."""
    proc = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}"],
        cwd=repo_abspath,
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def build_bundle(repo_abspath: Path, version: str, out_abspath: Path) -> str:
    """Write a bundle of every tag to out_abspath; return a warning ("" if none).

    A clone without the release tag `v<version>` still builds: the tag is created on HEAD in a
    throwaway mirror (never in the repository itself) and the warning says the wheel is unofficial.
    """
    tag = f"v{version}"
    out_abspath.parent.mkdir(parents=True, exist_ok=True)
    if has_tag(repo_abspath, tag):
        git("bundle", "create", "--quiet", str(out_abspath), "--tags", cwd=repo_abspath)
        return ""
    with tempfile.TemporaryDirectory(prefix="scaffold-bundle-") as tmp:
        mirror = Path(tmp) / "mirror.git"
        git("clone", "--quiet", "--mirror", str(repo_abspath), str(mirror), cwd=Path(tmp))
        head = git("rev-parse", "HEAD", cwd=repo_abspath)
        git("tag", tag, head, cwd=mirror)
        git("bundle", "create", "--quiet", str(out_abspath), "--tags", cwd=mirror)
    return (
        f"scaffold: tag {tag} does not exist; the bundle tags HEAD as {tag}."
        " Projects generated from this wheel can only be updated by wheels built the same way;"
        " run `python -m scaffold.release` for a real release."
    )


def bundle_tags(bundle_abspath: Path) -> list[str]:
    """The tag names a bundle (or repository) holds."""
    out = git("ls-remote", "--tags", "--refs", str(bundle_abspath), cwd=bundle_abspath.parent)
    return [line.split("\t", 1)[1].removeprefix("refs/tags/") for line in out.splitlines()]


if __name__ == "__main__":  # `python scaffold/bundle.py REPO VERSION OUT`, used by the build hook
    warning = build_bundle(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
    if warning:
        print(warning, file=sys.stderr)
