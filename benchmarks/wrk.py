"""Run wrk and parse its text output (requests/s, p50, p99, errors)."""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).parent / "lua"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_PERCENTILE = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_TOTAL = re.compile(r"^\s+(\d+) requests in", re.MULTILINE)
# Printed by scripts that check answers (lua/aggregate.lua): a 200 can still be a wrong answer.
_BAD = re.compile(r"^Bad responses: (\d+)", re.MULTILINE)


@dataclass(frozen=True)
class Sample:
    """One wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def parse(output: str) -> Sample:
    """Read a `wrk --latency` report."""
    rps = _RPS.search(output)
    total = _TOTAL.search(output)
    if rps is None or total is None:
        raise ValueError(f"not a wrk report:\n{output}")
    percentiles = {p: float(v) * _UNITS[unit] for p, v, unit in _PERCENTILE.findall(output)}
    non_2xx = _NON_2XX.search(output)
    socket = _SOCKET.search(output)
    bad = _BAD.search(output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += int(bad.group(1)) if bad else 0
    # Read errors count keep-alive closes, which are not failures; connect/write/timeouts are.
    if socket:
        errors += int(socket.group(1)) + int(socket.group(3)) + int(socket.group(4))
    return Sample(
        rps=float(rps.group(1)),
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        requests=int(total.group(1)),
        errors=errors,
    )


def run(
    url: str,
    *,
    seconds: float,
    connections: int,
    script: str | None = None,
    args: tuple[str, ...] = (),
) -> Sample:
    """Drive `url` for `seconds` with `connections` keep-alive connections on one wrk thread."""
    # One thread: on a two-core machine wrk must leave the server as much CPU as it can.
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script:
        argv += ["-s", str(LUA / script)]
    argv.append(url)
    if args:
        argv += ["--", *args]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + 60)
    return parse(out.stdout)
