"""Fixtures for the CLI's unit tests, and one template store per test process.

SCAFFOLD_CACHE_DIR points every scaffold this session runs (in-process or as a subprocess) at a
store of its own, so tests never read or fill the developer's `~/.cache/scaffold`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scaffold.cli import app

if "SCAFFOLD_CACHE_DIR" not in os.environ:
    os.environ["SCAFFOLD_CACHE_DIR"] = tempfile.mkdtemp(prefix="scaffold-test-store-")

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `scaffold ARGS...` in-process from an empty working folder; returns the Result."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: object, stdin: str | None = None) -> Result:
        return runner.invoke(app, [str(arg) for arg in args], input=stdin)

    return run


@pytest.fixture
def no_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide every git config file, as on a fresh machine with no user.name or user.email."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
