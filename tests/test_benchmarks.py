"""The benchmark harness in --short mode: it runs end to end and writes a table and a chart."""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONTENDERS = {"floor", "fastapi", "flask-gevent", "flask-gthread"}
WORKLOADS = ["health", "read-by-pk", "read-by-pk-64", "list-20", "slow-query", "create", "fan-out"]
# The generated FastAPI app under granian instead of its uvicorn CMD, on these workloads only.
GRANIAN = "fastapi-granian"
GRANIAN_WORKLOADS = {"health", "read-by-pk", "read-by-pk-64", "list-20", "create"}
# Each of the three upstreams answers after 100 ms: one after another would take at least 300 ms.
UPSTREAM_DELAY_MS = 100
SEQUENTIAL_MS = 3 * UPSTREAM_DELAY_MS

# Renders and installs four projects and boots each server in turn: as slow as a smoke variant.
pytestmark = pytest.mark.smoke


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (fails on anything that is not a PNG)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_short_run_writes_table_json_and_chart(tmp_path: Path) -> None:
    """`python -m benchmarks --short` measures every contender on each of its workloads."""
    out = tmp_path / "results"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--short",
            "--out",
            str(out),
            "--workdir",
            str(tmp_path / "work"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    results = json.loads((out / "results.json").read_text())
    assert [w["name"] for w in results["workloads"]] == WORKLOADS
    for workload in results["workloads"]:
        rows = {row["contender"]: row for row in workload["rows"]}
        granian = {GRANIAN} if workload["name"] in GRANIAN_WORKLOADS else set()
        assert set(rows) == CONTENDERS | granian, workload["name"]
        for row in rows.values():
            # Every contender answered: requests flowed, none failed, and the ratios are computed.
            assert row["rps"] > 0, (workload["name"], row)
            assert row["errors"] == 0, (workload["name"], row)
            assert 0 < row["p50_ms"] <= row["p99_ms"], (workload["name"], row)
        assert rows["floor"]["vs_floor"] == 1.0
        assert rows["floor"]["p99_vs_floor"] == 1.0
        assert rows["fastapi"]["p99_vs_floor"] > 0
        assert rows["fastapi"]["vs_fastapi"] == 1.0
    assert results["machine"]["cores"] >= 1
    assert "granian" in results["machine"]["packages"]
    # Before measuring, granian answered the probes, reads, errors and the host check exactly as
    # uvicorn does (status, headers but the date and server name, and body).
    compared = results["parity"][GRANIAN]
    for request in ("GET /health", "GET /ready", "GET /api/items/1", "GET /openapi.json"):
        assert request in compared, compared
    assert any("Host: evil.example" in request for request in compared), compared

    fan_out = next(w for w in results["workloads"] if w["name"] == "fan-out")
    assert results["upstream_delay_ms"] == UPSTREAM_DELAY_MS
    rows = {row["contender"]: row for row in fan_out["rows"]}
    for name in ("floor", "fastapi", "flask-gevent"):
        # No answer comes before the upstreams do, and calling them one after another cannot
        # answer in under 300 ms: a p50 below that means the calls overlapped.
        assert UPSTREAM_DELAY_MS <= rows[name]["p50_ms"] < SEQUENTIAL_MS, rows[name]
    # Without gevent's monkey-patching the Flask service's gevent pool calls them in turn.
    assert rows["flask-gthread"]["p50_ms"] >= SEQUENTIAL_MS, rows["flask-gthread"]

    table = (out / "results.md").read_text()
    for workload in WORKLOADS:
        header = re.search(rf"^### {re.escape(workload)}: .*$", table, re.MULTILINE)
        assert header, f"no table for {workload}"
    data_rows = re.findall(
        rf"^\| (floor|fastapi|{GRANIAN}|flask-gevent|flask-gthread) \| (\d+) \|",
        table,
        re.MULTILINE,
    )
    assert len(data_rows) == len(WORKLOADS) * len(CONTENDERS) + len(GRANIAN_WORKLOADS)

    width, height = png_size(out / "results.png")
    assert width > 400 and height > 200
