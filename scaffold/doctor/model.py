"""The data doctor produces: findings, grouped by check, collected into one report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from scaffold.errors import UserMessageError

Severity = Literal["error", "warning"]
Check = Literal["advisories", "blocking", "gevent", "settings"]

# The order checks appear in the readable report.
CHECKS: tuple[Check, ...] = ("advisories", "blocking", "gevent", "settings")

# Every finding id doctor can emit, with what it means (README.md lists the same).
FINDING_IDS: dict[str, str] = {
    "advisory-range": "a declared range admits a version with a known advisory",
    "advisory-locked": "a locked version has a known advisory",
    "floor-range": "a declared range admits a version below scaffold's required floor",
    "floor-locked": "a locked version is below scaffold's required floor",
    "implicit-dependency": "a floored package (starlette) is only pulled in transitively",
    "ruff-async": "ruff's ASYNC rules flag a call inside async def",
    "ruff-unavailable": "ruff is missing or failed, so its ASYNC rules did not run",
    "blocking-call": "a blocking call (driver connect, requests, sleep, urlopen) in async def",
    "sync-session": "a sync SQLAlchemy session created or used in async def",
    "gevent-preload": "preload_app / --preload combined with gevent workers",
    "gevent-early-import": "the gunicorn config imports psycopg or the app before gevent patches",
    "gevent-patch-order": "a module imports psycopg or the app before its own patch_all()",
    "trusted-host-missing": "no TrustedHostMiddleware / TRUSTED_HOSTS",
    "trusted-host-wildcard": "the Host allow-list is `*` (explicitly or by default)",
    "debug-enabled": "code turns a debug flag on for production",
    "debug-command": "the production command uses --reload or --debug",
}


class NotAProjectError(UserMessageError):
    """The path given to doctor is not a Python project doctor can audit."""


@dataclass(frozen=True)
class Finding:
    """One problem: a stable id, where it is, what is wrong and how to fix it."""

    id: str
    check: Check
    severity: Severity
    message: str
    hint: str
    path: str | None = None  # relative to the project root, POSIX separators
    line: int | None = None

    @property
    def location(self) -> str:
        """`file:line`, `file`, or `.` for project-wide findings."""
        if self.path is None:
            return "."
        return f"{self.path}:{self.line}" if self.line else self.path

    def __post_init__(self) -> None:
        if self.id not in FINDING_IDS:
            raise ValueError(f"unknown finding id {self.id!r}: add it to FINDING_IDS")

    def sort_key(self) -> tuple[int, str, int, str]:
        """Order by check, then file, line and id, so reports are stable."""
        return (CHECKS.index(self.check), self.path or "", self.line or 0, self.id)


@dataclass
class Report:
    """Everything one doctor run found in one project."""

    root: Path
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """True when there is nothing to report."""
        return not self.findings

    @property
    def summary(self) -> dict[str, int]:
        """Counts by severity, for the last line and for --json."""
        errors = sum(1 for finding in self.findings if finding.severity == "error")
        return {"total": len(self.findings), "errors": errors, "warnings": len(self) - errors}

    def __len__(self) -> int:
        return len(self.findings)

    def ids(self) -> set[str]:
        """The distinct finding ids, handy for callers and tests."""
        return {finding.id for finding in self.findings}

    def to_json(self) -> dict[str, Any]:
        """The machine-readable document `--json` prints."""
        return {
            "path": str(self.root),
            "findings": [
                {**asdict(finding), "location": finding.location} for finding in self.findings
            ],
            "summary": self.summary,
        }
