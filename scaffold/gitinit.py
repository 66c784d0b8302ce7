"""Post-render step: make the new project a git repository with one initial commit."""

from __future__ import annotations

from pathlib import Path

from scaffold.git import identity_args, run_git


def run_git_init(project_abspath: Path, *, message: str) -> str:
    """`git init`, add everything, commit once; return the commit id."""
    run_git("init", "--quiet", cwd=project_abspath)
    run_git("add", "--all", cwd=project_abspath)
    run_git(
        *identity_args(project_abspath),
        "commit",
        "--quiet",
        "--no-verify",
        "--no-gpg-sign",
        "--message",
        message,
        cwd=project_abspath,
    )
    return run_git("rev-parse", "HEAD", cwd=project_abspath)
