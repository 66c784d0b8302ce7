"""scaffold's own CI: the GitHub workflow runs the whole matrix, and `.ci/run` is the README's."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from bake import MATRIX, REPO_ABSPATH, run

WORKFLOW = REPO_ABSPATH / ".github" / "workflows" / "ci.yml"


def test_workflow_passes_actionlint() -> None:
    actionlint = Path(sys.executable).parent / "actionlint"
    proc = run([actionlint, "-no-color", WORKFLOW], cwd=REPO_ABSPATH, check=False)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")


def test_workflow_runs_one_job_per_smoke_variant_and_the_fast_tests() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert set(jobs["smoke"]["strategy"]["matrix"]["variant"]) == {v.id for v in MATRIX}
    smoke_steps = " ".join(str(step.get("run", "")) for step in jobs["smoke"]["steps"])
    assert "tests/test_smoke.py::test_variant[${{ matrix.variant }}]" in smoke_steps
    fast_steps = " ".join(str(step.get("run", "")) for step in jobs["fast"]["steps"])
    for needle in ("ruff check", "ruff format --check", "mypy", '-m "not smoke"'):
        assert needle in fast_steps, needle
    rest_steps = " ".join(str(step.get("run", "")) for step in jobs["smoke-rest"]["steps"])
    assert '-m smoke -k "not test_variant"' in rest_steps
    # Full history: versions and release tags come from the record in CHANGELOG.md's history.
    for job in jobs.values():
        checkout = next(
            s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/checkout")
        )
        assert checkout["with"]["fetch-depth"] == 0


def test_ci_runs_the_readmes_test_command() -> None:
    readme = (REPO_ABSPATH / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)\n```", readme, re.DOTALL)
    assert block is not None
    commands = block.group(1).splitlines()
    assert len(commands) == 2, commands
    ci = (REPO_ABSPATH / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()
