"""Turn a Report into the readable grouped text or the --json document."""

from __future__ import annotations

import json

from .model import CHECKS, Report

_TITLES = {
    "advisories": "Advisories and version floors",
    "blocking": "Blocking calls inside async def",
    "gevent": "gevent patch order",
    "settings": "Production settings",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    """One line: `no findings in PATH` or the counts by severity."""
    if report.clean:
        return f"scaffold doctor: no findings in {report.root}"
    counts = report.summary
    return (
        f"scaffold doctor: {_plural(counts['total'], 'finding')} "
        f"({_plural(counts['errors'], 'error')}, {_plural(counts['warnings'], 'warning')}) "
        f"in {report.root}"
    )


def render_text(report: Report) -> str:
    """Findings grouped by check, each with its location, id, message and fix."""
    if report.clean:
        return summary_line(report)
    lines: list[str] = []
    for check in CHECKS:
        group = [finding for finding in report.findings if finding.check == check]
        if not group:
            continue
        lines.append(f"{_TITLES[check]} ({len(group)})")
        for finding in group:
            lines.append(f"  {finding.severity:<7} {finding.location}  [{finding.id}]")
            lines.append(f"          {finding.message}")
            lines.append(f"          fix: {finding.hint}")
        lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines)


def render_json(report: Report) -> str:
    """The --json document: {"path", "findings", "summary"}."""
    return json.dumps(report.to_json(), indent=2)
