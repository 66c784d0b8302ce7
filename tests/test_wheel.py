"""Wheels of this repository's own releases, installed in turn into one venv, as a user would.

Each wheel is built from its release's commit (found in the release record, CHANGELOG.md) in a
fresh clone that has no tags at all: v0.1.0 with the build machinery of its day, v0.2.0 with the
record-based one. `scaffold new` runs from the old wheel; after the new wheel is installed,
`scaffold update` must move the project to v0.2.0 with every edit kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from bake import REPO_ABSPATH, clean_env, run, uv_executable

from scaffold.bundle import build_bundle
from scaffold.releases import read_releases

OLD, NEW = "0.1.0", "0.2.0"
ARGS = ["--framework", "fastapi", "--target", "crud", "--database", "sqlite", "--yes"]
USER_LINE = "Notes the project's owner added."


def git(cwd: Path, *args: str) -> str:
    """git in cwd with a fixed identity."""
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    return run(["git", *identity, *args], cwd=cwd).stdout


def build_release_wheel(version: str, tmp_path: Path) -> Path:
    """`uv build --wheel` at the release's commit, in a clone without tags; returns the wheel."""
    commit = {r.version: r.commit for r in read_releases(REPO_ABSPATH)}[version]
    src, out = tmp_path / f"src-{version}", tmp_path / f"dist-{version}"
    git(tmp_path, "clone", "--quiet", "--no-local", str(REPO_ABSPATH), str(src))
    for tag in git(src, "tag", "--list").split():
        git(src, "tag", "--delete", tag)
    git(src, "checkout", "--quiet", commit)
    run([uv_executable(), "build", "--wheel", "--out-dir", out, src], env=clean_env(), timeout=300)
    wheels = sorted(out.glob("scaffold-*.whl"))
    assert [w.name for w in wheels] == [f"scaffold-{version}-py3-none-any.whl"], wheels
    return wheels[0]


def test_release_wheels_new_then_update(tmp_path: Path) -> None:
    wheel_old = build_release_wheel(OLD, tmp_path)
    wheel_new = build_release_wheel(NEW, tmp_path)

    # A home (so a user cache) of our own, and a cwd with no checkout anywhere above it.
    uv = uv_executable()
    uv_cache = run([uv, "cache", "dir"]).stdout.strip()
    env = clean_env(HOME=str(tmp_path / "home"), UV_CACHE_DIR=uv_cache)
    for var in ("XDG_CACHE_HOME", "SCAFFOLD_CACHE_DIR"):
        env.pop(var, None)
    env["GIT_CONFIG_GLOBAL"] = str(tmp_path / "gitconfig")
    (tmp_path / "gitconfig").write_text("[user]\n\tname = t\n\temail = t@example.com\n")
    work, venv = tmp_path / "work", tmp_path / "venv"
    work.mkdir()
    run([uv, "venv", "--quiet", "--python", sys.executable, venv], env=env)
    python, scaffold = venv / "bin" / "python", [str(venv / "bin" / "scaffold")]
    run([uv, "pip", "install", "--quiet", "--python", python, wheel_old], env=env, timeout=300)
    assert run([*scaffold, "--version"], cwd=work, env=env).stdout.strip() == f"scaffold {OLD}"
    for name in ("svc", "plain"):
        run([*scaffold, "new", name, *ARGS], cwd=work, env=env, timeout=120)
    project = work / "svc"
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    # v0.1.0 recorded the user cache's bundle by absolute path (later releases write `~/...`).
    cached = tmp_path / "home" / ".cache" / "scaffold" / "template.bundle"
    assert Path(answers["_src_path"]).expanduser() == cached
    assert answers["_commit"] == f"v{OLD}"
    # The user edits the README and the file v0.2.0 renames, and locks the dependencies.
    for relpath in ("README.md", "migrations/README"):
        with (project / relpath).open("a") as handle:
            handle.write(f"\n{USER_LINE}\n")
    run([uv, "lock", "--quiet"], cwd=project, env=env, timeout=300)
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "user edits and uv.lock")

    run([uv, "pip", "install", "--quiet", "--python", python, wheel_new], env=env, timeout=300)
    assert run([*scaffold, "--version"], cwd=work, env=env).stdout.strip() == f"scaffold {NEW}"
    check = run([*scaffold, "update", "--check", project], cwd=work, env=env, check=False)
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"v{OLD} -> v{NEW}" in check.stdout
    update = run([*scaffold, "update", project], cwd=work, env=env, timeout=300)
    assert f"template v{OLD} -> v{NEW}" in update.stdout
    readme = (project / "README.md").read_text()
    assert USER_LINE in readme and "<<<<<<<" not in readme
    moved = (project / "migrations" / "README.md").read_text()
    assert moved.rstrip().endswith(USER_LINE) and "<<<<<<<" not in moved, moved
    assert not (project / "migrations" / "README").exists()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    recorded = (answers["_src_path"], answers["_commit"])
    assert recorded == ("~/.cache/scaffold/template.bundle", f"v{NEW}")
    check = run([*scaffold, "update", "--check", project], cwd=work, env=env)
    assert check.stdout.strip() == f"up to date with template version v{NEW}"

    # The updated project, its lock refreshed by the update, passes its own tests.
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", f"update to v{NEW}")
    test_env = clean_env(DATABASE_URL=f"sqlite:///{project / 'test.db'}", UV_CACHE_DIR=uv_cache)
    run([uv, "sync", "--locked", "--quiet"], cwd=project, env=test_env, timeout=300)
    tests = run(
        [project / ".venv" / "bin" / "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=test_env,
        timeout=300,
    )
    assert " passed" in tests.stdout and " failed" not in tests.stdout, tests.stdout[-2000:]

    # Plain copier (the one the wheel installed) updates the other project from the same store.
    plain = work / "plain"
    copier_update = [str(venv / "bin" / "copier"), "update", "--defaults", "--trust"]
    run(copier_update, cwd=plain, env=env, timeout=120)
    assert f"_commit: v{NEW}" in (plain / ".copier-answers.yml").read_text()


def test_bundles_are_identical_from_a_clone_a_mirror_and_a_ci_checkout(tmp_path: Path) -> None:
    """The wheel's bundle comes from the release record and history, never from local refs."""
    head = git(REPO_ABSPATH, "rev-parse", "HEAD").strip()
    clone, mirror, ci = tmp_path / "clone", tmp_path / "mirror.git", tmp_path / "ci"
    git(tmp_path, "clone", "--quiet", str(REPO_ABSPATH), str(clone))
    git(tmp_path, "clone", "--quiet", "--mirror", str(REPO_ABSPATH), str(mirror))
    # A CI checkout: a fresh pack, detached at the commit, an extra local tag that must not count.
    git(tmp_path, "clone", "--quiet", "--no-local", str(REPO_ABSPATH), str(ci))
    git(ci, "checkout", "--quiet", "--detach", head)
    git(ci, "tag", "v99.0.0")
    worktree = tmp_path / "mirror-worktree"
    git(mirror, "worktree", "add", "--quiet", "--detach", str(worktree), head)
    built = {}
    for name, repo in (("clone", clone), ("mirror", worktree), ("ci", ci)):
        out = tmp_path / f"{name}.bundle"
        version = build_bundle(repo, out)
        built[name] = (version, out.read_bytes())
    assert len({version for version, _ in built.values()}) == 1
    assert built["clone"][1] == built["mirror"][1] == built["ci"][1]
    heads = run(["git", "bundle", "list-heads", tmp_path / "ci.bundle"], cwd=tmp_path).stdout
    assert "v99.0.0" not in heads
    recorded = {f"refs/tags/v{r.version}" for r in read_releases(REPO_ABSPATH)}
    assert recorded <= {line.split()[1] for line in heads.splitlines()}
