"""`scaffold add` / `remove` on real generated projects: the project's own tests pass after each
switch, the owner's edits stay, and a dirty tree is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from bake import clean_env, fresh_database, run, scaffold_argv, uv_executable

pytestmark = pytest.mark.smoke
USER_LINE = "Notes the project's owner added."


def git(cwd: Path, *args: str) -> str:
    """git in cwd with a fixed identity."""
    return run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd).stdout


def scaffold(cwd: Path, *args: str, check: bool = True) -> str:
    """The scaffold CLI; stdout and stderr together."""
    proc = run([*scaffold_argv(), *args], cwd=cwd, check=check, timeout=600)
    return proc.stdout + proc.stderr


def own_tests_pass(project: Path, database_url: str) -> None:
    """`uv sync --locked` (the switch re-locked) and the project's own suite, all passed."""
    env = clean_env(DATABASE_URL=database_url, UV_PROJECT_ENVIRONMENT=str(project / ".venv"))
    run([uv_executable(), "sync", "--locked", "--quiet"], cwd=project, env=env, timeout=600)
    tests = run(
        [project / ".venv" / "bin" / "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        timeout=900,
    )
    summary = tests.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and not re.search(r"failed|error|skipped", summary)


def answers(project: Path) -> dict[str, object]:
    data = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(data, dict)
    return data


def generate(tmp_path: Path, *flags: str) -> Path:
    """A committed project with the owner's README edit."""
    scaffold(tmp_path, "new", "svc", *flags, "--yes")
    project = tmp_path / "svc"
    with (project / "README.md").open("a") as handle:
        handle.write(f"\n{USER_LINE}\n")
    git(project, "commit", "--quiet", "-am", "owner's notes")
    return project


def test_rate_limit_then_redis_then_remove_redis(tmp_path: Path) -> None:
    project = generate(tmp_path, "--framework", "fastapi", "--target", "crud", "--no-rate-limit")
    listed = scaffold(project, "add", "--list")
    assert "rate-limit" in listed and "redis" not in listed  # redis needs rate limiting first
    (project / "README.md").write_text("dirty\n")
    refused = run([*scaffold_argv(), "add", "rate-limit", "--yes"], cwd=project, check=False)
    assert refused.returncode == 2 and "uncommitted changes" in refused.stderr
    git(project, "checkout", "--", "README.md")

    out = scaffold(project, "add", "rate-limit", "--yes")
    assert "Answers: rate_limit: false -> true" in out and "Preview" in out
    assert "new settings in .env.example: RATE_LIMIT" in out
    assert answers(project)["rate_limit"] is True
    assert (project / "svc" / "ratelimit.py").is_file()
    assert USER_LINE in (project / "README.md").read_text()
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "add rate limiting")

    out = scaffold(project, "add", "redis", "--yes")
    assert "new compose service(s): redis" in out and "REDIS_URL" in out
    assert answers(project)["redis"] is True
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "add redis")
    with fresh_database("add_fastapi") as url:
        own_tests_pass(project, url)

    out = scaffold(project, "remove", "redis", "--yes")
    assert answers(project)["redis"] is False
    assert "redis" not in yaml.safe_load((project / "compose.yaml").read_text())["services"]
    assert USER_LINE in (project / "README.md").read_text()
    refused = run([*scaffold_argv(), "remove", "redis", "--yes"], cwd=project, check=False)
    assert refused.returncode == 2


def test_admin_on_a_flask_full_stack_project(tmp_path: Path) -> None:
    project = generate(tmp_path, "--framework", "flask", "--target", "full-stack", "--no-admin")
    out = scaffold(project, "add", "admin", "--yes")
    assert "Answers: admin: false -> true" in out
    assert (project / "svc" / "web" / "admin.py").is_file()
    assert USER_LINE in (project / "README.md").read_text()
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "add admin")
    with fresh_database("add_flask") as url:
        own_tests_pass(project, url)


def test_a_feature_that_does_not_apply_is_refused(tmp_path: Path) -> None:
    project = generate(tmp_path, "--framework", "fastapi", "--target", "crud", "--no-lock")
    proc = run([*scaffold_argv(), "add", "admin", "--yes"], cwd=project, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "scaffold: error: admin does not apply to this project: it needs"
        " target == 'full-stack' and framework == 'flask'"
    )
    assert git(project, "status", "--porcelain") == ""
