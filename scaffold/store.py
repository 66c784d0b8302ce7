"""The per-user template store: every template version any scaffold on this machine has rendered.

Layout, under `<user cache dir>/scaffold/`:

    template.git/     a bare repository: one tag `v<version>` per release and per version rendered
    template.bundle   the same tags as a git bundle; projects record it as `_src_path`
    store.lock        serialises writers (several scaffolds may run at once)

Every checkout, clone or wheel of scaffold adds its own version here before it renders, and tags
are only ever added (or corrected from the release record), so a project can be updated by any
later scaffold even after the checkout that generated it has moved or been deleted. copier reads
the bundle, not the repository: it accepts a `~/...` bundle path, which then holds for every user.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from filelock import FileLock

from scaffold.git import run_git

BUNDLE_NAME = "template.bundle"
# Where fetched history waits until its commits are tagged (never bundled: bundles hold tags only).
INCOMING_REF = "refs/scaffold/incoming"


def default_root() -> Path:
    """$SCAFFOLD_CACHE_DIR, else `<user cache dir>/scaffold` (platformdirs; XDG on Linux)."""
    override = os.environ.get("SCAFFOLD_CACHE_DIR")
    if override:
        return Path(override).expanduser().absolute()
    return Path(platformdirs.user_cache_dir("scaffold", appauthor=False))


def home_relative(path: Path) -> str:
    """`~/...` when under the home folder: copier expands it, so teammates share `_src_path`."""
    try:
        return f"~/{path.relative_to(Path.home()).as_posix()}"
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class TemplateStore:
    """The store at `root`; every method that writes holds the store's lock."""

    root: Path

    @property
    def repo_abspath(self) -> Path:
        """The bare repository holding every tag."""
        return self.root / "template.git"

    @property
    def bundle_abspath(self) -> Path:
        """The bundle copier reads (and projects record)."""
        return self.root / BUNDLE_NAME

    @property
    def recorded_path(self) -> str:
        """How projects record the bundle in `.copier-answers.yml`."""
        return home_relative(self.bundle_abspath)

    def lock(self) -> FileLock:
        """The writers' lock."""
        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(self.root / "store.lock", timeout=120)

    def git(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
        """git on the bare repository."""
        return run_git(f"--git-dir={self.repo_abspath}", *args, cwd=self.root, env=env, check=check)

    def ensure_repo(self) -> None:
        """Create the repository; adopt the tags of a bundle an older scaffold left behind."""
        if (self.repo_abspath / "HEAD").is_file():
            return
        run_git("init", "--quiet", "--bare", str(self.repo_abspath), cwd=self.root)
        if self.bundle_abspath.is_file():
            self.fetch_tags(self.bundle_abspath, check=False)

    def tags(self) -> dict[str, str]:
        """Tag name -> commit id."""
        out = self.git("for-each-ref", "--format=%(refname:strip=2) %(objectname)", "refs/tags")
        return dict(line.split(" ", 1) for line in out.splitlines())

    def has_commit(self, commit: str) -> bool:
        """Whether the store holds this commit (a full or abbreviated id)."""
        return bool(
            self.git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}", check=False)
        )

    def fetch_tags(self, source: Path, *, check: bool = True) -> None:
        """Take every tag of a bundle or repository; the source's tags win over same-named ones."""
        self.git(
            "fetch",
            "--quiet",
            "--no-tags",
            str(source.resolve()),
            "+refs/tags/*:refs/tags/*",
            check=check,
        )

    def fetch_history(self, repo_abspath: Path, rev: str = "HEAD") -> None:
        """Take a repository's history up to rev (its objects, no tags)."""
        self.git(
            "fetch", "--quiet", "--no-tags", str(repo_abspath.resolve()), f"+{rev}:{INCOMING_REF}"
        )

    def set_tags(self, tags: Mapping[str, str]) -> None:
        """Point each tag at its commit (a recorded release corrects a stale same-named tag)."""
        current = self.tags()
        for tag, commit in tags.items():
            if current.get(tag) != commit:
                self.git("update-ref", f"refs/tags/{tag}", commit)

    def snapshot(self, work_tree: Path, parent: str, paths: Sequence[str]) -> str:
        """A commit of parent with paths as they are in work_tree; parent itself if unchanged.

        Its author and dates are parent's, so the same edits always give the same commit id.
        """
        with tempfile.TemporaryDirectory(prefix="scaffold-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_WORK_TREE": str(work_tree)}
            self.git("read-tree", parent, env=env)
            # Only these paths: whatever else the checkout holds (projects, venvs) is never read.
            run_git(
                f"--git-dir={self.repo_abspath}",
                "add",
                "--all",
                "--",
                *paths,
                cwd=work_tree,
                env=env,
            )
            tree = self.git("write-tree", env=env)
        if tree == self.git("rev-parse", f"{parent}^{{tree}}"):
            return parent
        fields = self.git("show", "-s", "--format=%an%n%ae%n%ad%n%cd", "--date=raw", parent)
        name, email, author_date, commit_date = fields.splitlines()
        identity = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": author_date,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": commit_date,
        }
        message = "Uncommitted template edits (snapshot taken by scaffold)"
        return self.git("commit-tree", tree, "-p", parent, "-m", message, env=identity)

    def publish(self) -> None:
        """Rewrite the bundle when the repository's tags differ from it (atomically)."""
        tags = self.tags()
        if self.bundle_abspath.is_file() and tags == self.bundle_tags():
            return
        partial = self.root / f".{BUNDLE_NAME}.{os.getpid()}"
        self.git("-c", "pack.threads=1", "bundle", "create", "--quiet", str(partial), "--tags")
        # Atomic, so a concurrent `copier update` never reads half a bundle.
        partial.replace(self.bundle_abspath)

    def bundle_tags(self) -> dict[str, str]:
        """Tag name -> commit id, as the published bundle holds them."""
        return read_bundle_tags(self.bundle_abspath)


def read_bundle_tags(bundle_abspath: Path) -> dict[str, str]:
    """Tag name -> commit id of a bundle (or repository)."""
    out = run_git("ls-remote", "--tags", "--refs", str(bundle_abspath), cwd=bundle_abspath.parent)
    pairs = (line.split("\t", 1) for line in out.splitlines())
    return {ref.removeprefix("refs/tags/"): commit for commit, ref in pairs}


def open_store(root: Path | None = None) -> TemplateStore:
    """The store at root (default: the user cache), its repository created if needed."""
    store = TemplateStore(root or default_root())
    with store.lock():
        store.ensure_repo()
    return store
