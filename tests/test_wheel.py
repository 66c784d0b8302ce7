"""A wheel install with no checkout: `scaffold new`, upgrade the wheel, then `scaffold update`.

Two releases are cut with the real release command from a temporary copy of this repository
(the second bumps the version and changes a template), so /work/main itself is never tagged.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml
from bake import REPO_ABSPATH, clean_env, run, uv_executable

ARGS = ["--framework", "fastapi", "--target", "crud", "--database", "sqlite", "--yes"]
TEMPLATE_LINE = "Release 0.2.0 of the template added this line."
USER_LINE = "Notes the project's owner added."


def git(cwd: Path, *args: str) -> str:
    """git in cwd with a fixed identity."""
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return run(["git", *identity, *args], cwd=cwd).stdout


def copy_checkout(dst: Path) -> None:
    """The working tree (tracked and new files, minus ignored ones) as a fresh one-commit repo."""
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ABSPATH).stdout
    for relpath in filter(None, listed.split("\0")):
        source = REPO_ABSPATH / relpath
        if source.is_file():
            (dst / relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dst / relpath)
    git(dst, "init", "--quiet")
    git(dst, "add", "--all")
    git(dst, "commit", "--quiet", "-m", "release 0.1.0")


def cut_release(repo: Path, out: Path) -> Path:
    """The release command (tag, bundle, wheel); returns the wheel."""
    env = clean_env(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com")
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    proc = run(
        [sys.executable, "-m", "scaffold.release", "--root", repo, "--out-dir", out],
        cwd=repo,
        env=env,
        timeout=300,
    )
    wheels = sorted(out.glob("scaffold-*.whl"))
    assert len(wheels) == 1, proc.stdout
    return wheels[0]


def bump_release(repo: Path) -> None:
    """0.2.0: new version, changelog section, a changed template file."""
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.2.0"', 1))
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + "\n## v0.2.0\n- README line.\n")
    readme = repo / "templates" / "fastapi" / "README.md.jinja"
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text("".join([lines[0], f"\n{TEMPLATE_LINE}\n", *lines[1:]]))
    git(repo, "commit", "--quiet", "-am", "release 0.2.0")


def test_wheel_new_then_upgraded_wheel_updates(tmp_path: Path) -> None:
    repo, work, venv = tmp_path / "repo", tmp_path / "work", tmp_path / "venv"
    repo.mkdir()
    work.mkdir()
    copy_checkout(repo)
    wheel_one = cut_release(repo, tmp_path / "dist1")
    assert git(repo, "tag", "--list") == "v0.1.0\n"
    bump_release(repo)
    wheel_two = cut_release(repo, tmp_path / "dist2")

    # A home (so a user cache) of our own, and a cwd with no checkout anywhere above it.
    uv = uv_executable()
    uv_cache = run([uv, "cache", "dir"]).stdout.strip()
    env = clean_env(HOME=str(tmp_path / "home"), UV_CACHE_DIR=uv_cache)
    env.pop("XDG_CACHE_HOME", None)
    env |= {"GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig")}
    (tmp_path / "gitconfig").write_text("[user]\n\tname = t\n\temail = t@example.com\n")
    run([uv, "venv", "--quiet", "--python", sys.executable, venv], env=env)
    python = venv / "bin" / "python"
    run([uv, "pip", "install", "--quiet", "--python", python, wheel_one], env=env, timeout=300)
    scaffold = [str(venv / "bin" / "scaffold")]
    assert run([*scaffold, "--version"], cwd=work, env=env).stdout.strip() == "scaffold 0.1.0"
    for name in ("svc", "plain"):
        run([*scaffold, "new", name, *ARGS], cwd=work, env=env, timeout=120)
    project = work / "svc"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    # The default user cache, recorded relative to home so it holds for every user.
    assert answers["_src_path"] == "~/.cache/scaffold/template.bundle"
    assert (tmp_path / "home" / ".cache" / "scaffold" / "template.bundle").is_file()
    assert answers["_commit"] == "v0.1.0"
    with (project / "README.md").open("a") as handle:
        handle.write(f"\n{USER_LINE}\n")
    git(project, "commit", "--quiet", "-am", "user edit")

    run([uv, "pip", "install", "--quiet", "--python", python, wheel_two], env=env, timeout=300)
    check = run([*scaffold, "update", "--check", project], cwd=work, env=env, check=False)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "v0.1.0 -> v0.2.0" in check.stdout
    update = run([*scaffold, "update", project], cwd=work, env=env, timeout=120)
    assert "template v0.1.0 -> v0.2.0" in update.stdout
    readme = (project / "README.md").read_text()
    assert TEMPLATE_LINE in readme and USER_LINE in readme and "<<<<<<<" not in readme
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v0.2.0"

    # Plain copier (the one the wheel installed) updates the other project from the same cache.
    plain = work / "plain"
    # --trust: the v0.2.0 `_migrations` entry runs a command, which copier asks consent for.
    copier_update = [str(venv / "bin" / "copier"), "update", "--defaults", "--trust"]
    run(copier_update, cwd=plain, env=env, timeout=120)
    assert TEMPLATE_LINE in (plain / "README.md").read_text()
    assert "_commit: v0.2.0" in (plain / ".copier-answers.yml").read_text()
