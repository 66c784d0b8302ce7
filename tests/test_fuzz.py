"""Fuzz each running generated API with schemathesis, from the API's own OpenAPI document."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from bake import (
    ARTIFACTS_ABSPATH,
    Variant,
    as_argv,
    clean_env,
    compose_services,
    dockerfile_cmd,
    fresh_database,
    render,
    run,
    serve,
    uv_executable,
)

pytestmark = pytest.mark.smoke
VARIANTS = tuple(
    Variant(framework, target, "postgresql")
    for target in ("crud", "ml-serving", "full-stack")
    for framework in ("fastapi", "flask")
)
# Bounded: examples per operation per phase; the seed makes a failure reproducible.
MAX_EXAMPLES = 25
SEED = 20261125
# The checks that must hold for every response.
CHECKS = "not_a_server_error,response_schema_conformance"


def schemathesis() -> str:
    """schemathesis from scaffold's dev extras, beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "schemathesis"
    found = str(beside) if beside.exists() else shutil.which("schemathesis")
    assert found, "schemathesis is not installed: pip install -e '.[dev]'"
    return found


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_api_survives_fuzzing(variant: Variant, tmp_path: Path) -> None:
    """Zero 5xx and zero response-schema violations; the request count is recorded."""
    project = render(variant, tmp_path, "svc")
    env = clean_env(UV_PROJECT_ENVIRONMENT=str(project / ".venv"))
    run([uv_executable(), "sync", "--quiet", "--no-dev"], cwd=project, env=env)
    venv_bin = project / ".venv" / "bin"
    env["PATH"] = f"{venv_bin}:{env['PATH']}"
    summary_path, har_path = tmp_path / "summary.json", tmp_path / "requests.har"

    with fresh_database(f"fuzz_{variant.framework}_{variant.target.replace('-', '_')}") as url:
        env["DATABASE_URL"] = url
        if variant.target == "ml-serving":
            run([venv_bin / "train"], cwd=project, env=env)
        services = compose_services(project)
        if "migrate" in services:
            run(as_argv(services["migrate"]["command"]), cwd=project, env=env)
        prod_env = dict(
            env,
            ENVIRONMENT="production",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SECRET_KEY="fuzz-" + "x" * 40,
            WEB_CONCURRENCY="1",
            # The limiter stays in the path, but fuzzing must not be throttled into 429s.
            RATE_LIMIT="1000000/minute",
        )
        with serve(dockerfile_cmd(project), project, prod_env) as base:
            proc = run(
                [
                    schemathesis(),
                    "run",
                    f"{base}/openapi.json",
                    "--checks",
                    CHECKS,
                    "--max-examples",
                    str(MAX_EXAMPLES),
                    "--seed",
                    str(SEED),
                    "--workers",
                    "1",
                    "--request-timeout",
                    "10",
                    "--report",
                    "json,har",
                    "--report-json-path",
                    summary_path,
                    "--report-har-path",
                    har_path,
                ],
                cwd=tmp_path,
                env=clean_env(),
                timeout=420,
                check=False,
            )
    assert summary_path.is_file(), proc.stdout[-8000:] + proc.stderr[-3000:]
    summary = json.loads(summary_path.read_text())
    har = json.loads(har_path.read_text())
    record = {
        "variant": variant.id,
        "requests": len(har["log"]["entries"]),
        "test_cases": summary["test_cases"]["generated"],
        "operations_tested": summary["operations"]["tested"],
        "failures": summary["test_cases"]["with_failures"],
        "errors": len(summary["errors"]),
        "max_examples": MAX_EXAMPLES,
        "seed": SEED,
        "exit_code": proc.returncode,
    }
    out = ARTIFACTS_ABSPATH / "fuzz" / f"{variant.framework}-{variant.target}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2))

    assert proc.returncode == 0, proc.stdout[-8000:]
    assert record["failures"] == 0 and record["errors"] == 0, record
    assert record["operations_tested"] == summary["operations"]["total"] > 0, record
    assert record["requests"] > 0, record
