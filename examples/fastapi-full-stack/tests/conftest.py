"""Fixtures: one migrated database per session, emptied after every test; the production server."""

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.postgres_server import EmbeddedPostgresError, Resolved, resolve_database

# Settings are read from the environment, so pin it before the app is imported.
# DATABASE_URL is settled by pytest_configure below: see tests/postgres_server.py.
os.environ["ENVIRONMENT"] = "test"
os.environ["ALLOWED_HOSTS"] = "localhost,127.0.0.1"
os.environ["ENABLE_DIAGNOSTICS"] = "false"
# Production refuses to start without a SECRET_KEY; tests that build production settings need one.
os.environ["SECRET_KEY"] = "test-" + "k" * 40
# Page tests send hundreds of requests from one address; test_security tests the limiter itself.
os.environ["RATE_LIMIT"] = ""

from fastapi_full_stack.config import Settings, get_settings
from fastapi_full_stack.db import Base
from fastapi_full_stack.main import create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BASE_URL = "http://localhost"
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
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "production-server-test-" + "k" * 40,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "UVICORN_HOST": "127.0.0.1",
        "UVICORN_PORT": str(port),
        "WEB_CONCURRENCY": "1",
        **settings,
    }
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own Dockerfile's command
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


async def _ensure_database(url: str) -> None:
    """Create the test database if it does not exist yet."""
    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            )
            if not exists:
                name = conn.dialect.identifier_preparer.quote(str(target.database))
                await conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        await admin.dispose()


_DATABASE = pytest.StashKey[Resolved]()


def pytest_configure(config: pytest.Config) -> None:
    """Pick the tests' PostgreSQL once, before anything reads the settings.

    TEST_DATABASE_URL or DATABASE_URL when set (the run stops if it does not answer); else the
    server on PGHOST:PGPORT (default 127.0.0.1:5432); else a throwaway embedded PostgreSQL.
    """
    try:
        resolved = resolve_database("fastapi_full_stack_test")
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
def anyio_backend() -> str:
    """asyncpg and the app run on asyncio; one event loop serves the whole session."""
    return "asyncio"


@pytest.fixture(scope="session")
def _migrated() -> None:
    """Apply the migrations once, before any event loop runs (alembic's env starts its own)."""
    get_settings.cache_clear()
    asyncio.run(_ensure_database(get_settings().database_url))
    command.upgrade(Config(str(PROJECT_ROOT / "alembic.ini")), "head")


@pytest.fixture(scope="session")
async def app(_migrated: None, anyio_backend: str) -> AsyncIterator[FastAPI]:
    """The app under test, its lifespan running (pool open, HTTP client ready) all session."""
    app = create_app(get_settings())
    async with LifespanManager(app):
        yield app


@pytest.fixture
async def client(app: FastAPI, anyio_backend: str) -> AsyncIterator[AsyncClient]:
    """An HTTP client for the session's app; every table is emptied after the test."""
    async with AsyncClient(transport=ASGITransport(app=app), base_url=BASE_URL) as client:
        yield client
    await _empty_tables_at(get_settings().database_url)


@pytest.fixture
def make_client(_migrated: None) -> Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]:
    """Serve an app built from other settings, its lifespan run, for as long as the block."""

    @asynccontextmanager
    async def serve(settings: Settings) -> AsyncIterator[AsyncClient]:
        app = create_app(settings)
        async with (
            LifespanManager(app) as manager,
            AsyncClient(transport=ASGITransport(app=manager.app), base_url=BASE_URL) as client,
        ):
            yield client

    return serve


@pytest.fixture(scope="session")
def production_server(_migrated: None, tmp_path_factory: pytest.TempPathFactory) -> Serve:
    """`with production_server(SETTING="value") as base_url:` runs the Dockerfile's command with
    the tests' settings, and these, on a free loopback port until the block ends.

    The server's log is in pytest's temporary folder.
    """

    def serve(**settings: str) -> AbstractContextManager[str]:
        return _serve(tmp_path_factory.mktemp("server") / "server.log", settings)

    return serve


@pytest.fixture
def clean_tables(_migrated: None) -> Iterator[None]:
    """Every table emptied after the test, for tests that write through a server's own pool."""
    yield
    # In a thread, with an engine of its own: anyio's event loop belongs to this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _empty_tables_at(get_settings().database_url)).result()


async def _empty_tables_at(url: str) -> None:
    engine = create_async_engine(url)
    try:
        await _empty_tables(engine)
    finally:
        await engine.dispose()


async def _empty_tables(engine: AsyncEngine) -> None:
    """Isolate tests: remove every row the test wrote."""
    tables = Base.metadata.sorted_tables
    if not tables:
        return
    async with engine.begin() as conn:
        names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
