"""The "Next:" block `scaffold new` prints works verbatim in a new shell on a bare PATH.

The install's entry point is called by its path, as the README's first command does; the block
then runs with nothing on PATH but the system's usual folders: no uv, no venv, no Playwright
browser, no DATABASE_URL. A full-stack project is the hardest case (Chromium for its browser
tests). Afterwards `git status` is clean, so `scaffold update` works without surprises.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from bake import run

pytestmark = pytest.mark.smoke
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What a fresh shell would not have: our venv, and settings that would hide a missing piece.
NOT_IN_A_NEW_SHELL = {
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PLAYWRIGHT_CHROMIUM_EXECUTABLE",
    "PLAYWRIGHT_BROWSERS_PATH",
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "UV_PROJECT_ENVIRONMENT",
}


def new_shell_env() -> dict[str, str]:
    """This machine's environment as a new login shell gets it, with a bare PATH."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_IN_A_NEW_SHELL}
    env["PATH"] = SYSTEM_PATH
    return env


def next_block(output: str) -> list[str]:
    """The commands under "Next:", as printed."""
    _, _, after = output.partition("\nNext:\n")
    commands = []
    for line in after.splitlines():
        if not line.startswith("  ") or line.strip().startswith("("):
            break
        commands.append(line.strip())
    return commands


def test_next_block_runs_verbatim_on_a_bare_path(tmp_path: Path) -> None:
    entry_point = Path(sys.executable).parent / "scaffold"
    env = new_shell_env()
    created = run(
        [
            entry_point,
            "new",
            "nextsteps",
            "--target",
            "full-stack",
            "--framework",
            "fastapi",
            "--yes",
        ],
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    commands = next_block(created.stdout)
    assert commands, created.stdout
    assert commands[0] == f"cd {tmp_path / 'nextsteps'}"
    assert not any(re.match(r"(uv|pytest|python) ", command) for command in commands), commands
    shell = run(
        ["bash", "-c", "set -e\n" + "\n".join(commands)],
        cwd=Path.home(),
        env=env,
        timeout=900,
        check=False,
    )
    assert shell.returncode == 0, f"{commands}\n{shell.stdout[-4000:]}\n{shell.stderr[-3000:]}"
    summary = shell.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and not re.search(r"failed|error|skipped", summary)
    # The browser tests ran in a system Chromium they found themselves: their screenshots exist.
    shots = list((tmp_path / "nextsteps" / ".artifacts" / "screenshots").glob("*.png"))
    assert shots, "the browser tests wrote no screenshots"
    status = run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=tmp_path / "nextsteps",
        env=env,
    )
    assert status.stdout == "", status.stdout
