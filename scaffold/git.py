"""The one way scaffold runs git (stdlib only: the wheel's build hook imports it too)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from scaffold.errors import GitError, UserMessageError

# Inherited from a calling git hook or shell, these would point git at another repository.
LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")
# Used only when git has no identity configured, so a commit never fails for that.
FALLBACK_IDENTITY = {"user.name": "scaffold", "user.email": "scaffold@localhost"}


def git_executable() -> str:
    """The git on PATH; a missing git is a user-fixable error."""
    found = shutil.which("git")
    if found is None:
        raise UserMessageError("git is not installed: install it (scaffold renders from git)")
    return found


def run_git(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    check: bool = True,
) -> str:
    """Run git in cwd and return its stripped stdout; a failure raises GitError with git's words.

    `env` adds variables (e.g. GIT_INDEX_FILE) on top of the cleaned environment.
    """
    full_env = {k: v for k, v in os.environ.items() if k not in LOCATION_VARS}
    full_env.update(env or {})
    try:
        proc = subprocess.run(
            [git_executable(), *args],
            cwd=cwd,
            env=full_env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as err:
        raise GitError(f"git {args[0] if args else ''} could not run in {cwd}: {err}") from err
    if check and proc.returncode != 0:
        words = " ".join((proc.stderr.strip() or proc.stdout.strip()).split())
        verb = next((arg for arg in args if not arg.startswith("-")), "")
        raise GitError(f"git {verb} failed in {cwd}: {words[:500]}")
    return proc.stdout.strip()


def git_succeeds(*args: str, cwd: Path) -> bool:
    """Whether a git query (rev-parse --verify, cat-file -e, ...) exits 0."""
    try:
        proc = subprocess.run(
            [git_executable(), *args],
            cwd=cwd,
            env={k: v for k, v in os.environ.items() if k not in LOCATION_VARS},
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return proc.returncode == 0


def identity_args(cwd: Path) -> list[str]:
    """`-c user.name=... -c user.email=...` for whichever identity git lacks here."""
    args: list[str] = []
    for key, fallback in FALLBACK_IDENTITY.items():
        if not run_git("config", "--get", key, cwd=cwd, check=False):
            args += ["-c", f"{key}={fallback}"]
    return args


def is_work_tree(path: Path) -> bool:
    """Whether path is inside a git work tree."""
    return git_succeeds("rev-parse", "--is-inside-work-tree", cwd=path)


def has_commits(path: Path) -> bool:
    """Whether path is a git repository whose HEAD names a commit."""
    return path.is_dir() and git_succeeds("rev-parse", "--verify", "--quiet", "HEAD", cwd=path)


def config_value(key: str) -> str:
    """A git config value as the user's git sees it anywhere ("" when unset or no git)."""
    try:
        return run_git("config", "--get", key, cwd=Path.home(), check=False)
    except (UserMessageError, GitError):
        return ""
