"""Known advisories and required floors, checked against declared ranges and locked versions.

The table ships as `advisories.toml` next to this module and is read with importlib.resources.
To update it, add an `[[packages.<name>.advisories]]` entry (id, aliases, affected specifiers,
one-line summary) or raise a package's `floor`, bump `updated`, and run tests/test_doctor.py;
scaffold/doctor/README.md walks through it.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version
from pydantic import BaseModel, ConfigDict, field_validator

from .dependencies import Declared, Dependencies, Locked, read_dependencies
from .model import Finding
from .project import Project


class Advisory(BaseModel):
    """One published vulnerability and the versions it affects."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    aliases: tuple[str, ...] = ()
    name: str | None = None
    affected: tuple[str, ...]
    summary: str

    @field_validator("affected")
    @classmethod
    def _valid_specifiers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for spec in value:
            try:
                SpecifierSet(spec)
            except InvalidSpecifier as exc:
                raise ValueError(f"affected specifier {spec!r} is not PEP 440") from exc
        return value

    @property
    def ranges(self) -> list[SpecifierSet]:
        """The affected ranges as specifier sets."""
        return [SpecifierSet(spec) for spec in self.affected]

    @property
    def label(self) -> str:
        """`CVE-2026-48710 (BadHost, GHSA-86qp-5c8j-p5mr)`."""
        extra = [part for part in (self.name, *self.aliases) if part]
        return f"{self.id} ({', '.join(extra)})" if extra else self.id

    def affects(self, version: Version) -> bool:
        """True when `version` is in one of the affected ranges."""
        return any(spec.contains(version, prereleases=True) for spec in self.ranges)


class PackagePolicy(BaseModel):
    """A package's advisories and the lowest version scaffold accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    floor: str
    floor_reason: str
    declare_with: tuple[str, ...] = ()
    advisories: tuple[Advisory, ...] = ()

    @property
    def floor_version(self) -> Version:
        """The floor as a Version."""
        return Version(self.floor)


class AdvisoryTable(BaseModel):
    """The whole shipped table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    updated: str
    packages: dict[str, PackagePolicy]


@cache
def load_table() -> AdvisoryTable:
    """Read and validate the advisory table shipped inside the package."""
    text = resources.files("scaffold.doctor").joinpath("advisories.toml").read_text("utf-8")
    return AdvisoryTable.model_validate(tomllib.loads(text))


def _probes(*specifier_sets: SpecifierSet) -> list[Version]:
    """Versions at and just around every boundary, enough to test two ranges for overlap."""
    candidates = {Version("0"), Version("0.0.1")}
    for spec_set in specifier_sets:
        for spec in spec_set:
            release = [*Version(spec.version.removesuffix(".*")).release, 0, 0]
            major, minor, micro = release[:3]
            candidates.add(Version(spec.version.removesuffix(".*")))
            candidates.update(
                Version(".".join(map(str, parts)))
                for parts in (
                    (major, minor, micro, 1),
                    (major, minor, micro + 1),
                    (major, minor + 1, 0),
                    (major + 1, 0, 0),
                    (major, minor, micro - 1) if micro else (major, minor, 0),
                    (major, minor - 1, 999) if minor else (major, 0, 0),
                    (major - 1, 999, 999) if major else (0, 0, 0),
                )
            )
    return sorted(candidates, reverse=True)


def admitted(declared: SpecifierSet, ranges: list[SpecifierSet]) -> Version | None:
    """The highest probe version the declared range admits inside any of `ranges`, or None."""
    for version in _probes(declared, *ranges):
        if declared.contains(version) and any(spec.contains(version) for spec in ranges):
            return version
    return None


def _render(spec: SpecifierSet) -> str:
    return str(spec) or "any version"


def _example(version: Version) -> str:
    # Probes such as 1.0.999 stand for "the last 1.0.x"; only quote versions that look real.
    return "versions" if 999 in version.release else str(version)


def _check_locked(name: str, policy: PackagePolicy, locked: Locked) -> list[Finding]:
    findings = [
        Finding(
            id="advisory-locked",
            check="advisories",
            severity="error",
            message=f"{name} {locked.version} is locked and affected by {advisory.label}: "
            f"{advisory.summary}",
            hint=f"upgrade {name} to >={policy.floor} and re-lock",
            path=locked.relpath,
            line=locked.line,
        )
        for advisory in policy.advisories
        if advisory.affects(locked.version)
    ]
    if locked.version < policy.floor_version:
        findings.append(
            Finding(
                id="floor-locked",
                check="advisories",
                severity="warning",
                message=f"{name} {locked.version} is locked below the required floor "
                f"{policy.floor} ({policy.floor_reason})",
                hint=f"upgrade {name} to >={policy.floor} and re-lock",
                path=locked.relpath,
                line=locked.line,
            )
        )
    return findings


def _check_declared(name: str, policy: PackagePolicy, declared: list[Declared]) -> list[Finding]:
    # Every declaration applies at once, so the effective range is their intersection.
    combined = SpecifierSet()
    for item in declared:
        combined &= item.specifier
    where = declared[0]
    findings: list[Finding] = []
    for advisory in policy.advisories:
        version = admitted(combined, advisory.ranges)
        if version is not None:
            findings.append(
                Finding(
                    id="advisory-range",
                    check="advisories",
                    severity="error",
                    message=f"{name} `{_render(combined)}` admits {_example(version)}, affected "
                    f"by {advisory.label}: {advisory.summary}",
                    hint=f'require "{name}>={policy.floor}"',
                    path=where.relpath,
                    line=where.line,
                )
            )
    below = admitted(combined, [SpecifierSet(f"<{policy.floor}")])
    if below is not None:
        findings.append(
            Finding(
                id="floor-range",
                check="advisories",
                severity="warning",
                message=f"{name} `{_render(combined)}` admits {_example(below)} below the "
                f"required floor {policy.floor} ({policy.floor_reason})",
                hint=f'raise the lower bound: "{name}>={policy.floor}"',
                path=where.relpath,
                line=where.line,
            )
        )
    return findings


def check_dependencies(deps: Dependencies, table: AdvisoryTable | None = None) -> list[Finding]:
    """Findings for every tabled package the project declares or locks."""
    table = table or load_table()
    findings: list[Finding] = []
    for raw_name, policy in table.packages.items():
        name = canonicalize_name(raw_name)
        if name in deps.locked:
            findings += _check_locked(name, policy, deps.locked[name])
        elif name in deps.declared:
            findings += _check_declared(name, policy, deps.declared[name])
        else:
            owners = [owner for owner in policy.declare_with if deps.declares(owner)]
            if owners:
                first = deps.declared[canonicalize_name(owners[0])][0]
                findings.append(
                    Finding(
                        id="implicit-dependency",
                        check="advisories",
                        severity="warning",
                        message=f"{name} is only pulled in through {owners[0]}, so nothing "
                        f"keeps it at or above {policy.floor} ({policy.floor_reason})",
                        hint=f'declare it explicitly: "{name}>={policy.floor}" (or commit a lock)',
                        path=first.relpath,
                        line=first.line,
                    )
                )
    return findings


def check_advisories(project: Project) -> list[Finding]:
    """Run the advisory and floor checks on a project."""
    return check_dependencies(read_dependencies(project))
