"""Fixtures for the CLI's unit tests, one template store per test process, and PostgreSQL.

SCAFFOLD_CACHE_DIR points every scaffold this session runs (in-process or as a subprocess) at a
store of its own, so tests never read or fill the developer's `~/.cache/scaffold`.

SCAFFOLD_TEST_PG is the server the smoke matrix makes its databases on: as set; else the one
answering on PGHOST/PGPORT (127.0.0.1:5432); else an embedded PostgreSQL for the session, from
the generated projects' own helper (templates/shared/tests/postgres_server.py), so the suite
runs on a machine with no PostgreSQL installed. The benchmarks still need a real server.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner, Result

from scaffold.cli import app

if "SCAFFOLD_CACHE_DIR" not in os.environ:
    os.environ["SCAFFOLD_CACHE_DIR"] = tempfile.mkdtemp(prefix="scaffold-test-store-")

Invoke = Callable[..., Result]
POSTGRES_SERVER = (
    Path(__file__).resolve().parent.parent / "templates" / "shared" / "tests" / "postgres_server.py"
)
_EMBEDDED = pytest.StashKey[object]()


def postgres_server_module() -> ModuleType:
    """The generated projects' PostgreSQL helper, loaded from the template tree."""
    spec = importlib.util.spec_from_file_location("postgres_server", POSTGRES_SERVER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["postgres_server"] = module
    spec.loader.exec_module(module)
    return module


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Settle SCAFFOLD_TEST_PG once, in the main process (xdist workers inherit it)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    helper = postgres_server_module()
    try:
        resolved = helper.resolve_database("postgres", names=("SCAFFOLD_TEST_PG",))
    except helper.EmbeddedPostgresError as err:
        raise pytest.UsageError(f"no PostgreSQL for the test suite: {err}") from err
    os.environ["SCAFFOLD_TEST_PG"] = resolved.url
    config.stash[_EMBEDDED] = resolved
    if resolved.server is not None and not shutil.which("psql"):
        # The smoke matrix creates databases with psql: the wheel's own, then.
        os.environ["PATH"] = f"{resolved.server.bindir}{os.pathsep}{os.environ['PATH']}"


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say which PostgreSQL the suite uses."""
    resolved = config.stash.get(_EMBEDDED, None)
    return None if resolved is None else f"postgresql: {resolved.origin}"  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop an embedded server this session started."""
    resolved = config.stash.get(_EMBEDDED, None)
    server = getattr(resolved, "server", None)
    if server is not None:
        server.stop()


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
