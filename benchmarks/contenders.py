"""The services under test: render, install, migrate and seed them, then start one at a time."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("SCAFFOLD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BASE = PG_ADMIN_URL.rsplit("/", 1)[0]
SEED_ROWS = 10_000


@dataclass
class Contender:
    """One server process to measure: its command, where it runs and its environment."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    # The rendered targets whose workloads this server answers (the floor answers all of them).
    targets: tuple[str, ...] = ("crud",)

    @property
    def label(self) -> str:
        """The name plus its targets: the same name can run as a crud and an ml-serving service."""
        return f"{self.name}-{'+'.join(self.targets)}"


def run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; fail with its output."""
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise RuntimeError(
            f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc.stdout


def uv() -> str:
    """The uv executable next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        raise RuntimeError("uv not found")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """Our environment minus our own venv, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env.update(extra)
    return env


def harness_venv(workdir: Path) -> Path:
    """The harness's own venv (asyncpg, httpx, starlette, uvicorn, matplotlib), created with uv."""
    venv = workdir / "harness-venv"
    if not (venv / "bin" / "python").exists():
        run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)])
    run(
        [
            uv(),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            "-r",
            str(REPO / "benchmarks" / "requirements.txt"),
        ],
        env=clean_env(),
    )
    return venv


def chore(venv: Path, *args: str) -> str:
    """Run benchmarks/seed.py in the harness venv."""
    return run([str(venv / "bin" / "python"), str(REPO / "benchmarks" / "seed.py"), *args])


def render(workdir: Path, framework: str, target: str = "crud") -> Path:
    """Render a variant with the CLI, exactly as a user would, and install it with uv."""
    name = f"bench-{framework}-{target}"
    project = workdir / name
    shutil.rmtree(project, ignore_errors=True)
    run(
        [
            sys.executable,
            "-m",
            "scaffold",
            "new",
            name,
            "--framework",
            framework,
            "--target",
            target,
            "--database",
            "postgresql",
            "--yes",
            "--no-git",
            "--output-dir",
            str(workdir),
        ],
        cwd=REPO,
    )
    env = clean_env(UV_PROJECT_ENVIRONMENT=str(project / ".venv"))
    run([uv(), "sync", "--quiet", "--no-dev"], cwd=project, env=env)
    return project


def production_argv(project: Path) -> list[str]:
    """The Dockerfile's last CMD (the production command)."""
    cmds = [ln for ln in (project / "Dockerfile").read_text().splitlines() if ln.startswith("CMD ")]
    return [str(a) for a in json.loads(cmds[-1][4:])]


def migrate_argv(project: Path) -> list[str]:
    """compose.yaml's one-off migrate command."""
    command = yaml.safe_load((project / "compose.yaml").read_text())["services"]["migrate"][
        "command"
    ]
    return command.split() if isinstance(command, str) else [str(a) for a in command]


def prepare_database(venv: Path, project: Path, database: str, *, seed: bool = True) -> str:
    """A fresh database with the project's migrations applied and, if `seed`, SEED_ROWS items."""
    chore(venv, "recreate", PG_ADMIN_URL, database)
    url = f"{PG_BASE}/{database}"
    env = project_env(project, url)
    argv = migrate_argv(project)
    run([str(project / ".venv" / "bin" / argv[0]), *argv[1:]], cwd=project, env=env)
    if seed:
        chore(venv, "seed", url, str(SEED_ROWS))
    return url


def train(project: Path) -> Path:
    """Fit the ml-serving project's model with its own `train` command, as its Dockerfile does."""
    model = project / "models" / "model.joblib"
    run([str(project / ".venv" / "bin" / "train"), "--output", str(model)], cwd=project)
    return model


def project_env(project: Path, database_url: str, **extra: str) -> dict[str, str]:
    """Production settings for a generated service, with diagnostics on and no rate limit."""
    return clean_env(
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


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_upstreams(venv: Path, ports: list[int], delay: float, logs: Path) -> Iterator[None]:
    """benchmarks/upstreams.py on `ports` (one process, run in the harness venv) until exit."""
    argv = [str(venv / "bin" / "python"), str(REPO / "benchmarks" / "upstreams.py")]
    argv += ["--delay", str(delay), *map(str, ports)]
    with _running("upstreams", argv, REPO, clean_env(), logs, f"http://127.0.0.1:{ports[0]}"):
        yield


@contextmanager
def serve(contender: Contender, logs: Path) -> Iterator[str]:
    """Start the contender on a free loopback port; yield its base URL once /health answers."""
    port = free_port()
    env = dict(
        contender.env,
        HOST="127.0.0.1",
        PORT=str(port),
        UVICORN_HOST="127.0.0.1",
        UVICORN_PORT=str(port),
    )
    argv = list(contender.argv)
    if Path(argv[0]).name == "uvicorn" and "--host" not in argv:
        argv += ["--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with _running(contender.label, argv, contender.cwd, env, logs, base):
        yield base


@contextmanager
def _running(
    name: str, argv: list[str], cwd: Path, env: dict[str, str], logs: Path, base: str
) -> Iterator[None]:
    """Run `argv` (output to logs/<name>.log) while the block runs, once `base`/health answers."""
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{name}.log"
    with log_path.open("a") as log:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited: {log_path.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=2) as resp:  # noqa: S310
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name}: no /health in 60 s")
                time.sleep(0.2)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
