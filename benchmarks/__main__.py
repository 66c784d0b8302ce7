"""`python -m benchmarks [--short]`: measure every contender and write benchmarks/results/."""

import argparse
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from . import contenders, parity, report, wrk
from .contenders import Contender, bake

RESULTS = Path(__file__).parent / "results"
# One fresh database each (bake.fresh_database names them per run and drops them at the end).
DATABASES = {"crud": ("floor", "fastapi", "flask"), "ml-serving": ("fastapi_ml", "flask_ml")}
# The generated FastAPI crud app under granian instead of uvicorn, on these workloads.
GRANIAN_WORKLOADS = ("health", "read-by-pk", "read-by-pk-64", "list-20", "create")
# Fan-out: three upstreams, each answering after this long (benchmarks/upstreams.py).
UPSTREAM_DELAY_SECONDS = 0.1
UPSTREAMS = 3
# gunicorn's threaded sync worker, for the "sync Flask" rows.
GTHREAD = ("--worker-class", "gthread", "--threads", "16")
# Few enough that httpx's CPU cost (about 1 ms per upstream call) cannot saturate two shared
# cores, so p50 shows whether the three calls overlap (100 ms) or not (300 ms); at 32 the
# process is CPU-bound near 130 requests/s and p50 measures queueing instead.
FAN_OUT_CONNECTIONS = 8


@dataclass(frozen=True)
class Workload:
    """One question, asked with one kind of request."""

    name: str
    question: str
    path: str
    connections: int
    script: str | None = None
    # The rendered target whose services answer it (`scaffold new --target`).
    target: str = "crud"
    # Printed under the workload's table.
    note: str = ""


WORKLOADS = [
    Workload("health", "JSON without I/O", "/health", 32),
    Workload("read-by-pk", "read by primary key", "/api/items/1", 32, "read.lua"),
    # Twice the connections of the pool's default maximum and more: requests queue for a
    # connection instead of opening more (issue 14's target holds at 32 and 64).
    Workload(
        "read-by-pk-64", "read by primary key at 64 connections", "/api/items/1", 64, "read.lua"
    ),
    Workload("list-20", "a paginated list of 20", "/api/items?limit=20&offset=0", 32),
    Workload("slow-query", "pg_sleep(0.05) at 64 connections", "/_diag/db-sleep?seconds=0.05", 64),
    # Last of the crud workloads: it grows the table the others read.
    Workload("create", "create (one INSERT)", "/api/items", 32, "create.lua"),
    Workload(
        "fan-out",
        "fan-out to three upstreams that each answer after 100 ms",
        "/aggregate",
        FAN_OUT_CONNECTIONS,
        "aggregate.lua",
        target="ml-serving",
        note=(
            "The ml-serving services' `POST /aggregate` (no inference and no database on this "
            f"route) asks {UPSTREAMS} upstreams on loopback (benchmarks/upstreams.py, one uvloop "
            f"process) that answer after {UPSTREAM_DELAY_SECONDS * 1000:g} ms. Ideal: p50 = "
            f"{UPSTREAM_DELAY_SECONDS * 1000:g} ms (calling them one after another takes "
            f"{UPSTREAMS * UPSTREAM_DELAY_SECONDS * 1000:g} ms) and {FAN_OUT_CONNECTIONS} "
            f"connections / {UPSTREAM_DELAY_SECONDS:g} s = "
            f"{FAN_OUT_CONNECTIONS / UPSTREAM_DELAY_SECONDS:.0f} requests/s. A 200 whose body "
            "reports a failed upstream counts as an error. The floor fans out with one "
            "httpx.AsyncClient and asyncio.gather; it skips pydantic validation and the "
            "response models. flask-gthread runs the same Flask service on gunicorn's gthread "
            "worker, which the template does not configure: its fan-out is a gevent pool, whose "
            "calls overlap only under the gevent worker's monkey-patching, so there the three "
            "calls run one after another (the sequential case, p50 >= 300 ms)."
        ),
    ),
]


def build(
    workdir: Path,
    venv: Path,
    databases: dict[str, str],
    targets: set[str],
    upstream_urls: list[str],
) -> list[Contender]:
    """Render and prepare every contender for `targets`; the floor answers every workload."""
    # Two builds at once: each mostly waits on uv, PostgreSQL or one core (the model's training).
    with ThreadPoolExecutor(max_workers=2) as pool:
        crud_build = (
            pool.submit(build_crud, workdir, venv, databases) if "crud" in targets else None
        )
        ml_build = (
            pool.submit(build_ml_serving, workdir, venv, databases, upstream_urls)
            if "ml-serving" in targets
            else None
        )
        crud = crud_build.result() if crud_build else []
        ml = ml_build.result() if ml_build else []
    if crud:
        # The floor reads a seeded copy of the FastAPI service's schema.
        contenders.prepare_database(venv, crud[0].cwd, databases["floor"])
    floor = Contender(
        "floor",
        [str(venv / "bin" / "uvicorn"), "benchmarks.floor.app:app", "--no-access-log"],
        contenders.REPO,
        bake.clean_env(
            FLOOR_DATABASE_URL=databases["floor"], FLOOR_UPSTREAM_URLS=",".join(upstream_urls)
        ),
        targets=tuple(sorted(targets)),
    )
    return [floor, *crud, *ml]


def build_crud(workdir: Path, venv: Path, databases: dict[str, str]) -> list[Contender]:
    """The crud services, seeded: fastapi on uvicorn and granian, flask-gevent, flask-gthread."""
    fastapi = contenders.render(workdir, "fastapi")
    flask = contenders.render(workdir, "flask")
    contenders.install_granian(fastapi)
    contenders.prepare_database(venv, fastapi, databases["fastapi"])
    contenders.prepare_database(venv, flask, databases["flask"])
    fastapi_env = contenders.project_env(fastapi, databases["fastapi"])
    flask_env = contenders.project_env(flask, databases["flask"])
    flask_argv = bake.dockerfile_cmd(flask)
    return [
        Contender("fastapi", bake.dockerfile_cmd(fastapi), fastapi, fastapi_env),
        # The same app and database under granian, which the template does not ship (issue 14).
        Contender(
            "fastapi-granian",
            contenders.granian_argv(fastapi),
            fastapi,
            fastapi_env,
            workloads=GRANIAN_WORKLOADS,
        ),
        Contender("flask-gevent", flask_argv, flask, flask_env),
        # The same app on gunicorn's threaded sync worker: the classic "sync Flask" row.
        Contender("flask-gthread", [*flask_argv, *GTHREAD], flask, flask_env),
    ]


def build_ml_serving(
    workdir: Path, venv: Path, databases: dict[str, str], upstream_urls: list[str]
) -> list[Contender]:
    """The ml-serving services, with their model trained and prediction log migrated."""
    projects = {}
    for framework in ("fastapi", "flask"):
        project = contenders.render(workdir, framework, "ml-serving")
        model = contenders.train(project)
        url = databases[f"{framework}_ml"]
        contenders.prepare_database(venv, project, url, seed=False)
        env = contenders.project_env(
            project, url, MODEL_PATH=str(model), UPSTREAM_URLS=",".join(upstream_urls)
        )
        projects[framework] = (project, bake.dockerfile_cmd(project), env)
    fastapi, fastapi_argv, fastapi_env = projects["fastapi"]
    flask, flask_argv, flask_env = projects["flask"]
    ml = ("ml-serving",)
    return [
        Contender("fastapi", fastapi_argv, fastapi, fastapi_env, targets=ml),
        Contender("flask-gevent", flask_argv, flask, flask_env, targets=ml),
        # Not a configuration the template offers: it shows the same fan-out without gevent.
        Contender("flask-gthread", [*flask_argv, *GTHREAD], flask, flask_env, targets=ml),
    ]


def measure(
    all_contenders: list[Contender],
    workloads: list[Workload],
    rounds: int,
    seconds: float,
    warmup: float,
    logs: Path,
) -> dict[str, dict[str, list[wrk.Sample]]]:
    """Interleaved rounds (A B C D, A B C D, ...); each turn starts the server and warms it up."""
    samples: dict[str, dict[str, list[wrk.Sample]]] = {w.name: {} for w in workloads}
    run_id = uuid.uuid4().hex[:8]
    for round_no in range(rounds):
        for contender in all_contenders:
            # One server at a time: no idle process competes for the two cores or for connections.
            with contenders.serve(contender, logs) as base:
                for workload in workloads:
                    if not contender.answers(workload.name, workload.target):
                        continue
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


def check_parity(all_contenders: list[Contender], logs: Path) -> dict[str, list[str]]:
    """The granian contender must answer as the uvicorn one does (the requests compared)."""
    by_name = {c.name: c for c in all_contenders if "crud" in c.targets}
    if "fastapi-granian" not in by_name:
        return {}
    checked = parity.check(by_name["fastapi"], by_name["fastapi-granian"], logs)
    print(f"fastapi-granian answers as fastapi (uvicorn) does: {', '.join(checked)}", flush=True)
    return {"fastapi-granian": checked}


def _script_args(workload: Workload, tag: str) -> tuple[str, ...]:
    if workload.script == "read.lua":
        return (str(contenders.SEED_ROWS),)
    if workload.script == "create.lua":
        return (tag,)
    return ()


def summarise(
    samples: dict[str, dict[str, list[wrk.Sample]]], workloads: list[Workload]
) -> list[dict[str, object]]:
    """Medians per contender and workload, with ratios to the floor and to generated FastAPI;
    p99_vs_floor divides the median p99 by the floor's at the same load."""
    out: list[dict[str, object]] = []
    for workload in workloads:
        by_name = samples[workload.name]
        medians = {name: statistics.median(s.rps for s in runs) for name, runs in by_name.items()}
        p99s = {name: statistics.median(s.p99_ms for s in runs) for name, runs in by_name.items()}
        rows = []
        for name, runs in by_name.items():
            rows.append(
                {
                    "contender": name,
                    "rps": round(medians[name], 1),
                    "p50_ms": round(statistics.median(s.p50_ms for s in runs), 2),
                    "p99_ms": round(p99s[name], 2),
                    "vs_floor": round(medians[name] / medians["floor"], 3)
                    if medians.get("floor")
                    else None,
                    "p99_vs_floor": round(p99s[name] / p99s["floor"], 3)
                    if p99s.get("floor")
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
                "target": workload.target,
                "note": workload.note,
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
    parser.add_argument(
        "--workload",
        action="append",
        choices=[w.name for w in WORKLOADS],
        help="measure only this workload (repeatable; default: all)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scaffold-bench"))  # noqa: S108
    opts = parser.parse_args()
    rounds = opts.rounds or (1 if opts.short else 3)
    seconds = opts.seconds or (1.0 if opts.short else 5.0)
    warmup = 1.0 if opts.short else 2.0
    opts.workdir.mkdir(parents=True, exist_ok=True)
    opts.out.mkdir(parents=True, exist_ok=True)

    workloads = [w for w in WORKLOADS if not opts.workload or w.name in opts.workload]
    logs = opts.workdir / "logs"

    started = time.time()
    venv = contenders.harness_venv(opts.workdir)
    ports = [bake.free_port() for _ in range(UPSTREAMS)]
    upstream_urls = [f"http://127.0.0.1:{port}" for port in ports]
    targets = {w.target for w in workloads}
    with ExitStack() as stack:
        # Started first, so no other process takes the ports meanwhile; idle, they cost nothing.
        stack.enter_context(contenders.serve_upstreams(venv, ports, UPSTREAM_DELAY_SECONDS, logs))
        databases = {
            name: stack.enter_context(bake.fresh_database(f"bench_{name}"))
            for name in ("floor", *(db for t in sorted(targets) for db in DATABASES[t]))
        }
        built = build(opts.workdir, venv, databases, targets, upstream_urls)
        # Only the servers that answer a chosen workload are started.
        all_contenders = [c for c in built if any(c.answers(w.name, w.target) for w in workloads)]
        parity_checked = check_parity(all_contenders, logs)
        samples = measure(all_contenders, workloads, rounds, seconds, warmup, logs)
    results = {
        "title": f"One process each, {rounds} interleaved rounds of {seconds:g} s (median)",
        "short": opts.short,
        "rounds": rounds,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "seed_rows": contenders.SEED_ROWS,
        "upstream_delay_ms": round(UPSTREAM_DELAY_SECONDS * 1000),
        "machine": report.machine(venv, sorted({c.cwd for c in all_contenders[1:]})),
        "workloads": summarise(samples, workloads),
        "parity": parity_checked,
        "duration_seconds": round(time.time() - started, 1),
    }
    report.write(results, opts.out, venv)
    print(f"wrote {opts.out}/results.md, results.json, results.png")


if __name__ == "__main__":
    main()
