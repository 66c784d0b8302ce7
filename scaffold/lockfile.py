"""Post-render step: `uv lock`, so the project's first commit pins every dependency."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Long enough for a cold resolution; an unreachable registry must not hang `scaffold new`.
LOCK_SECONDS = 300


@dataclass(frozen=True)
class LockResult:
    """Whether uv.lock was written, and if not, the one line that says why."""

    locked: bool
    problem: str = ""


def uv_executable() -> str:
    """`uv` on PATH when there is one, else the uv installed with scaffold (a dependency)."""
    on_path = shutil.which("uv")
    if on_path:
        return on_path
    from uv import find_uv_bin

    return str(find_uv_bin())


def run_uv_lock(project_abspath: Path) -> LockResult:
    """Resolve the project's dependencies into uv.lock; a failure is reported, not raised."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT"}}
    try:
        proc = subprocess.run(
            [uv_executable(), "lock", "--quiet", "--no-progress"],
            cwd=project_abspath,
            env=env,
            capture_output=True,
            text=True,
            timeout=LOCK_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return LockResult(False, f"uv lock did not finish: {err}")
    if proc.returncode != 0 or not (project_abspath / "uv.lock").is_file():
        last = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
        return LockResult(False, f"uv lock failed ({last[0].strip()})")
    return LockResult(True)


def refresh_lock(project_abspath: Path) -> LockResult | None:
    """After an update: re-lock when uv.lock no longer matches pyproject.toml (None: no lock)."""
    if not (project_abspath / "uv.lock").is_file():
        return None
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "UV_PROJECT"}}
    try:
        check = subprocess.run(
            [uv_executable(), "lock", "--check", "--quiet", "--no-progress"],
            cwd=project_abspath,
            env=env,
            capture_output=True,
            timeout=LOCK_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return LockResult(False, f"uv lock --check did not finish: {err}")
    if check.returncode == 0:
        return LockResult(True)
    return run_uv_lock(project_abspath)
