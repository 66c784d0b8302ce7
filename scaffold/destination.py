"""The destination folder: refuse to clobber it, and stage every write beside it until done."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from scaffold.errors import DestinationError

STAGING_PREFIX = ".scaffold-staging-"


def check_destination(dst_abspath: Path, *, force: bool) -> None:
    """Refuse a destination that is a file, or a non-empty folder without `force`."""
    if dst_abspath.is_symlink() or (dst_abspath.exists() and not dst_abspath.is_dir()):
        raise DestinationError(f"destination {dst_abspath} exists and is not a folder")
    if dst_abspath.is_dir() and any(dst_abspath.iterdir()) and not force:
        raise DestinationError(
            f"destination {dst_abspath} exists and is not empty (pass --force to replace it)"
        )
    parent = nearest_existing(dst_abspath.parent)
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise DestinationError(f"cannot write into {parent}")


def nearest_existing(path: Path) -> Path:
    """The path itself or its closest ancestor that exists."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@contextmanager
def staged_destination(dst_abspath: Path, *, force: bool) -> Iterator[Path]:
    """Yield an empty folder beside the destination; move it into place only if the block succeeds.

    On any error or Ctrl-C the staging folder (and any parent folder made for it) is removed,
    so nothing partial is left behind.
    """
    check_destination(dst_abspath, force=force)
    created = missing_ancestors(dst_abspath.parent)
    dst_abspath.parent.mkdir(parents=True, exist_ok=True)
    # Beside the destination, so the final rename stays on one filesystem and is atomic.
    staging_root = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=dst_abspath.parent))
    try:
        # Same name as the destination, so copier's `_folder_name` is the project's name;
        # mkdir, not mkdtemp, so the project folder gets the user's umask rather than 0700.
        staging = staging_root / dst_abspath.name
        staging.mkdir()
        yield staging
        move_into_place(staging, dst_abspath, force=force)
    except BaseException:
        shutil.rmtree(staging_root, ignore_errors=True)
        for folder in created:
            with _ignore_os_error():
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


def move_into_place(staging: Path, dst_abspath: Path, *, force: bool) -> None:
    """Rename the staged project onto the destination (an old one is swapped out, then deleted)."""
    check_destination(dst_abspath, force=force)
    if dst_abspath.is_dir() and any(dst_abspath.iterdir()):
        # Swap the old tree aside first so that, at every moment, one whole tree is in place.
        retired = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=dst_abspath.parent))
        os.replace(dst_abspath, retired / "old")
        os.replace(staging, dst_abspath)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        # rename(2) replaces an empty folder in one step.
        os.replace(staging, dst_abspath)


@contextmanager
def _ignore_os_error() -> Iterator[None]:
    """Cleanup is best effort: a folder someone else filled is left alone."""
    with suppress(OSError):
        yield
