"""Fixtures: a model trained once, the production server and a database emptied after each test."""

import functools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

# Settings are read from the environment, so pin it before the app is imported.
os.environ.setdefault("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/flask_ml_serving_test")
os.environ["ENVIRONMENT"] = "test"
os.environ["ALLOWED_HOSTS"] = "localhost,127.0.0.1"
os.environ["ENABLE_DIAGNOSTICS"] = "false"

from flask_ml_serving import create_app
from flask_ml_serving.config import get_settings
from flask_ml_serving.extensions import db
from flask_ml_serving.ml.train import fit, save

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The Dockerfile's CMD, run from the venv the tests run in.
SERVER_COMMAND = [
    str(Path(sys.executable).parent / "gunicorn"),
    "--config",
    "gunicorn.conf.py",
    "flask_ml_serving.wsgi:app",
]


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


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once per session; MODEL_PATH names it for apps and servers alike."""
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    estimator, info = fit("test-model")
    save(estimator, info, path)
    os.environ["MODEL_PATH"] = str(path)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _serve(model_path: Path, **settings: str) -> Iterator[str]:
    """Run the production command on a free loopback port with extra settings."""
    port = _free_port()
    env = dict(
        os.environ,
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        ENVIRONMENT="production",
        MODEL_PATH=str(model_path),
        **settings,
    )
    process = subprocess.Popen(
        SERVER_COMMAND, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(f"{base}/ready", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn was not ready within 60 s")
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown; TERM drains for seconds
        process.wait(timeout=15)
        if process.stdout:
            # Shown by pytest only when the test fails: the server's side of the story.
            print(process.stdout.read().decode(errors="replace")[-5000:])
            process.stdout.close()


@pytest.fixture(scope="session")
def production_server(model_path: Path) -> Callable[..., AbstractContextManager[str]]:
    """`with production_server(SETTING="value") as base_url:` serves the session's model through
    the Dockerfile's command (gunicorn + gevent) on a free loopback port until the block ends."""
    return functools.partial(_serve, model_path)


@pytest.fixture(scope="session")
def app(model_path: Path) -> Iterator[Flask]:
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


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the session's app."""
    return app.test_client()
