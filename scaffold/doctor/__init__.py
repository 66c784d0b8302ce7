"""`scaffold doctor`: audit a FastAPI or Flask project for known production pitfalls.

`run_doctor(path)` is the API; `command.doctor` is the Typer command around it.
"""

from __future__ import annotations

from pathlib import Path

from .advisories import check_advisories
from .blocking import check_blocking
from .gevent_order import check_gevent
from .model import Finding, NotAProjectError, Report
from .project import Project
from .settings_check import check_settings

__all__ = ["Finding", "NotAProjectError", "Report", "run_doctor"]


def run_doctor(path: Path) -> Report:
    """Run every check on the project at `path`; raises NotAProjectError for anything else."""
    project = Project.open(path)
    findings = [
        *check_advisories(project),
        *check_blocking(project),
        *check_gevent(project),
        *check_settings(project),
    ]
    return Report(project.root, sorted(set(findings), key=lambda f: f.sort_key()))
