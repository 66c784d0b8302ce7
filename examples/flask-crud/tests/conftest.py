"""Fixtures: one migrated database per session, emptied after every test; the production server."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from tests.postgres_server import EmbeddedPostgresError, Resolved, resolve_database

# Settings are read from the environment, so pin it before the app is imported.
# DATABASE_URL is settled by pytest_configure below: see tests/postgres_server.py.
os.environ["ENVIRONMENT"] = "test"
os.environ["ALLOWED_HOSTS"] = "localhost,127.0.0.1"
os.environ["ENABLE_DIAGNOSTICS"] = "false"

from flask_crud import create_app
from flask_crud.config import get_settings
from flask_crud.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# `with production_server(SETTING="value") as base_url:`, see the fixture.
Serve = Callable[..., AbstractContextManager[str]]
SERVER_START_SECONDS = 60


def production_command() -> list[str]:
    """The Dockerfile's last CMD: tests over real HTTP run exactly what production runs."""
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    command: list[str] = json.loads(re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)[-1])
    return command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _serve(log_path: Path, settings: Mapping[str, str]) -> Iterator[str]:
    """Run the production command on a free loopback port; yield its URL once /ready answers."""
    port = _free_port()
    env = {
        **os.environ,
        # The venv's scripts, even when pytest was started without activating it.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ENVIRONMENT": "production",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "UVICORN_HOST": "127.0.0.1",
        "UVICORN_PORT": str(port),
        "WEB_CONCURRENCY": "1",
        **settings,
    }
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            production_command(), cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _is_ready(base):
            if server.poll() is not None or time.monotonic() > deadline:
                state = "not ready" if server.returncode is None else f"exit {server.returncode}"
                pytest.fail(f"the server failed to start ({state}):\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown; TERM drains for seconds
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _is_ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _ensure_database(url: str) -> None:
    """Create the test database if it does not exist yet."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not exists:
                name = conn.dialect.identifier_preparer.quote(str(target.database))
                conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()


_DATABASE = pytest.StashKey[Resolved]()


def pytest_configure(config: pytest.Config) -> None:
    """Pick the tests' PostgreSQL once, before anything reads the settings.

    TEST_DATABASE_URL or DATABASE_URL when set (the run stops if it does not answer); else the
    server on PGHOST:PGPORT (default 127.0.0.1:5432); else a throwaway embedded PostgreSQL.
    """
    try:
        resolved = resolve_database("flask_crud_test")
    except EmbeddedPostgresError as err:
        raise pytest.UsageError(f"no PostgreSQL for the tests: {err}") from err
    url = make_url(resolved.url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # pytest-xdist: the main process's server, a database per worker (as pytest-django)
        url = url.set(database=f"{url.database}_{worker}")
    # For the app, the servers it starts, and pytest-xdist workers (which inherit it).
    os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)
    config.stash[_DATABASE] = resolved


def pytest_report_header(config: pytest.Config) -> str:
    """One line: which PostgreSQL the tests use."""
    return f"postgresql: {config.stash[_DATABASE].origin}"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop an embedded server this session started; its folder goes with it."""
    resolved = config.stash.get(_DATABASE, None)
    if resolved is not None and resolved.server is not None:
        resolved.server.stop()


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    """The app under test, with its migrations applied once."""
    get_settings.cache_clear()
    _ensure_database(get_settings().database_url)
    app = create_app({"TESTING": True})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(app: Flask) -> Iterator[None]:
    """Isolate tests: every table is emptied after each one."""
    yield
    with app.app_context():
        tables = db.metadata.sorted_tables
        if tables:
            names = ", ".join(db.engine.dialect.identifier_preparer.format_table(t) for t in tables)
            db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture(scope="session")
def production_server(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Serve:
    """`with production_server(SETTING="value") as base_url:` runs the Dockerfile's command with
    the tests' settings, and these, on a free loopback port until the block ends.

    The server's log is in pytest's temporary folder.
    """

    def serve(**settings: str) -> AbstractContextManager[str]:
        return _serve(tmp_path_factory.mktemp("server") / "server.log", settings)

    return serve


@pytest.fixture
def clean_tables(_empty_tables: None) -> None:
    """Tables are emptied after every test here; this names it for tests that rely on it."""


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the session's app."""
    return app.test_client()
