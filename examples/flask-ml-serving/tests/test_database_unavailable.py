"""A database that is busy or does not answer: 503 with Retry-After in bounded time, never a hang.

Both run the production command (gunicorn's gevent worker), where the timeouts must hold.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from flask_ml_serving.config import get_settings
from flask_ml_serving.health import READY_TIMEOUT_SECONDS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What the servers run with: small numbers, so the tests are quick.
POOL_TIMEOUT = 1.0
CONNECT_TIMEOUT = 2  # psycopg's least
# Process scheduling on a loaded machine: added to every bound.
SLACK = 2.0
DATA_ROUTE = ("POST", "/predict")
# /predict logs each prediction to the database.
DATA_BODY: dict[str, object] | None = {
    "features": {
        "sepal_length_cm": 5.1,
        "sepal_width_cm": 3.5,
        "petal_length_cm": 1.4,
        "petal_width_cm": 0.2,
    }
}


def _data_request(base: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    method, path = DATA_ROUTE
    response = httpx.request(method, base + path, json=DATA_BODY, timeout=60)
    return response, time.monotonic() - started


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == {"detail": "The database is unavailable; retry shortly"}
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def silent_database() -> Iterator[str]:
    """A URL of a server on a loopback port that accepts TCP connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # the listener was closed
                return
            held.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    yield f"postgresql://postgres@127.0.0.1:{port}/silent"
    listener.close()
    for connection in held:
        connection.close()


@contextmanager
def _serve(**settings: str) -> Iterator[str]:
    """The Dockerfile's CMD on a free loopback port; yields once /health answers (not /ready)."""
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    command: list[str] = json.loads(re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)[-1])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ENVIRONMENT": "production",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "RATE_LIMIT": "",
        **settings,
    }
    server = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                output = server.stdout.read().decode() if server.stdout else ""
                pytest.fail(f"the server did not start:\n{output}")
            time.sleep(0.1)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stdout:
            server.stdout.close()


def test_ready_answers_within_its_timeout_when_the_database_never_answers(
    silent_database: str,
    model_path: Path,
) -> None:
    # A connect timeout longer than the probe's: /ready must not wait for it.
    with _serve(DATABASE_URL=silent_database, DB_CONNECT_TIMEOUT_SECONDS="30") as base:
        started = time.monotonic()
        response = httpx.get(f"{base}/ready", timeout=60)
        elapsed = time.monotonic() - started
        assert httpx.get(f"{base}/health", timeout=5).status_code == 200
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "detail": "database: TimeoutError"}
    assert READY_TIMEOUT_SECONDS * 0.8 <= elapsed < READY_TIMEOUT_SECONDS + SLACK


def test_data_route_is_503_within_its_timeouts_when_the_database_never_answers(
    silent_database: str,
    model_path: Path,
) -> None:
    settings = {
        "DATABASE_URL": silent_database,
        "DB_CONNECT_TIMEOUT_SECONDS": str(CONNECT_TIMEOUT),
        "DB_POOL_TIMEOUT_SECONDS": str(POOL_TIMEOUT),
        "DB_POOL_MAX_SIZE": "2",
    }
    with _serve(**settings) as base, ThreadPoolExecutor(20) as pool:
        # More requests than connections: two wait on the connect, the rest on the pool.
        answers = list(pool.map(lambda _: _data_request(base), range(20)))
        ready = httpx.get(f"{base}/ready", timeout=60)
    for response, elapsed in answers:
        _assert_unavailable(response)
        assert elapsed < CONNECT_TIMEOUT + POOL_TIMEOUT + SLACK
    assert ready.status_code == 503


@pytest.fixture
def sleeping_connections() -> Iterator[Callable[[], int]]:
    """How many of the test database's connections are in pg_sleep right now."""
    engine = create_engine(get_settings().database_url, poolclass=NullPool)
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%'"
    )

    def count() -> int:
        with engine.connect() as conn:
            return conn.scalar(query) or 0

    yield count
    engine.dispose()


def test_data_route_is_503_when_every_pooled_connection_is_busy(
    production_server: Callable[..., AbstractContextManager[str]],
    sleeping_connections: Callable[[], int],
) -> None:
    settings = {
        "DB_POOL_MAX_SIZE": "2",
        "DB_POOL_TIMEOUT_SECONDS": str(POOL_TIMEOUT),
        "ENABLE_DIAGNOSTICS": "true",
        "RATE_LIMIT": "",
    }
    with production_server(**settings) as base, ThreadPoolExecutor(2) as pool:
        # Both of the worker's connections held by slow queries...
        sleeps = [
            pool.submit(httpx.get, f"{base}/_diag/db-sleep?seconds=4", timeout=30) for _ in "ab"
        ]
        deadline = time.monotonic() + 10
        while sleeping_connections() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        # ...so a third request waits POOL_TIMEOUT for one, then gets 503, not a 500 or a hang.
        response, elapsed = _data_request(base)
        _assert_unavailable(response)
        assert POOL_TIMEOUT * 0.8 <= elapsed < POOL_TIMEOUT + SLACK
        assert [sleep.result().status_code for sleep in sleeps] == [200, 200]
        # Once the connections are back, the same request is served again.
        recovered, _ = _data_request(base)
        assert recovered.status_code != 503
