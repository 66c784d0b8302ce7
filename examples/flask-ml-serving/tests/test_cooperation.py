"""The production server (gunicorn + gevent) overlaps database waits instead of queueing them."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The Dockerfile's CMD, run from the venv this test runs in.
COMMAND = [
    str(Path(sys.executable).parent / "gunicorn"),
    "--config",
    "gunicorn.conf.py",
    "flask_ml_serving.wsgi:app",
]
CONCURRENCY = 5
SLEEP = 0.5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, object]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


@contextmanager
def _serve(*extra_args: str) -> Iterator[str]:
    """Run the production command on a free loopback port with diagnostics on."""
    port = _free_port()
    env = dict(
        os.environ,
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        ENVIRONMENT="production",
        ENABLE_DIAGNOSTICS="true",
        SECRET_KEY="cooperation-test-" + "k" * 32,
    )
    process = subprocess.Popen(
        [*COMMAND, *extra_args],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{output}")
            try:
                if _get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not answer /health within 30 s")
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown; TERM drains for seconds
        process.wait(timeout=15)
        if process.stdout:
            process.stdout.close()


def _concurrent_sleeps(base: str) -> float:
    """Seconds for CONCURRENCY simultaneous db-sleep requests, after warming the pool."""
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(_get, [f"{base}/_diag/db-sleep?seconds=0"] * CONCURRENCY))
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(_get, [f"{base}/_diag/db-sleep?seconds={SLEEP}"] * CONCURRENCY))
    elapsed = time.perf_counter() - started
    assert results == [(200, {"slept": SLEEP})] * CONCURRENCY
    return elapsed


def test_concurrent_db_sleeps_overlap() -> None:
    with _serve() as base:
        elapsed = _concurrent_sleeps(base)
    # Serialised, five sleeps would take 2.5 s; cooperating, about one.
    assert elapsed < 1.5, f"{CONCURRENCY} concurrent {SLEEP}s sleeps took {elapsed:.2f}s"


def test_preload_would_serialise_them() -> None:
    # The control: --preload imports psycopg before gevent patches, and the waits queue up.
    with _serve("--preload") as base:
        elapsed = _concurrent_sleeps(base)
    assert elapsed >= CONCURRENCY * SLEEP * 0.8, f"took {elapsed:.2f}s; the check cannot tell"
