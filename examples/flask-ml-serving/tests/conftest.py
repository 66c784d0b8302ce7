"""Fixtures: a model trained once; one migrated database per session, emptied after every test."""

import os
from collections.abc import Iterator
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
