"""The project under audit: its root, its Python sources (parsed once) and its imports."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path

from .model import NotAProjectError

# Markers that make a directory a Python project.
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "uv.lock")
# Directories that hold installed or generated code, never the project's own.
_SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".venv", "venv", "env", ".env", "node_modules", "__pycache__",
        ".mypy_cache", ".ruff_cache", ".pytest_cache", ".tox", ".nox", "build", "dist",
        "site-packages", ".eggs",
    }
)  # fmt: skip


@dataclass
class Source:
    """One parsed Python file and the names its imports bind."""

    relpath: str
    tree: ast.Module
    text: str

    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> qualified name, for every import anywhere in the module."""
        bound: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        bound[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        return bound

    def qualname(self, node: ast.expr) -> str | None:
        """`requests.get` for `requests.get`, `r.get` (import requests as r) or `get`."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        root = self.imports.get(node.id, node.id)
        return ".".join([root, *reversed(parts)])

    @property
    def is_test(self) -> bool:
        """Test code is not production code: settings and blocking checks skip it."""
        parts = self.relpath.split("/")
        name = parts[-1]
        return (
            "tests" in parts[:-1]
            or "test" in parts[:-1]
            or name.startswith("test_")
            or name.endswith("_test.py")
            or name == "conftest.py"
        )


@dataclass
class Project:
    """A directory holding a Python project, with lazily parsed sources."""

    root: Path
    _sources: list[Source] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path) -> Project:
        """Resolve `path` and refuse anything that is not a project directory."""
        root = path.expanduser().resolve()
        if not root.is_dir():
            raise NotAProjectError(f"{path} is not a directory")
        has_marker = any((root / marker).is_file() for marker in _PROJECT_MARKERS)
        if not has_marker and not any(root.glob("requirements*.txt")):
            raise NotAProjectError(
                f"{path} is not a Python project (no pyproject.toml, setup.py or requirements*.txt)"
            )
        return cls(root)

    def relpath(self, path: Path) -> str:
        """`path` relative to the root, with POSIX separators."""
        return path.resolve().relative_to(self.root).as_posix()

    def files(self, pattern: str = "*") -> Iterator[Path]:
        """Files under the root matching a glob, skipping virtualenvs, caches and VCS dirs."""
        # os.walk lets us prune .venv and friends instead of listing them and filtering.
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = [name for name in dirnames if name not in _SKIP_DIRS]
            found.extend(Path(dirpath, name) for name in filenames if fnmatch(name, pattern))
        yield from sorted(found)

    def read(self, relpath: str) -> str | None:
        """The text of a file under the root, or None when it is absent or unreadable."""
        path = self.root / relpath
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    @property
    def sources(self) -> list[Source]:
        """Every Python file that parses; a syntax error is ruff's to report, not ours."""
        if self._sources is None:
            self._sources = []
            for path in self.files("*.py"):
                try:
                    text = path.read_text(encoding="utf-8")
                    tree = ast.parse(text, filename=str(path))
                except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
                    continue
                self._sources.append(Source(self.relpath(path), tree, text))
        return self._sources

    def source(self, relpath: str) -> Source | None:
        """The parsed module at `relpath`, if it exists."""
        return next((src for src in self.sources if src.relpath == relpath), None)

    def module_source(self, module: str) -> Source | None:
        """The project's own file for a dotted module name (flat or src layout), if any."""
        stem = module.replace(".", "/")
        for base in ("", "src/"):
            for candidate in (f"{base}{stem}.py", f"{base}{stem}/__init__.py"):
                found = self.source(candidate)
                if found is not None:
                    return found
        return None

    def production_sources(self) -> Iterator[Source]:
        """Sources that ship: everything but tests."""
        return (src for src in self.sources if not src.is_test)
