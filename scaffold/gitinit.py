"""Post-render step: make the new project a git repository with one initial commit."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from scaffold.errors import ScaffoldError, UserMessageError

# Used only when git has no identity configured, so the first commit never fails for that.
FALLBACK_IDENTITY = ("scaffold", "scaffold@localhost")
# Inherited from a calling git hook or shell, these would point git at another repository.
GIT_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


def run_git_init(project_abspath: Path, *, message: str) -> str:
    """`git init`, add everything, commit once; return the commit id."""
    git = shutil.which("git")
    if git is None:
        raise UserMessageError("git is not installed: install it or pass --no-git")
    env = {k: v for k, v in os.environ.items() if k not in GIT_LOCATION_VARS}

    def run(*args: str) -> str:
        proc = subprocess.run(
            [git, *args], cwd=project_abspath, env=env, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise ScaffoldError(
                f"git {' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}"
            )
        return proc.stdout.strip()

    run("init", "--quiet")
    identity: list[str] = []
    for key, fallback in zip(("user.name", "user.email"), FALLBACK_IDENTITY, strict=True):
        if not has_config(git, key, project_abspath, env):
            identity += ["-c", f"{key}={fallback}"]
    run("add", "--all")
    run(*identity, "commit", "--quiet", "--no-verify", "--message", message)
    return run("rev-parse", "HEAD")


def has_config(git: str, key: str, cwd: Path, env: dict[str, str]) -> bool:
    """Whether git has a non-empty value for key (any scope)."""
    proc = subprocess.run(
        [git, "config", "--get", key], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    return proc.returncode == 0 and bool(proc.stdout.strip())
