"""`python -m benchmarks [--short]`: measure every contender and write benchmarks/results/."""

import argparse
import statistics
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import contenders, report, wrk
from .contenders import Contender

RESULTS = Path(__file__).parent / "results"
# Databases are named per run, so a CI run and a full run on one server do not collide.
DB_PREFIX = f"bench_{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Workload:
    """One question, asked with one kind of request."""

    name: str
    question: str
    path: str
    connections: int
    script: str | None = None
    # Contender names that cannot answer this workload.
    only: tuple[str, ...] = ()


WORKLOADS = [
    Workload("health", "JSON without I/O", "/health", 32),
    Workload("read-by-pk", "read by primary key", "/api/items/1", 32, "read.lua"),
    Workload("list-20", "a paginated list of 20", "/api/items?limit=20&offset=0", 32),
    Workload("slow-query", "pg_sleep(0.05) at 64 connections", "/_diag/db-sleep?seconds=0.05", 64),
    # Last: it grows the table the other workloads read.
    Workload("create", "create (one INSERT)", "/api/items", 32, "create.lua"),
]


def build(workdir: Path, venv: Path) -> list[Contender]:
    """Render and seed every contender; the floor reads the FastAPI service's database."""
    fastapi = contenders.render(workdir, "fastapi")
    flask = contenders.render(workdir, "flask")
    fastapi_db = contenders.prepare_database(venv, fastapi, f"{DB_PREFIX}_fastapi")
    flask_db = contenders.prepare_database(venv, flask, f"{DB_PREFIX}_flask")
    floor_db = contenders.prepare_database(venv, fastapi, f"{DB_PREFIX}_floor")
    flask_argv = contenders.production_argv(flask)
    return [
        Contender(
            "floor",
            [str(venv / "bin" / "uvicorn"), "benchmarks.floor.app:app", "--no-access-log"],
            contenders.REPO,
            contenders.clean_env(FLOOR_DATABASE_URL=floor_db),
        ),
        Contender(
            "fastapi",
            contenders.production_argv(fastapi),
            fastapi,
            contenders.project_env(fastapi, fastapi_db),
        ),
        Contender("flask-gevent", flask_argv, flask, contenders.project_env(flask, flask_db)),
        # The same app on gunicorn's threaded sync worker: the classic "sync Flask" row.
        Contender(
            "flask-gthread",
            [*flask_argv, "--worker-class", "gthread", "--threads", "16"],
            flask,
            contenders.project_env(flask, flask_db),
        ),
    ]


def measure(
    all_contenders: list[Contender], rounds: int, seconds: float, warmup: float, logs: Path
) -> dict[str, dict[str, list[wrk.Sample]]]:
    """Interleaved rounds (A B C D, A B C D, ...); each turn starts the server and warms it up."""
    samples: dict[str, dict[str, list[wrk.Sample]]] = {w.name: {} for w in WORKLOADS}
    run_id = uuid.uuid4().hex[:8]
    for round_no in range(rounds):
        for contender in all_contenders:
            # One server at a time: no idle process competes for the two cores or for connections.
            with contenders.serve(contender, logs) as base:
                for workload in WORKLOADS:
                    tag = f"{run_id}-{contender.name}-{round_no}"
                    args = _script_args(workload, tag)
                    url = base + workload.path
                    if warmup:
                        wrk.run(
                            url,
                            seconds=warmup,
                            connections=workload.connections,
                            script=workload.script,
                            args=_script_args(workload, tag + "w"),
                        )
                    sample = wrk.run(
                        url,
                        seconds=seconds,
                        connections=workload.connections,
                        script=workload.script,
                        args=args,
                    )
                    samples[workload.name].setdefault(contender.name, []).append(sample)
                    print(
                        f"round {round_no + 1}/{rounds} {contender.name:14} {workload.name:11} "
                        f"{sample.rps:9.0f} rps  p50 {sample.p50_ms:7.2f} ms  "
                        f"p99 {sample.p99_ms:7.2f} ms"
                        f"  errors {sample.errors}",
                        flush=True,
                    )
    return samples


def _script_args(workload: Workload, tag: str) -> tuple[str, ...]:
    if workload.script == "read.lua":
        return (str(contenders.SEED_ROWS),)
    if workload.script == "create.lua":
        return (tag,)
    return ()


def summarise(samples: dict[str, dict[str, list[wrk.Sample]]]) -> list[dict[str, object]]:
    """Medians per contender and workload, with ratios to the floor and to generated FastAPI."""
    out: list[dict[str, object]] = []
    for workload in WORKLOADS:
        by_name = samples[workload.name]
        medians = {name: statistics.median(s.rps for s in runs) for name, runs in by_name.items()}
        rows = []
        for name, runs in by_name.items():
            rows.append(
                {
                    "contender": name,
                    "rps": round(medians[name], 1),
                    "p50_ms": round(statistics.median(s.p50_ms for s in runs), 2),
                    "p99_ms": round(statistics.median(s.p99_ms for s in runs), 2),
                    "vs_floor": round(medians[name] / medians["floor"], 3)
                    if medians.get("floor")
                    else None,
                    "vs_fastapi": round(medians[name] / medians["fastapi"], 3)
                    if medians.get("fastapi")
                    else None,
                    "errors": sum(s.errors for s in runs),
                    "rounds_rps": [round(s.rps, 1) for s in runs],
                }
            )
        out.append(
            {
                "name": workload.name,
                "question": workload.question,
                "connections": workload.connections,
                "path": workload.path,
                "rows": rows,
            }
        )
    return out


def main() -> None:
    """Build, measure, write the table, the chart and the machine description."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--short", action="store_true", help="a few seconds per contender (CI)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 3; short 1)")
    parser.add_argument(
        "--seconds", type=float, help="seconds per measurement (default 5; short 1)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scaffold-bench"))  # noqa: S108
    opts = parser.parse_args()
    rounds = opts.rounds or (1 if opts.short else 3)
    seconds = opts.seconds or (1.0 if opts.short else 5.0)
    warmup = 1.0 if opts.short else 2.0
    opts.workdir.mkdir(parents=True, exist_ok=True)
    opts.out.mkdir(parents=True, exist_ok=True)

    started = time.time()
    venv = contenders.harness_venv(opts.workdir)
    all_contenders = build(opts.workdir, venv)
    samples = measure(all_contenders, rounds, seconds, warmup, opts.workdir / "logs")
    results = {
        "title": f"One process each, {rounds} interleaved rounds of {seconds:g} s (median)",
        "short": opts.short,
        "rounds": rounds,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "seed_rows": contenders.SEED_ROWS,
        "machine": report.machine(venv, [c.cwd for c in all_contenders[1:3]]),
        "workloads": summarise(samples),
        "duration_seconds": round(time.time() - started, 1),
    }
    report.write(results, opts.out, venv)
    for db in ("fastapi", "flask", "floor"):
        contenders.chore(venv, "drop", contenders.PG_ADMIN_URL, f"{DB_PREFIX}_{db}")
    print(f"wrote {opts.out}/results.md, results.json, results.png")


if __name__ == "__main__":
    main()
