"""What the project asks for (declared ranges) and what it got (locked versions)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from .project import Project


@dataclass(frozen=True)
class Declared:
    """A requirement with a version range, from pyproject.toml or requirements*.txt."""

    name: NormalizedName
    specifier: SpecifierSet
    relpath: str
    line: int | None


@dataclass(frozen=True)
class Locked:
    """An exact version, from uv.lock or an `==` pin in requirements*.txt."""

    name: NormalizedName
    version: Version
    relpath: str
    line: int | None


@dataclass
class Dependencies:
    """Every declared range and locked version doctor found."""

    declared: dict[NormalizedName, list[Declared]] = field(default_factory=dict)
    locked: dict[NormalizedName, Locked] = field(default_factory=dict)

    def declares(self, name: str) -> bool:
        """True when the project itself names the package (any range)."""
        return canonicalize_name(name) in self.declared

    def uses(self, name: str) -> bool:
        """True when the package is declared or locked."""
        key = canonicalize_name(name)
        return key in self.declared or key in self.locked

    def add_declared(self, item: Declared) -> None:
        """Record a declared range."""
        self.declared.setdefault(item.name, []).append(item)


def _line_of(text: str, pattern: str) -> int | None:
    """1-based line of the first regex match, or None."""
    match = re.search(pattern, text, flags=re.IGNORECASE | re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _name_pattern(name: str) -> str:
    # Requirement names compare case-, dash-, dot- and underscore-insensitively.
    return "[-_.]".join(re.escape(part) for part in re.split(r"[-_.]+", name))


def _exact_pin(requirement: Requirement) -> Version | None:
    """The version of a lone `==X` specifier (a lock in requirements form), else None."""
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        try:
            return Version(specs[0].version)
        except InvalidVersion:
            return None
    return None


def _read_pyproject(project: Project, deps: Dependencies) -> None:
    text = project.read("pyproject.toml")
    if text is None:
        return
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    table = data.get("project", {})
    strings: list[str] = list(table.get("dependencies", []))
    for group in table.get("optional-dependencies", {}).values():
        strings.extend(group)
    for raw in strings:
        try:
            requirement = Requirement(raw)
        except (InvalidRequirement, TypeError):
            continue
        name = canonicalize_name(requirement.name)
        pattern = rf"""["']{_name_pattern(requirement.name)}\b"""
        line = _line_of(text, rf"^\s*{pattern}") or _line_of(text, pattern)
        deps.add_declared(Declared(name, requirement.specifier, "pyproject.toml", line))


def _read_requirements(project: Project, deps: Dependencies) -> None:
    paths = [*project.root.glob("requirements*.txt"), *project.root.glob("requirements/*.txt")]
    for path in sorted(paths):
        relpath = project.relpath(path)
        text = project.read(relpath) or ""
        for number, raw in enumerate(text.splitlines(), start=1):
            # Drop comments, `--hash` style options and line continuations.
            line = raw.split(" #", 1)[0].split(" --", 1)[0].rstrip("\\ ").strip()
            if not line or line.startswith(("#", "-")):
                continue
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.url:
                continue
            name = canonicalize_name(requirement.name)
            pinned = _exact_pin(requirement)
            if pinned is not None:
                deps.locked.setdefault(name, Locked(name, pinned, relpath, number))
            else:
                deps.add_declared(Declared(name, requirement.specifier, relpath, number))


def _read_uv_lock(project: Project, deps: Dependencies) -> None:
    text = project.read("uv.lock")
    if text is None:
        return
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    for package in data.get("package", []):
        try:
            name = canonicalize_name(package["name"])
            version = Version(package["version"])
        except (KeyError, InvalidVersion, TypeError):
            continue
        line = _line_of(text, rf"""^name\s*=\s*"{_name_pattern(package["name"])}"$""")
        # The lock wins over an `==` in requirements: it is what `uv sync` installs.
        deps.locked[name] = Locked(name, version, "uv.lock", line)


def read_dependencies(project: Project) -> Dependencies:
    """Collect declared ranges and locked versions from every file doctor understands."""
    deps = Dependencies()
    _read_pyproject(project, deps)
    _read_requirements(project, deps)
    _read_uv_lock(project, deps)
    return deps
