"""The services under test: render, install, migrate and seed them, then start one at a time."""

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The smoke matrix's helpers (tests/bake.py): tests/ is no package, so it goes on sys.path.
sys.path.insert(0, str(REPO / "tests"))
import bake as bake  # noqa: E402 - re-exported for the other harness modules

SEED_ROWS = 10_000
# Installed into the generated FastAPI project's venv for the run only; the template ships uvicorn.
GRANIAN = "granian>=2.8,<3"


@dataclass
class Contender:
    """One server process to measure: its command, where it runs and its environment."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    # The rendered targets whose workloads this server answers (the floor answers all of them).
    targets: tuple[str, ...] = ("crud",)
    # The workloads it is measured on, if not every workload of its targets.
    workloads: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        """The name plus its targets: the same name can run as a crud and an ml-serving service."""
        return f"{self.name}-{'+'.join(self.targets)}"

    def answers(self, workload: str, target: str) -> bool:
        """Whether this server is measured on `workload`, a workload of `target`."""
        return target in self.targets and (self.workloads is None or workload in self.workloads)


def chore(venv: Path, *args: str) -> str:
    """Run benchmarks/seed.py in the harness venv."""
    return bake.run([venv / "bin" / "python", REPO / "benchmarks" / "seed.py", *args]).stdout


def harness_venv(workdir: Path) -> Path:
    """The harness's own venv (asyncpg, httpx, starlette, uvicorn, matplotlib), created with uv."""
    venv = workdir / "harness-venv"
    uv = bake.uv_executable()
    if not (venv / "bin" / "python").exists():
        bake.run([uv, "venv", "--quiet", "--python", sys.executable, venv])
    requirements = REPO / "benchmarks" / "requirements.txt"
    python = venv / "bin" / "python"
    install: list[str | Path] = [uv, "pip", "install", "--quiet", "--python", python]
    bake.run([*install, "-r", requirements], env=bake.clean_env())
    return venv


def render(workdir: Path, framework: str, target: str = "crud") -> Path:
    """Render a variant with the CLI, exactly as a user would, and install it with uv."""
    name = f"bench-{framework}-{target}"
    shutil.rmtree(workdir / name, ignore_errors=True)
    project = bake.render(bake.Variant(framework, target, "postgresql"), workdir, name)
    sync_env = bake.clean_env(UV_PROJECT_ENVIRONMENT=str(project / ".venv"))
    bake.run([bake.uv_executable(), "sync", "--quiet", "--no-dev"], cwd=project, env=sync_env)
    return project


def prepare_database(venv: Path, project: Path, url: str, *, seed: bool = True) -> None:
    """Apply the project's migrations (compose's one-off migrate command) and seed SEED_ROWS."""
    argv = bake.as_argv(bake.compose_services(project)["migrate"]["command"])
    migrate: list[str | Path] = [project / ".venv" / "bin" / argv[0], *argv[1:]]
    bake.run(migrate, cwd=project, env=project_env(project, url))
    if seed:
        chore(venv, "seed", url, str(SEED_ROWS))


def train(project: Path) -> Path:
    """Fit the ml-serving project's model with its own `train` command, as its Dockerfile does."""
    model = project / "models" / "model.joblib"
    bake.run([project / ".venv" / "bin" / "train", "--output", model], cwd=project)
    return model


def project_env(project: Path, database_url: str, **extra: str) -> dict[str, str]:
    """Production settings for a generated service, with diagnostics on and no rate limit."""
    return bake.clean_env(
        PATH=f"{project / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        DATABASE_URL=database_url,
        ENVIRONMENT="production",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRET_KEY="benchmark-secret-key-not-for-production-use-0123456789",  # noqa: S106
        WEB_CONCURRENCY="1",
        ENABLE_DIAGNOSTICS="true",
        # A limiter would answer 429 to a load generator; we measure the service, not the limit.
        RATE_LIMIT="",
        **extra,
    )


def install_granian(project: Path) -> None:
    """Add granian to a rendered project's venv (for this run: the template ships uvicorn)."""
    python = project / ".venv" / "bin" / "python"
    install: list[str | Path] = [bake.uv_executable(), "pip", "install", "--quiet", "--python"]
    bake.run([*install, python, GRANIAN], env=bake.clean_env())


def granian_argv(project: Path) -> list[str]:
    """The FastAPI project's app under granian, as close to its uvicorn CMD as granian allows.

    One worker, uvloop (granian has no httptools: its HTTP/1 parser is Rust's), HTTP/1 only
    as uvicorn, no access log.
    """
    app = next(arg for arg in bake.dockerfile_cmd(project) if arg.endswith(":app"))
    return [
        str(project / ".venv" / "bin" / "granian"),
        *("--interface", "asgi", app),
        *("--workers", "1", "--loop", "uvloop", "--http", "1", "--no-access-log"),
    ]


@contextmanager
def serve_upstreams(venv: Path, ports: list[int], delay: float, logs: Path) -> Iterator[None]:
    """benchmarks/upstreams.py on `ports` (one process, run in the harness venv) until exit."""
    argv = [str(venv / "bin" / "python"), str(REPO / "benchmarks" / "upstreams.py")]
    argv += ["--delay", str(delay), *map(str, ports)]
    with bake.serve(argv, REPO, bake.clean_env(), port=ports[0], log_path=logs / "upstreams.log"):
        yield


@contextmanager
def serve(contender: Contender, logs: Path) -> Iterator[str]:
    """Start the contender on a free loopback port; yield its base URL once /health answers."""
    port = bake.free_port()
    # bake.serve sets HOST, PORT and uvicorn's variables; granian reads its own.
    server_env = dict(contender.env, GRANIAN_HOST="127.0.0.1", GRANIAN_PORT=str(port))
    log_path = logs / f"{contender.label}-{port}.log"
    with bake.serve(contender.argv, contender.cwd, server_env, port=port, log_path=log_path) as url:
        yield url
