"""Carry a project's edits over to the files a template release moved (copier.yml `_migrations`).

copier runs this inside the project after an update has written the new release:

    python moves.py TEMPLATE VERSION_FROM OLD=NEW [OLD=NEW ...]

copier itself deletes a moved file with the project's edits in it and writes the new release's
file at the new path. For each OLD that the project's last commit (HEAD) holds, this merges three
versions with `git merge-file`, labelled like copier's own conflicts: the project's file at HEAD,
the old release's render of it (rendered again from TEMPLATE at VERSION_FROM) and the new
release's file. The result lands at NEW and OLD is gone. An unedited file keeps the new release's
version; a file the project added under a moved folder moves along. A move whose OLD the project
never had does nothing, so one list serves every project.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

LABELS = ("before updating", "last update", "after updating")


def git(*args: str) -> bytes:
    """Run git in the project; its output."""
    return subprocess.run(["git", *args], check=True, capture_output=True).stdout


def at_head(path: str) -> list[str]:
    """The files HEAD holds at path: [path] for a file, every file below it for a folder."""
    kind = subprocess.run(["git", "cat-file", "-t", f"HEAD:./{path}"], capture_output=True)
    if kind.returncode != 0:
        return []
    if kind.stdout.strip() == b"blob":
        return [path]
    return git("ls-tree", "-r", "--name-only", "HEAD", "--", path).decode().splitlines()


class OldRelease:
    """The old release rendered with the project's answers, on first use only."""

    def __init__(self, template: str, version: str, workdir: Path) -> None:
        self.template, self.version, self.root = template, version, workdir / "old"

    def read(self, path: str) -> bytes | None:
        """The old release's render of path (None if it had no such file)."""
        if not self.root.exists():
            self._render()
        file = self.root / path
        return file.read_bytes() if file.is_file() else None

    def _render(self) -> None:
        from copier import run_copy  # the interpreter that runs copier has it

        answers = yaml.safe_load(git("show", "HEAD:./.copier-answers.yml")) or {}
        data = {key: value for key, value in answers.items() if not key.startswith("_")}
        run_copy(
            self.template,
            self.root,
            data=data,
            vcs_ref=self.version,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=True,
        )


def move(old_path: str, new_path: str, old_release: OldRelease, workdir: Path) -> None:
    """Merge HEAD's old_path (its edits) into new_path, then remove old_path."""
    ours = git("show", f"HEAD:./{old_path}")
    new = Path(new_path)
    theirs = new.read_bytes() if new.is_file() else None
    if theirs is None:
        # A file the new release does not write (one the project added): it moves as it is.
        new.parent.mkdir(parents=True, exist_ok=True)
        new.write_bytes(ours)
    elif ours != theirs:
        base = old_release.read(old_path)
        if ours != base:
            # Edited in the project: a three-way merge, conflicts marked like copier's.
            files = [workdir / name for name in ("ours", "base", "theirs")]
            for file, content in zip(files, (ours, base or b"", theirs), strict=True):
                file.write_bytes(content)
            labels = [arg for label in LABELS for arg in ("-L", label)]
            subprocess.run(["git", "merge-file", *labels, *map(str, files)], check=False)
            new.write_bytes(files[0].read_bytes())
    old = Path(old_path)
    if old.is_file():
        old.unlink()
    # Folders the move emptied go too (copier may have removed them already).
    for parent in old.parents:
        if parent == Path("."):
            break
        if parent.is_dir():
            if any(parent.iterdir()):
                break
            parent.rmdir()


def main(argv: list[str]) -> None:
    """Apply every OLD=NEW move the project has."""
    template, version, *moves = argv
    pairs = [tuple(item.split("=", 1)) for item in moves]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        old_release = OldRelease(template, version, workdir)
        done: set[str] = set()
        # Listed order: a file's own move comes before the move of the folder that holds it.
        for old_path, new_path in pairs:
            for path in at_head(old_path):
                if path in done:
                    continue
                done.add(path)
                target = new_path + path[len(old_path) :]
                move(path, target, old_release, workdir)


if __name__ == "__main__":
    main(sys.argv[1:])
