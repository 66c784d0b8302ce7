"""The framework advisor: the decision guide's few yes/no questions, and this repository's numbers.

Where a reason is about speed it quotes what benchmarks/results/results.json measured (the wheel
carries a copy, see hatch_build.py), never a number written in prose. The advisor's answers are
not template answers: nothing of them reaches copier or `.copier-answers.yml`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Framework = Literal["fastapi", "flask"]
PACKAGE_ABSPATH = Path(__file__).resolve().parent
# A checkout's results, else the copy a wheel's build hook packaged.
RESULTS_ABSPATHS = (
    PACKAGE_ABSPATH.parent / "benchmarks" / "results" / "results.json",
    PACKAGE_ABSPATH / "_template" / "benchmarks.json",
)


@dataclass(frozen=True)
class Numbers:
    """What the committed benchmark run measured, as the advisor quotes it."""

    read_fastapi_rps: float
    read_flask_rps: float
    fanout_concurrent_ms: float
    fanout_sequential_ms: float
    upstream_delay_ms: float

    @property
    def read_ratio(self) -> float:
        """How many times gevent Flask's read-by-pk throughput FastAPI reached."""
        return self.read_fastapi_rps / self.read_flask_rps


@dataclass(frozen=True)
class Question:
    """One yes/no question of the guide and the framework each answer leans to, with why."""

    key: str
    text: str
    if_yes: tuple[Framework, str] | None
    if_no: tuple[Framework, str] | None = None


QUESTIONS = (
    Question(
        "outbound",
        "Will it make many outbound calls at once (fan-out to services, LLM or model APIs)?",
        (
            "fastapi",
            "concurrent outbound I/O is FastAPI's ground: {calls} upstream calls of {delay:.0f} ms"
            " took {concurrent:.0f} ms with asyncio.gather and {sequential:.0f} ms one after"
            " another (benchmarks, fan-out p50)",
        ),
    ),
    Question(
        "pages",
        "Will it serve server-rendered pages, forms and an admin panel?",
        (
            "flask",
            "server-rendered pages, forms with CSRF, login and Flask-Admin are Flask's home"
            " ground (an admin panel by Friday)",
        ),
    ),
    Question(
        "sync_code",
        "Are you extending a Flask codebase, or do you rely on libraries that are sync only?",
        (
            "flask",
            "keep the code you have: under gevent, sync libraries cooperate without rewriting",
        ),
    ),
    Question(
        "async_team",
        "Is the team at home with async Python (no blocking call ever inside async code)?",
        (
            "fastapi",
            "an async team gets FastAPI's typed, self-documenting API without the async illusion",
        ),
        (
            "flask",
            "async code that blocks the event loop is slower than plain sync Flask; gevent gives"
            " concurrency without await",
        ),
    ),
)


def load_numbers(paths: tuple[Path, ...] = RESULTS_ABSPATHS) -> Numbers | None:
    """The committed benchmark numbers (None when neither file is there)."""
    for path in paths:
        if path.is_file():
            return parse_numbers(json.loads(path.read_text(encoding="utf-8")))
    return None


def parse_numbers(results: Mapping[str, Any]) -> Numbers:
    """Read-by-pk rps and fan-out p50 out of benchmarks/results/results.json."""
    rows = {
        (workload["name"], row["contender"]): row
        for workload in results["workloads"]
        for row in workload["rows"]
    }
    return Numbers(
        read_fastapi_rps=float(rows["read-by-pk", "fastapi"]["rps"]),
        read_flask_rps=float(rows["read-by-pk", "flask-gevent"]["rps"]),
        fanout_concurrent_ms=float(rows["fan-out", "fastapi"]["p50_ms"]),
        fanout_sequential_ms=float(rows["fan-out", "flask-gthread"]["p50_ms"]),
        upstream_delay_ms=float(results.get("upstream_delay_ms", 100)),
    )


@dataclass(frozen=True)
class Advice:
    """A recommended framework and the reasons, each naming the answer it comes from."""

    framework: Framework
    reasons: tuple[str, ...]


def common_ground(numbers: Numbers | None) -> str:
    """The sentence every recommendation ends with: both are close under real database load."""
    if numbers is None:
        return "Under real database load both are within about 2x of each other."
    return (
        f"Under real database load both stay close: reading a row by id, FastAPI served"
        f" {numbers.read_fastapi_rps:,.0f} requests/s and gevent Flask"
        f" {numbers.read_flask_rps:,.0f} ({numbers.read_ratio:.1f}x) on one process here"
        " (benchmarks/results)."
    )


def advise(answers: Mapping[str, bool], default: Framework, numbers: Numbers | None) -> Advice:
    """Weigh the answers; a tie keeps the target's own recommendation."""
    votes: dict[Framework, list[str]] = {"fastapi": [], "flask": []}
    for question in QUESTIONS:
        if question.key not in answers:
            continue
        lean = question.if_yes if answers[question.key] else question.if_no
        if lean is not None:
            votes[lean[0]].append(fill(lean[1], numbers))
    fastapi, flask = len(votes["fastapi"]), len(votes["flask"])
    chosen: Framework = default if fastapi == flask else ("fastapi" if fastapi > flask else "flask")
    return Advice(chosen, tuple(votes[chosen]))


def fill(reason: str, numbers: Numbers | None) -> str:
    """A reason with the measured numbers in place (or without its numbers, if none)."""
    if "{" not in reason:
        return reason
    if numbers is None:
        return reason.split(":")[0]
    return reason.format(
        calls=3,
        delay=numbers.upstream_delay_ms,
        concurrent=numbers.fanout_concurrent_ms,
        sequential=numbers.fanout_sequential_ms,
    )


def guide(numbers: Numbers | None) -> list[str]:
    """The whole guide as paragraphs: what each answer means, for `scaffold advise`."""
    lines = []
    for question in QUESTIONS:
        for answer, lean in (("yes", question.if_yes), ("no", question.if_no)):
            if lean is not None:
                framework, reason = lean
                lines.append(f"{question.text} If {answer}: {framework}, {fill(reason, numbers)}.")
    lines.append(common_ground(numbers))
    return lines
