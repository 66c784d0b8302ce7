"""Through the real production server (gunicorn + gevent): fan-out overlaps, inference never blocks.

Upstream models are real HTTP servers on loopback ports; nothing here is mocked.
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The Dockerfile's CMD, run from the venv this test runs in.
COMMAND = [
    str(Path(sys.executable).parent / "gunicorn"),
    "--config",
    "gunicorn.conf.py",
    "flask_ml_serving.wsgi:app",
]
UPSTREAM_DELAY = 1.0
SETOSA = {
    "sepal_length_cm": 5.1,
    "sepal_width_cm": 3.5,
    "petal_length_cm": 1.4,
    "petal_width_cm": 0.2,
}
ANSWER = {
    "model_version": "upstream-1",
    "prediction": {
        "label": "versicolor",
        "confidence": 0.9,
        "probabilities": {"setosa": 0.05, "versicolor": 0.9, "virginica": 0.05},
    },
}
# Large batches for the responsiveness check: together about a second of CPU on this worker.
BATCH_SIZE = 10_000
BATCHES = 10
BODY_LIMIT = str(8 * 1024 * 1024)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _request(url: str, payload: object = None, timeout: float = 30) -> tuple[int, Any]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read())


class _Upstream(BaseHTTPRequestHandler):
    """An upstream model service: /slow answers after UPSTREAM_DELAY, the others fail."""

    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        with self.lock:
            type(self).in_flight += 1
            type(self).peak = max(type(self).peak, type(self).in_flight)
        try:
            self._answer()
        finally:
            with self.lock:
                type(self).in_flight -= 1

    def _answer(self) -> None:
        if self.path == "/slow/predict":
            time.sleep(UPSTREAM_DELAY)
            self._send(200, json.dumps(ANSWER))
        elif self.path == "/broken/predict":
            self._send(500, '{"detail": "Internal Server Error"}')
        elif self.path == "/garbage/predict":
            self._send(200, "<html>not a prediction</html>")
        elif self.path == "/hang/predict":
            time.sleep(5)
            self._send(200, "{}")
        else:
            self._send(404, "{}")

    def _send(self, status: int, body: str) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())
        except OSError:
            pass  # the caller gave up (the hang case): nothing to answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows failures, not every request."""


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """Base URL of a real threaded HTTP server on a loopback port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@contextmanager
def _serve(model_path: Path, **settings: str) -> Iterator[str]:
    """Run the production command on a free loopback port with extra settings."""
    port = _free_port()
    env = dict(
        os.environ,
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        ENVIRONMENT="production",
        MODEL_PATH=str(model_path),
        **settings,
    )
    process = subprocess.Popen(
        COMMAND, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{output}")
            try:
                if _request(f"{base}/ready", timeout=5)[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn was not ready within 60 s")
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown; TERM drains for seconds
        process.wait(timeout=15)
        if process.stdout:
            # Shown by pytest only when the test fails: the server's side of the story.
            print(process.stdout.read().decode(errors="replace")[-5000:])
            process.stdout.close()


def test_fan_out_calls_upstreams_concurrently(model_path: Path, upstream: str) -> None:
    urls = ",".join([f"{upstream}/slow"] * 3)
    with _serve(model_path, UPSTREAM_URLS=urls) as base:
        _Upstream.peak = 0
        started = time.perf_counter()
        status, body = _request(f"{base}/aggregate", {"features": SETOSA})
        elapsed = time.perf_counter() - started
    print(f"\nfan-out: 3 upstreams x {UPSTREAM_DELAY} s answered in {elapsed:.3f} s")
    assert status == 200
    assert [u["ok"] for u in body["results"]] == [True, True, True]
    assert body["model_versions"] == ["upstream-1"]
    assert all(u["elapsed_ms"] >= UPSTREAM_DELAY * 1000 for u in body["results"])
    assert body["combined"] == ANSWER["prediction"]
    assert _Upstream.peak == 3, "the upstream never saw the three calls at once"
    # One after another they would take 3 s.
    assert UPSTREAM_DELAY <= elapsed < 1.5, f"fan-out took {elapsed:.2f} s"


def test_failing_upstreams_are_reported_one_by_one(model_path: Path, upstream: str) -> None:
    refused = f"http://127.0.0.1:{_free_port()}"
    names = ["slow", "broken", "garbage", "hang"]
    urls = [f"{upstream}/{name}" for name in names] + [refused]
    with _serve(model_path, UPSTREAM_URLS=",".join(urls), UPSTREAM_TIMEOUT_SECONDS="1.5") as base:
        started = time.perf_counter()
        status, body = _request(f"{base}/aggregate", {"features": SETOSA})
        elapsed = time.perf_counter() - started
    assert status == 200
    results = {u["url"]: u for u in body["results"]}
    assert list(results) == urls
    assert results[urls[0]]["ok"] is True
    assert results[urls[1]]["error"] == "upstream answered HTTP 500"
    assert results[urls[2]]["error"] == "upstream answered an unexpected body"
    assert results[urls[3]]["error"] == "timed out after 1.5 s"
    assert results[refused]["error"] == "request failed: ConnectError"
    assert (body["succeeded"], body["failed"]) == (1, 4)
    assert body["combined"]["label"] == "versicolor"
    # Bounded by the timeout, not by the hanging upstream's 5 s.
    assert elapsed < 2.5, f"aggregate took {elapsed:.2f} s"


def _post_raw(url: str, body: bytes) -> tuple[int, bytes]:
    # Bytes in, bytes out: JSON work in this process would hold its GIL and skew the probe.
    request = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, response.read()


def _health_during_batches(base: str) -> tuple[list[float], float]:
    """/health latencies (s) sampled while BATCHES large batches run, and the batches' wall time."""
    body = json.dumps({"records": [SETOSA] * BATCH_SIZE}).encode()
    latencies: list[float] = []
    with ThreadPoolExecutor(BATCHES) as pool:
        started = time.perf_counter()
        batches = [pool.submit(_post_raw, f"{base}/predict/batch", body) for _ in range(BATCHES)]
        time.sleep(0.05)  # let the first batch start
        while not all(batch.done() for batch in batches):
            sent = time.perf_counter()
            with urllib.request.urlopen(f"{base}/health", timeout=30) as response:
                assert response.read() == b'{"status":"ok"}'
            latencies.append(time.perf_counter() - sent)
            time.sleep(0.02)
        wall = time.perf_counter() - started
    for batch in batches:
        status, answer = batch.result()
        assert status == 200
        assert json.loads(answer)["count"] == BATCH_SIZE
    return latencies, wall


def _p90(latencies: list[float]) -> float:
    return sorted(latencies)[int(0.9 * (len(latencies) - 1))]


def test_health_stays_responsive_during_large_batches(model_path: Path) -> None:
    with _serve(model_path, MAX_BATCH_SIZE=str(BATCH_SIZE), MAX_BODY_BYTES=BODY_LIMIT) as base:
        latencies, wall = _health_during_batches(base)
    p50, p90, worst = statistics.median(latencies), _p90(latencies), max(latencies)
    print(
        f"\n/health during {BATCHES} x {BATCH_SIZE}-record batches ({wall:.2f} s): "
        f"{len(latencies)} probes, median {p50 * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms, "
        f"max {worst * 1000:.1f} ms"
    )
    assert wall > 0.5, f"the batches took only {wall:.2f} s: too little load to tell"
    assert len(latencies) >= 10
    # The percentile, not the max: on a busy machine the OS alone can stall one probe.
    assert p50 < 0.05, f"median /health {p50 * 1000:.0f} ms"
    assert p90 < 0.15, f"p90 /health {p90 * 1000:.0f} ms"
    assert worst < 1.0, f"worst /health {worst * 1000:.0f} ms"


def test_inline_inference_would_block_health(model_path: Path) -> None:
    # The control: INFERENCE_CONCURRENCY=0 runs batches in the request greenlet, holding the hub.
    inline = {"INFERENCE_CONCURRENCY": "0", "MAX_BODY_BYTES": BODY_LIMIT}
    with _serve(model_path, MAX_BATCH_SIZE=str(BATCH_SIZE), **inline) as base:
        latencies, wall = _health_during_batches(base)
    worst = max(latencies)
    print(f"\ncontrol, inline inference: /health max {worst * 1000:.0f} ms ({wall:.2f} s)")
    # Inline, a probe waits behind whole batches (about 0.1 s each, queued back to back).
    assert worst > 0.5, "inline batches did not block /health: the check cannot tell"
