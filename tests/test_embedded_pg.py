"""The embedded PostgreSQL fallback (issue 17): the shared driver, and generated projects using it.

The driver is templates/shared/tests/postgres_server.py, rendered into every project with
database=postgresql as tests/postgres_server.py. The fast tests run it here against real servers
(the one the suite uses, a closed port, embedded ones); the smoke tests render a project, install
it and run its own suite with no PostgreSQL reachable, then with a DATABASE_URL answering nothing.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from bake import ARTIFACTS_ABSPATH, Variant, clean_env, free_port, render, run, uv_executable
from conftest import postgres_server_module

URL_VARIABLES = ("DATABASE_URL", "TEST_DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD")
SUMMARY = re.compile(r"^=* ?(?P<body>\d+ \w+.*) in [\d.]+s", re.MULTILINE)


@pytest.fixture(scope="module")
def helper() -> ModuleType:
    return postgres_server_module()


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temp dir of the test's own, so leftovers of this test (and only these) can be seen."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    yield tmp


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain `text` (a folder of this test's)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in argv:
            found.append(f"{cmdline.parent.name}: {argv}")
    return found


def test_an_explicit_url_that_answers_nothing_stops_the_run(helper: ModuleType) -> None:
    port = free_port()
    env = {"DATABASE_URL": f"postgresql://app:s3cret@127.0.0.1:{port}/app", "PGPORT": "5432"}
    with pytest.raises(helper.EmbeddedPostgresError) as err:
        helper.resolve_database("app_test", env=env)
    message = str(err.value)
    assert f"DATABASE_URL=postgresql://app:***@127.0.0.1:{port}/app" in message
    assert "s3cret" not in message


def test_test_database_url_comes_before_database_url(helper: ModuleType) -> None:
    env = {
        "TEST_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/t",
        "DATABASE_URL": os.environ["SCAFFOLD_TEST_PG"],
    }
    with pytest.raises(helper.EmbeddedPostgresError, match=r"^TEST_DATABASE_URL="):
        helper.resolve_database("app_test", env=env)


def test_pghost_and_pgport_name_the_default_server(helper: ModuleType) -> None:
    """The suite's own server, reached through libpq's variables instead of a URL."""
    server = urlsplit(os.environ["SCAFFOLD_TEST_PG"])
    assert server.hostname is not None and server.port is not None
    env = {"PGHOST": server.hostname, "PGPORT": str(server.port), "PGUSER": "postgres"}
    resolved = helper.resolve_database("app_test", env=env)
    assert resolved.server is None
    assert resolved.url == f"postgresql://postgres@{server.hostname}:{server.port}/app_test"
    assert resolved.origin == f"the server at {server.hostname}:{server.port}"


def test_nothing_answering_starts_a_throwaway_server_and_stop_removes_it(
    helper: ModuleType, private_tmp: Path
) -> None:
    closed = free_port()
    started = time.monotonic()
    resolved = helper.resolve_database("app_test", env={"PGPORT": str(closed)})
    start_seconds = time.monotonic() - started
    try:
        server = resolved.server
        assert server is not None
        assert resolved.url == f"postgresql://postgres@127.0.0.1:{server.port}/app_test"
        assert f"nothing at 127.0.0.1:{closed}" in resolved.origin
        assert server.folder.parent == private_tmp
        assert helper.answers("127.0.0.1", server.port)
        databases = run(
            [
                server.bindir / "psql",
                server.url("postgres"),
                "-tAc",
                "SELECT datname FROM pg_database",
            ]
        ).stdout.split()
        assert "app_test" in databases
    finally:
        if resolved.server is not None:
            resolved.server.stop()
    assert list(private_tmp.iterdir()) == []
    assert processes_mentioning(str(private_tmp)) == []
    assert not helper.answers("127.0.0.1", server.port)
    # Coarse: about 1-2 s here; a shared 2-core machine can be much slower.
    assert start_seconds < 30, f"embedded start took {start_seconds:.1f}s"


def test_a_persistent_server_keeps_its_port_and_data_across_restarts(
    helper: ModuleType, tmp_path: Path
) -> None:
    folder = tmp_path / ".dev-db"
    server = helper.start_persistent(folder)
    try:
        server.ensure_database("app")
        server.ensure_database("app")  # a second time: already there, no error
        assert helper.persistent_running(folder)
        run([server.bindir / "psql", server.url("app"), "-qc", "CREATE TABLE kept (n int)"])
        server.stop()
        assert not helper.persistent_running(folder)
        assert not helper.answers("127.0.0.1", server.port)
        again = helper.start_persistent(folder)
        assert again.port == server.port
        tables = run([again.bindir / "psql", again.url("app"), "-tAc", r"\dt"]).stdout
        assert "kept" in tables
    finally:
        if helper.persistent_running(folder):
            helper.persistent_server(folder).stop()
    assert processes_mentioning(str(folder)) == []


def project_env(project: Path, tmp: Path, **settings: str) -> dict[str, str]:
    """A generated project's environment with no PostgreSQL settings but `settings`."""
    env = clean_env(UV_PROJECT_ENVIRONMENT=str(project / ".venv"), TMPDIR=str(tmp))
    for name in URL_VARIABLES:
        env.pop(name, None)
    env.update(settings)
    env["PATH"] = f"{project / '.venv' / 'bin'}:{env['PATH']}"
    return env


def installed(variant: Variant, tmp_path: Path) -> Path:
    project = render(variant, tmp_path, "svc", lock=True)
    run(
        [uv_executable(), "sync", "--locked", "--quiet"],
        cwd=project,
        env=clean_env(UV_PROJECT_ENVIRONMENT=str(project / ".venv")),
    )
    return project


@pytest.mark.smoke
def test_a_project_passes_on_an_embedded_server_and_leaves_nothing(tmp_path: Path) -> None:
    """No URL, nothing on PGPORT: the project's whole suite runs on a throwaway server."""
    project = installed(Variant("fastapi", "crud", "postgresql"), tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    closed = free_port()
    env = project_env(project, tmp, PGPORT=str(closed))
    started = time.monotonic()
    tests = run(
        [project / ".venv" / "bin" / "pytest", "-p", "no:cacheprovider"], cwd=project, env=env
    )
    seconds = time.monotonic() - started
    header = re.findall(r"^postgresql: .*$", tests.stdout, re.MULTILINE)
    assert len(header) == 1, tests.stdout[:2000]
    embedded = r"postgresql: an embedded PostgreSQL on 127\.0\.0\.1:\d+"
    assert re.fullmatch(rf"{embedded} \(nothing at 127\.0\.0\.1:{closed}\)", header[0])
    body = SUMMARY.findall(tests.stdout)[-1]
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", body)}
    assert set(counts) == {"passed"}, (
        f"not all passed (skips count): {counts}\n{tests.stdout[-3000:]}"
    )
    leftovers = [p for p in tmp.iterdir() if p.name.startswith("embedded-pg-")]
    assert leftovers == [], "the embedded server's folder was not removed"
    assert processes_mentioning(str(tmp)) == [], "an embedded postgres process is still running"
    out = ARTIFACTS_ABSPATH / "smoke" / "embedded-pg.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"project": "fastapi crud", "tests": counts, "seconds": seconds}))


@pytest.mark.smoke
def test_a_project_with_an_unreachable_database_url_fails_naming_it(tmp_path: Path) -> None:
    """An explicit URL never falls back to the embedded server: the run stops and says why."""
    project = installed(Variant("flask", "crud", "postgresql"), tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/svc_test"
    env = project_env(project, tmp, DATABASE_URL=url)
    tests = run(
        [project / ".venv" / "bin" / "pytest", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        check=False,
    )
    output = tests.stdout + tests.stderr
    assert tests.returncode == pytest.ExitCode.USAGE_ERROR, output[-3000:]
    assert f"no PostgreSQL for the tests: DATABASE_URL={url}: nothing answers" in output
    assert " passed" not in output
    assert list(tmp.iterdir()) == [], "an embedded server was started anyway"
