"""`scaffold doctor`: every finding fires on a deliberately broken fixture; clean fixtures pass.

Fixture sources are stored as `*.py.txt` so the repository's ruff and mypy never see them; each
test copies its fixture into tmp_path and renames them to `.py` before running doctor.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import copier
import pytest
import typer
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from typer.testing import CliRunner

from scaffold.doctor import blocking, run_doctor
from scaffold.doctor.advisories import admitted, load_table
from scaffold.doctor.command import doctor
from scaffold.doctor.model import FINDING_IDS

FIXTURES = Path(__file__).parent / "fixtures" / "doctor"
REPO = Path(__file__).resolve().parent.parent

# A tiny app of our own, so these tests do not depend on scaffold.cli.
app = typer.Typer()
app.command("doctor")(doctor)


@app.callback()
def _root() -> None:
    """Keep `doctor` a subcommand, as it is in scaffold."""


def materialise(name: str, tmp_path: Path) -> Path:
    """Copy a fixture project into tmp_path with its `*.py.txt` files renamed to `*.py`."""
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    for path in list(root.rglob("*.py.txt")):
        path.rename(path.with_suffix(""))
    return root


def line_of(root: Path, relpath: str, needle: str) -> int:
    """The 1-based line of `needle` in a fixture file, so expectations survive edits."""
    lines = (root / relpath).read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def locations(root: Path, finding_id: str) -> set[str]:
    """Where doctor reports `finding_id` in the project at root."""
    return {f.location for f in run_doctor(root).findings if f.id == finding_id}


# The exact ids each broken fixture must produce: nothing missing, nothing extra.
EXPECTED_IDS = {
    "fastapi_broken": {
        "advisory-range", "floor-range", "ruff-async", "blocking-call", "sync-session",
        "trusted-host-missing", "debug-enabled", "debug-command",
    },
    "fastapi_pinned": {"advisory-locked", "floor-locked", "trusted-host-wildcard"},
    "fastapi_implicit": {"implicit-dependency", "trusted-host-wildcard"},
    "flask_broken": {
        "advisory-range", "floor-range", "gevent-preload", "gevent-early-import",
        "gevent-patch-order", "trusted-host-missing", "debug-enabled",
    },
}  # fmt: skip

# Each finding id, the fixture it fires on, and one (file, text on that line) it must point at.
WHERE = [
    ("advisory-range", "fastapi_broken", "pyproject.toml", '"starlette>=0.40"'),
    ("floor-range", "flask_broken", "pyproject.toml", '"psycopg[binary]>=3.1"'),
    ("advisory-locked", "fastapi_pinned", "uv.lock", 'name = "starlette"'),
    ("floor-locked", "fastapi_pinned", "requirements.txt", "fastapi==0.115.0"),
    ("implicit-dependency", "fastapi_implicit", "pyproject.toml", '"fastapi>=0.164,<1"'),
    ("ruff-async", "fastapi_broken", "app/main.py", 'requests.get("https://example.com/weather"'),
    ("ruff-async", "fastapi_broken", "app/main.py", "    time.sleep(1)"),
    ("blocking-call", "fastapi_broken", "app/main.py", "http.get("),
    ("blocking-call", "fastapi_broken", "app/main.py", "psycopg.connect("),
    ("blocking-call", "fastapi_broken", "app/main.py", "sqlite3.connect("),
    ("sync-session", "fastapi_broken", "app/main.py", "db.execute("),
    ("sync-session", "fastapi_broken", "app/main.py", "with SessionLocal() as session"),
    ("sync-session", "fastapi_broken", "app/main.py", "session.scalar("),
    ("gevent-preload", "flask_broken", "gunicorn.conf.py", "preload_app = True"),
    ("gevent-preload", "flask_broken", "Dockerfile", "--preload"),
    ("gevent-preload", "flask_broken", "compose.yaml", "command:"),
    ("gevent-early-import", "flask_broken", "gunicorn.conf.py", "import psycopg"),
    ("gevent-early-import", "flask_broken", "gunicorn.conf.py", "from shop.settings import"),
    ("gevent-patch-order", "flask_broken", "shop/wsgi.py", "import psycopg"),
    ("trusted-host-missing", "fastapi_broken", "app/main.py", "app = FastAPI("),
    ("trusted-host-missing", "flask_broken", "shop/__init__.py", "app = Flask("),
    ("trusted-host-wildcard", "fastapi_pinned", "app/main.py", 'allowed_hosts=["*"]'),
    (
        "trusted-host-wildcard",
        "fastapi_implicit",
        "app/main.py",
        'allowed_hosts: list[str] = ["*"]',
    ),
    ("debug-enabled", "fastapi_broken", "app/main.py", "FastAPI(debug=True)"),
    ("debug-enabled", "flask_broken", "shop/config.py", "    DEBUG = True\n"),
    ("debug-enabled", "flask_broken", "shop/wsgi.py", "app.run(debug=True)"),
    ("debug-command", "fastapi_broken", "Dockerfile", "CMD ["),
]


@pytest.mark.parametrize("fixture", sorted(EXPECTED_IDS))
def test_broken_fixture_gives_exactly_its_findings(fixture: str, tmp_path: Path) -> None:
    report = run_doctor(materialise(fixture, tmp_path))

    assert report.ids() == EXPECTED_IDS[fixture]
    assert all(f.message and f.hint for f in report.findings)


@pytest.mark.parametrize(
    ("finding_id", "fixture", "relpath", "needle"),
    WHERE,
    ids=[f"{fid}:{rel}:{needle.strip()[:24]}" for fid, _, rel, needle in WHERE],
)
def test_finding_points_at_the_offending_line(
    finding_id: str, fixture: str, relpath: str, needle: str, tmp_path: Path
) -> None:
    root = materialise(fixture, tmp_path)
    lines = (root / relpath).read_text().splitlines(keepends=True)
    line = next(n for n, text in enumerate(lines, 1) if needle in text)

    assert f"{relpath}:{line}" in locations(root, finding_id)


def test_every_finding_id_fires_on_some_fixture() -> None:
    fired = set().union(*EXPECTED_IDS.values()) | {"ruff-unavailable"}  # see the ruff tests

    assert fired == set(FINDING_IDS)
    assert {finding_id for finding_id, *_ in WHERE} | {"ruff-unavailable"} == fired


def test_nested_sync_def_offloaded_to_a_thread_is_not_flagged(tmp_path: Path) -> None:
    root = materialise("fastapi_broken", tmp_path)
    offloaded = line_of(root, "app/main.py", "fine: runs in a worker thread")

    flagged = {f.line for f in run_doctor(root).findings if f.path == "app/main.py"}

    assert offloaded not in flagged
    assert offloaded + 1 not in flagged  # the requests.get in the same nested def


def test_without_ruff_the_ast_pass_still_runs_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blocking, "find_ruff", lambda root: None)
    root = materialise("fastapi_broken", tmp_path)
    sleep = line_of(root, "app/main.py", "    time.sleep(1)")

    report = run_doctor(root)

    assert "ruff-unavailable" in report.ids()
    assert "ruff-async" not in report.ids()
    assert f"app/main.py:{sleep}" in {
        f.location for f in report.findings if f.id == "blocking-call"
    }


def test_ruff_that_cannot_run_is_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocking, "find_ruff", lambda root: [str(tmp_path / "no-such-ruff")])

    report = run_doctor(materialise("fastapi_clean", tmp_path))

    assert report.ids() == {"ruff-unavailable"}


def test_a_lock_wins_over_the_declared_range(tmp_path: Path) -> None:
    report = run_doctor(materialise("fastapi_pinned", tmp_path))
    starlette = [f for f in report.findings if f.message.startswith("starlette")]

    # pyproject says plain "starlette"; the lock's 1.0.0 is what is judged.
    assert {f.id for f in starlette} == {"advisory-locked", "floor-locked"}
    assert any("CVE-2026-48710" in f.message and "BadHost" in f.message for f in starlette)


@pytest.mark.parametrize(
    ("declared", "affected", "expected"),
    [
        (">=0.40", "<1.0.1", "1.0.0"),
        (">=1.6.0,<2", "<1.0.1", None),
        ("", "<1.0.1", "1.0.0"),
        ("~=3.1", "==3.1.0", "3.1"),
        (">=3.1.1,<4", "==3.1.0", None),
        ("==1.0.0", "<1.0.1", "1.0.0"),
        ("!=1.0.0,<1.0.1", "<1.0.1", "1.0.0.1"),
    ],
)
def test_admitted_finds_overlap_of_ranges(
    declared: str, affected: str, expected: str | None
) -> None:
    found = admitted(SpecifierSet(declared), [SpecifierSet(affected)])

    assert found == (Version(expected) if expected else None)


def test_advisory_table_covers_the_six_packages_and_badhost() -> None:
    table = load_table()
    badhost = next(a for a in table.packages["starlette"].advisories if a.id == "CVE-2026-48710")

    assert set(table.packages) == {"starlette", "fastapi", "flask", "werkzeug", "gevent", "psycopg"}
    assert "GHSA-86qp-5c8j-p5mr" in badhost.aliases
    assert badhost.affects(Version("1.0.0")) and not badhost.affects(Version("1.0.1"))
    assert table.packages["starlette"].floor == "1.6.0"
    assert table.packages["fastapi"].floor == "0.164"


@pytest.mark.parametrize("fixture", ["fastapi_clean", "flask_clean"])
def test_clean_fixture_exits_0_with_one_line(fixture: str, tmp_path: Path) -> None:
    root = materialise(fixture, tmp_path)

    result = CliRunner().invoke(app, ["doctor", str(root)])

    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [f"scaffold doctor: no findings in {root}"]


def test_broken_project_exits_1_with_a_grouped_report(tmp_path: Path) -> None:
    root = materialise("flask_broken", tmp_path)

    result = CliRunner().invoke(app, ["doctor", str(root)])

    assert result.exit_code == 1
    for heading in ("Advisories and version floors", "gevent patch order", "Production settings"):
        assert heading in result.output
    assert "Blocking calls" not in result.output
    assert "[gevent-preload]" in result.output
    assert "fix: " in result.output
    assert result.output.strip().splitlines()[-1].startswith("scaffold doctor: 17 findings")


def test_json_output_is_a_document_for_machines(tmp_path: Path) -> None:
    root = materialise("fastapi_broken", tmp_path)

    result = CliRunner().invoke(app, ["doctor", str(root), "--json"])
    document = json.loads(result.stdout)

    assert result.exit_code == 1
    assert set(document) == {"path", "findings", "summary"}
    assert document["path"] == str(root)
    assert document["summary"]["total"] == len(document["findings"])
    assert document["summary"]["errors"] + document["summary"]["warnings"] == len(
        document["findings"]
    )
    first = document["findings"][0]
    assert {"id", "check", "severity", "path", "line", "message", "hint"} <= set(first)
    assert {f["id"] for f in document["findings"]} == EXPECTED_IDS["fastapi_broken"]


def test_json_output_when_clean(tmp_path: Path) -> None:
    root = materialise("flask_clean", tmp_path)

    result = CliRunner().invoke(app, ["doctor", str(root), "--json"])

    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


def test_default_path_is_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(materialise("fastapi_clean", tmp_path))

    result = CliRunner().invoke(app, ["doctor"])

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind", ["empty-dir", "missing", "file"])
def test_not_a_project_is_a_one_line_error_and_exit_2(kind: str, tmp_path: Path) -> None:
    target = tmp_path / "target"
    if kind == "empty-dir":
        target.mkdir()
    elif kind == "file":
        target.write_text("x = 1\n")

    result = CliRunner().invoke(app, ["doctor", str(target)])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(target) in result.stderr


def test_virtualenvs_are_not_audited(tmp_path: Path) -> None:
    root = materialise("flask_clean", tmp_path)
    site = root / ".venv" / "lib" / "python3.11" / "site-packages" / "lib_with_sleep"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("import time\n\n\nasync def f():\n    time.sleep(1)\n")

    assert run_doctor(root).clean


def test_ruff_refusing_the_project_config_is_a_finding(tmp_path: Path) -> None:
    root = materialise("fastapi_clean", tmp_path)
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[tool.ruff]\nline-length = "wide"\n')

    report = run_doctor(root)

    assert report.ids() == {"ruff-unavailable"}
    assert "could not check" in report.findings[0].message


@pytest.mark.filterwarnings("ignore::copier.errors.DirtyLocalWarning")
@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_freshly_rendered_projects_are_clean(framework: str, database: str, tmp_path: Path) -> None:
    # HEAD plus uncommitted edits, the way scaffold renders from a checkout.
    project = tmp_path / "svc"
    copier.run_copy(
        str(REPO),
        project,
        data={"framework": framework, "database": database, "target": "crud"},
        vcs_ref="HEAD",
        defaults=True,
        unsafe=False,
        quiet=True,
    )

    result = CliRunner().invoke(app, ["doctor", str(project)])

    assert result.exit_code == 0, result.output
