"""Bake generated projects and drive their own tooling: shared by the smoke matrix and examples."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ABSPATH = Path(__file__).resolve().parent.parent
EXAMPLES_ABSPATH = REPO_ABSPATH / "examples"
ARTIFACTS_ABSPATH = Path(os.environ.get("SCAFFOLD_ARTIFACTS", REPO_ABSPATH / ".artifacts"))
# The server the matrix creates its per-variant databases on.
PG_ADMIN_URL = os.environ.get("SCAFFOLD_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
QUESTION_NAMES = tuple(
    key
    for key in yaml.safe_load((REPO_ABSPATH / "copier.yml").read_text())
    if not key.startswith("_")
)
LEFTOVER_JINJA = re.compile(
    r"\{[{%]-?\s*(?:if |for |not )?(?:" + "|".join(QUESTION_NAMES) + r"|_copier)\b"
)


@dataclass(frozen=True)
class Variant:
    """One point of the matrix: what `scaffold new` is asked to render."""

    framework: str
    target: str
    database: str

    @property
    def id(self) -> str:
        return f"framework:{self.framework}-target:{self.target}-database:{self.database}"

    @property
    def example_name(self) -> str:
        return f"{self.framework}-{self.target}"

    def flags(self) -> list[str]:
        return ["--framework", self.framework, "--target", self.target, "--database", self.database]


def run(
    argv: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a command, returning its output; on failure raise with the output attached."""
    proc = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, argv))} exited {proc.returncode} in {cwd}\n"
            f"--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}"
        )
    return proc


def scaffold_argv() -> list[str]:
    """The installed CLI, run with this interpreter so the checkout's code is what is tested."""
    return [sys.executable, "-m", "scaffold"]


def uv_executable() -> str:
    """uv from this venv (a dev dependency), else from PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    assert found, "uv is not installed: pip install -e '.[dev]'"
    return found


def render(
    variant: Variant, output_abspath: Path, name: str, *extra: str, lock: bool = False
) -> Path:
    """Render one variant through the real CLI; return the project's path.

    Unlocked unless asked: a lock records today's package index, which examples must not.
    """
    run(
        [
            *scaffold_argv(),
            "new",
            name,
            *variant.flags(),
            "--yes",
            "--no-git",
            "--lock" if lock else "--no-lock",
            "--output-dir",
            output_abspath,
            *extra,
        ],
        cwd=output_abspath,
        # No git identity: the author defaults come from copier.yml, the same on every machine.
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
        timeout=600,
    )
    project = output_abspath / name
    assert (project / ".copier-answers.yml").is_file(), f"no answers file in {project}"
    return project


def leftover_jinja(project: Path) -> list[str]:
    """Every rendered text file that still holds template syntax for one of our questions."""
    found = []
    for path in sorted(project.rglob("*")):
        if ".venv" in path.parts or not path.is_file():
            continue
        if path.suffix == ".jinja":
            found.append(f"{path}: unrendered .jinja file")
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        found += [f"{path}: {m.group(0)}" for m in LEFTOVER_JINJA.finditer(text)]
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a generated project's commands: ours minus our venv."""
    # No PLAYWRIGHT_CHROMIUM_EXECUTABLE either: generated browser tests find Debian's chromium
    # by themselves, as they must on a user's machine.
    dropped = {"VIRTUAL_ENV", "PYTHONPATH", "PLAYWRIGHT_CHROMIUM_EXECUTABLE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(extra)
    return env


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """Create an empty PostgreSQL database for one variant and drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    run(["psql", PG_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qc", f'CREATE DATABASE "{name}"'])
    try:
        yield f"{base}/{name}"
    finally:
        run(
            ["psql", PG_ADMIN_URL, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
            check=False,
        )


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dockerfile_cmd(project: Path) -> list[str]:
    """The production command: the Dockerfile's last CMD, which must be JSON form."""
    cmds = [ln for ln in (project / "Dockerfile").read_text().splitlines() if ln.startswith("CMD ")]
    assert cmds, "Dockerfile has no CMD"
    argv = json.loads(cmds[-1][4:])
    assert isinstance(argv, list) and argv, f"CMD is not JSON exec form: {cmds[-1]}"
    return [str(a) for a in argv]


def compose_services(project: Path) -> dict[str, dict[str, object]]:
    """compose.yaml's services."""
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    assert isinstance(services, dict)
    return services


def as_argv(command: object) -> list[str]:
    """A compose command (string or list) as argv."""
    if isinstance(command, str):
        return command.split()
    assert isinstance(command, list), f"unexpected compose command {command!r}"
    return [str(a) for a in command]


def http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """GET a URL, returning status and body, without raising on 4xx/5xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@contextmanager
def serve(
    argv: Sequence[str],
    project: Path,
    env: Mapping[str, str],
    *,
    port: int | None = None,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Start the production command on a free loopback port; yield its base URL once healthy.

    `port` names the port instead (for a command that binds one it was given); `log_path` is
    where the output goes (default: the artifacts' servers/ folder).
    """
    port = port or free_port()
    env = dict(
        env, HOST="127.0.0.1", PORT=str(port), UVICORN_HOST="127.0.0.1", UVICORN_PORT=str(port)
    )
    log_path = log_path or ARTIFACTS_ABSPATH / "servers" / f"{project.name}-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        proc = subprocess.Popen(argv, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, (
                    f"server exited {proc.returncode}: {log_path.read_text()}"
                )
                try:
                    if http_get(f"{base}/health", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"no /health in 60 s: {log_path.read_text()}"
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def tree_digest(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes for every file of a rendered project (answers file normalised)."""
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not {".venv", "__pycache__"} & set(path.parts):
            rel = path.relative_to(root).as_posix()
            data = path.read_bytes()
            if rel == ".copier-answers.yml":
                data = normalise_answers(data)
            files[rel] = data
    return files


def normalise_answers(data: bytes) -> bytes:
    """Drop the answers that depend on where and from which commit the template was read."""
    return (
        b"\n".join(
            ln for ln in data.splitlines() if not ln.startswith((b"_commit:", b"_src_path:"))
        )
        + b"\n"
    )


# Targets arrive one by one; a target is in the matrix once its templates exist.
TARGETS = ("crud", "ml-serving", "full-stack")
DATABASES = {
    "crud": ("postgresql", "sqlite"),
    "ml-serving": ("postgresql", "none"),
    "full-stack": ("postgresql", "sqlite"),
}
MATRIX = tuple(
    Variant(framework, target, database)
    for target in TARGETS
    for framework in ("fastapi", "flask")
    for database in DATABASES[target]
)
# What `examples/` holds: one PostgreSQL render per framework and target.
EXAMPLES = tuple(v for v in MATRIX if v.database == "postgresql")
# Combinations copier.yml must refuse.
UNSUPPORTED = (
    Variant("fastapi", "crud", "none"),
    Variant("flask", "full-stack", "none"),
    Variant("fastapi", "ml-serving", "sqlite"),
    Variant("flask", "ml-serving", "sqlite"),
)
