"""The smoke matrix: bake every variant, install it, run its own checks and boot it."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from bake import (
    ARTIFACTS_ABSPATH,
    MATRIX,
    UNSUPPORTED,
    Variant,
    as_argv,
    clean_env,
    compose_services,
    dockerfile_cmd,
    fresh_database,
    http_get,
    leftover_jinja,
    render,
    run,
    scaffold_argv,
    serve,
    uv_executable,
)

pytestmark = pytest.mark.smoke
SUMMARY = re.compile(r"^=* ?(?P<body>\d+ \w+.*) in [\d.]+s", re.MULTILINE)


def pytest_summary(output: str) -> dict[str, int]:
    """Counts from pytest's closing line, e.g. {'passed': 12}."""
    found = SUMMARY.findall(output)
    assert found, f"no pytest summary in output:\n{output[-3000:]}"
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", found[-1])}


@pytest.mark.parametrize("variant", MATRIX, ids=lambda v: v.id)
def test_variant(variant: Variant, tmp_path: Path) -> None:
    """A rendered project installs, passes its own tests, lint and types, and boots."""
    timings: dict[str, float] = {}
    started = time.monotonic()

    def step(name: str) -> None:
        timings[name] = round(time.monotonic() - started - sum(timings.values()), 2)

    project = render(variant, tmp_path, "svc", lock=True)
    assert leftover_jinja(project) == []
    assert (project / "uv.lock").is_file(), "scaffold new did not lock the dependencies"
    step("render")

    uv = uv_executable()
    env = clean_env(
        UV_PROJECT_ENVIRONMENT=str(project / ".venv"),
        ARTIFACTS_DIR=str(ARTIFACTS_ABSPATH / "screenshots" / variant.id.replace(":", "_")),
    )
    # --locked, as the Dockerfile and the generated CI install: the lock scaffold wrote is fresh.
    run([uv, "sync", "--locked", "--quiet"], cwd=project, env=env)
    step("install")
    venv_bin = project / ".venv" / "bin"
    env["PATH"] = f"{venv_bin}:{env['PATH']}"

    with fresh_database(f"smoke_{variant.framework}_{variant.target.replace('-', '_')}") as db_url:
        if variant.database == "postgresql":
            env["DATABASE_URL"] = db_url
        elif variant.database == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'app.db'}"
        tests = run([venv_bin / "pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=env)
        counts = pytest_summary(tests.stdout)
        assert counts.get("passed", 0) > 0, tests.stdout[-3000:]
        assert set(counts) == {"passed"}, f"not all passed: {counts}\n{tests.stdout[-3000:]}"
        step("tests")

        run([venv_bin / "ruff", "check", "."], cwd=project, env=env)
        run([venv_bin / "ruff", "format", "--check", "."], cwd=project, env=env)
        step("ruff")
        run([venv_bin / "mypy"], cwd=project, env=env)
        step("mypy")
        run([*scaffold_argv(), "doctor", project], cwd=project)
        step("doctor")

        if variant.target == "ml-serving":
            run([venv_bin / "train"], cwd=project, env=env)  # the Dockerfile's build-time step
        services = compose_services(project)
        if "migrate" in services:
            run(as_argv(services["migrate"]["command"]), cwd=project, env=env)
        cmd = dockerfile_cmd(project)
        app_command = services["app"].get("command")
        assert app_command is None or as_argv(app_command) == cmd, "compose app command drifts"
        prod_env = dict(
            env,
            ENVIRONMENT="production",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECRET_KEY="smoke-" + "x" * 40,
            WEB_CONCURRENCY="1",
        )
        with serve(cmd, project, prod_env) as base:
            status, body = http_get(f"{base}/openapi.json")
            assert status == 200, body[:500]
            assert json.loads(body)["paths"], "OpenAPI document lists no paths"
            status, _ = http_get(f"{base}/ready")
            assert status == 200
        step("boot")

    record = {
        "variant": variant.id,
        "tests": counts,
        "seconds": timings,
        "total_seconds": round(time.monotonic() - started, 2),
    }
    out = ARTIFACTS_ABSPATH / "smoke" / f"{variant.id.replace(':', '_')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2))


@pytest.mark.parametrize("variant", UNSUPPORTED, ids=lambda v: v.id)
def test_unsupported_combination_fails_to_generate(variant: Variant, tmp_path: Path) -> None:
    """copier.yml refuses a combination it does not support, writing nothing."""
    proc = run(
        [
            *scaffold_argv(),
            "new",
            "svc",
            *variant.flags(),
            "--yes",
            "--no-git",
            "--output-dir",
            tmp_path,
        ],
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []
