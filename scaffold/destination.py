"""The destination folder: refuse to clobber it, and stage every write beside it until done.

`--force` never deletes: a git repository with commits is refused (that is what `scaffold update`
is for), and any other non-empty folder is moved aside to `<name>.replaced-<time>` first.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from scaffold.errors import DestinationError
from scaffold.git import git_succeeds, run_git

STAGING_PREFIX = ".scaffold-staging-"
# The longest name we stage: the project folder inside STAGING_PREFIX + 8 random characters.
STAGING_NAME_BYTES = len(STAGING_PREFIX) + 8


def is_nonempty_dir(path: Path) -> bool:
    """Whether path is a folder with anything in it."""
    return path.is_dir() and any(path.iterdir())


def is_repository_with_commits(path: Path) -> bool:
    """Whether path is the top of a git work tree whose HEAD names a commit."""
    if not (path / ".git").exists() or not git_succeeds("rev-parse", "--verify", "HEAD", cwd=path):
        return False
    top = run_git("rev-parse", "--show-toplevel", cwd=path, check=False)
    return bool(top) and Path(top).resolve() == path.resolve()


def check_name_length(dst_abspath: Path) -> None:
    """Refuse a name (or path) longer than the file system takes, before anything is asked."""
    parent = nearest_existing(dst_abspath.parent)
    try:
        name_max = os.pathconf(parent, "PC_NAME_MAX")
        path_max = os.pathconf(parent, "PC_PATH_MAX")
    except (OSError, ValueError):
        name_max, path_max = 255, 4096
    name_bytes = len(os.fsencode(dst_abspath.name))
    if name_bytes > name_max:
        raise DestinationError(
            f"invalid project name: {name_bytes} bytes is longer than this file system allows"
            f" for a folder name ({name_max})"
        )
    if len(os.fsencode(str(dst_abspath))) + STAGING_NAME_BYTES > path_max:
        raise DestinationError(f"the path {dst_abspath} is too long for this file system")


def check_destination(dst_abspath: Path, *, force: bool) -> None:
    """Refuse a file, a non-empty folder without `force`, and with it a repository with commits."""
    check_name_length(dst_abspath)
    if dst_abspath.is_symlink() or (dst_abspath.exists() and not dst_abspath.is_dir()):
        raise DestinationError(f"destination {dst_abspath} exists and is not a folder")
    if is_nonempty_dir(dst_abspath):
        if not force:
            raise DestinationError(
                f"destination {dst_abspath} exists and is not empty"
                " (--force moves it aside and renders a new project in its place)"
            )
        if is_repository_with_commits(dst_abspath):
            raise DestinationError(
                f"destination {dst_abspath} is a git repository with commits; --force never"
                f" replaces one: run `scaffold update {dst_abspath}` to update a generated"
                " project, or move it away yourself"
            )
    parent = nearest_existing(dst_abspath.parent)
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise DestinationError(f"cannot write into {parent}")


def nearest_existing(path: Path) -> Path:
    """The path itself or its closest ancestor that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def aside_path(dst_abspath: Path) -> Path:
    """A free `<name>.replaced-<time>[-n]` beside the destination."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = dst_abspath.with_name(f"{dst_abspath.name}.replaced-{stamp}")
    counter = 1
    while candidate.exists():
        counter += 1
        candidate = dst_abspath.with_name(f"{dst_abspath.name}.replaced-{stamp}-{counter}")
    return candidate


@contextmanager
def staged_destination(dst_abspath: Path, *, force: bool) -> Iterator[tuple[Path, list[Path]]]:
    """Yield an empty folder beside the destination, and a list that receives where an old
    destination was moved aside; the folder moves into place only if the block succeeds.

    On any error or Ctrl-C the staging folder (and any parent folder made for it) is removed,
    so nothing partial is left behind and the old destination is untouched.
    """
    check_destination(dst_abspath, force=force)
    created = missing_ancestors(dst_abspath.parent)
    try:
        dst_abspath.parent.mkdir(parents=True, exist_ok=True)
        # Beside the destination, so the final rename stays on one filesystem and is atomic.
        staging_root = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=dst_abspath.parent))
    except OSError as err:
        raise DestinationError(f"cannot create {dst_abspath}: {os_reason(err)}") from err
    moved_aside: list[Path] = []
    try:
        # Same name as the destination, so copier's `_folder_name` is the project's name;
        # mkdir, not mkdtemp, so the project folder gets the user's umask rather than 0700.
        staging = staging_root / dst_abspath.name
        staging.mkdir()
        yield staging, moved_aside
        moved_aside += move_into_place(staging, dst_abspath, force=force)
    except BaseException:
        shutil.rmtree(staging_root, ignore_errors=True)
        for folder in created:
            with suppress(OSError):
                folder.rmdir()
        raise
    # Empty once the project has moved out.
    staging_root.rmdir()


def missing_ancestors(path: Path) -> list[Path]:
    """Folders that `mkdir(parents=True)` would create for path, deepest first."""
    missing = []
    while not path.exists() and path != path.parent:
        missing.append(path)
        path = path.parent
    return missing


def move_into_place(staging: Path, dst_abspath: Path, *, force: bool) -> list[Path]:
    """Rename the staged project onto the destination; return where an old one was moved."""
    check_destination(dst_abspath, force=force)
    if is_nonempty_dir(dst_abspath):
        aside = aside_path(dst_abspath)
        os.replace(dst_abspath, aside)
        os.replace(staging, dst_abspath)
        return [aside]
    # rename(2) replaces an empty folder in one step.
    os.replace(staging, dst_abspath)
    return []


def os_reason(err: OSError) -> str:
    """An OS error's reason in words (ENAMETOOLONG and friends included)."""
    return err.strerror or errno.errorcode.get(err.errno or 0, str(err))
