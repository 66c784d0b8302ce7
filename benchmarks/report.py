"""The results: machine description, Markdown table, JSON and the chart."""

# ruff: noqa: E501 (the report's sentences read better unbroken)

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import contenders
from .contenders import bake

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "granian",
    "uvloop",
    "httptools",
    "sqlalchemy",
    "asyncpg",
    "pydantic",
    "flask",
    "gunicorn",
    "gevent",
    "psycopg",
    "orjson",
    "flask-sqlalchemy",
    "httpx",
    "scikit-learn",
)
CONTENDERS = {
    "floor": "bare Starlette + asyncpg pool + one httpx.AsyncClient (benchmarks/floor/app.py), uvicorn",
    "fastapi": "generated FastAPI crud (fan-out: ml-serving), postgresql, its Dockerfile CMD (uvicorn)",
    "fastapi-granian": "the same FastAPI crud app and database under granian (`granian --interface asgi <slug>.main:app --workers 1 --loop uvloop --http 1 --no-access-log`, installed into its venv for the run; the template ships uvicorn), on health, read-by-pk, read-by-pk-64, list-20 and create",
    "flask-gevent": "generated Flask crud (fan-out: ml-serving), postgresql, its Dockerfile CMD (gunicorn gevent)",
    "flask-gthread": "the same Flask app, gunicorn `--worker-class gthread --threads 16` (on fan-out its gevent pool runs the calls one after another)",
}


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _versions(project: Path) -> dict[str, str]:
    out = subprocess.run(
        [
            bake.uv_executable(),
            "pip",
            "list",
            "--format",
            "json",
            "--python",
            str(project / ".venv" / "bin" / "python"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        p["name"].lower(): p["version"] for p in json.loads(out) if p["name"].lower() in PACKAGES
    }


def machine(venv: Path, projects: list[Path]) -> dict[str, object]:
    """Cores, CPU, OS, Python, PostgreSQL, wrk and the package versions each service ran."""
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    versions: dict[str, str] = {}
    for project in projects:
        versions.update(_versions(project))
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "postgresql": contenders.chore(venv, "version", bake.PG_ADMIN_URL).strip(),
        "wrk": wrk_version[0] if wrk_version else "wrk",
        "packages": dict(sorted(versions.items())),
    }


def _ratio(value: object) -> str:
    return "-" if value is None else f"{value:.2f}"


def _parity(results: dict[str, object]) -> list[str]:
    checked: dict[str, list[str]] = results.get("parity") or {}  # type: ignore[assignment]
    return [
        f"Before measuring, **{name}** answered {len(requests)} requests exactly as **fastapi** "
        "(uvicorn) did: status, headers but `date` and `server`, and body ("
        + ", ".join(f"`{r}`" for r in requests)
        + ").\n"
        for name, requests in checked.items()
    ]


def table(results: dict[str, object]) -> str:
    """The Markdown report: method, machine, then one table per workload."""
    m: dict[str, Any] = results["machine"]  # type: ignore[assignment]
    lines = [
        "# Benchmark results",
        "",
        "## Method",
        "",
        f"- `python -m benchmarks{' --short' if results['short'] else ''}` rendered the crud and "
        "ml-serving variants with `scaffold new ... --target crud|ml-serving --database postgresql "
        "--yes --no-git`, installed each with `uv sync`, applied its migrations, seeded the crud "
        f"databases with {results['seed_rows']:,} rows and trained the ml-serving models with their "
        "own `train` command.",
        "- Each contender ran its production command (the Dockerfile CMD; fastapi-granian the same app "
        "under granian) on 127.0.0.1 with one "
        "process (`WEB_CONCURRENCY=1`), `ENVIRONMENT=production`, `ENABLE_DIAGNOSTICS=true` and the "
        "rate limiter off (`RATE_LIMIT=`); only one server ran at a time (the fan-out upstreams' "
        "process runs throughout, idle but for fan-out).",
        f"- Load: wrk, one thread, keep-alive; {results['rounds']} interleaved rounds "
        "(floor, the crud services, the ml-serving services, then again) of "
        f"{results['seconds']:g} s per workload after a {results['warmup_seconds']:g} s warm-up "
        "each time a server starts. Reported: median requests/s of the rounds, median p50 and p99.",
        "- Read by primary key (at 32 and at 64 connections) cycles over random ids in 1..10,000 (benchmarks/lua/read.lua); create posts "
        "unique names (benchmarks/lua/create.lua); slow query is `/_diag/db-sleep?seconds=0.05` "
        "(`SELECT pg_sleep(0.05)`), the floor runs the same SQL.",
        "- wrk shares the two cores with the server and PostgreSQL (on fan-out, the upstreams), so absolute numbers are low; "
        "the ratios are the result.",
        "",
        "Contenders: " + "; ".join(f"**{k}**: {v}" for k, v in CONTENDERS.items()) + ".",
        "",
        *_parity(results),
        "## Machine",
        "",
        f"{m['cores']} cores ({m['cpu']}), {m['os']}, Python {m['python']}, PostgreSQL {m['postgresql']}, "
        f"{m['wrk']}.",
        "",
        "Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".",
        "",
        "## Results",
        "",
        "![requests per second](results.png)",
        "",
    ]
    workloads: list[dict[str, Any]] = results["workloads"]  # type: ignore[assignment]
    for workload in workloads:
        lines += [
            f"### {workload['name']}: {workload['question']} ({workload['connections']} connections)",
            "",
        ]
        if workload.get("note"):
            lines += [workload["note"], ""]
        lines += [
            "| contender | median rps | p50 ms | p99 ms | / floor | p99 / floor's | / fastapi | errors | rps per round |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        for row in workload["rows"]:
            lines.append(
                f"| {row['contender']} | {row['rps']:.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                f"{_ratio(row['vs_floor'])} | {_ratio(row.get('p99_vs_floor'))} | "
                f"{_ratio(row['vs_fastapi'])} | {row['errors']} | "
                f"{', '.join(f'{r:.0f}' for r in row['rounds_rps'])} |"
            )
        lines.append("")
    lines += [f"Total run time: {results['duration_seconds']:.0f} s.", ""]
    return "\n".join(lines)


def write(results: dict[str, object], out: Path, venv: Path) -> None:
    """results.json, results.md and results.png in `out`."""
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(table(results))
    chart = Path(__file__).parent / "chart.py"
    bake.run([venv / "bin" / "python", chart, out / "results.json", out / "results.png"])
