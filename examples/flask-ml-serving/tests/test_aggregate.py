"""Fan-out through the real production server (gunicorn + gevent): every upstream at once.

Upstream models are real HTTP servers on loopback ports; nothing here is mocked.
"""

import json
import resource
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flask_ml_serving.ml.fanout import MAX_ANSWER_BYTES

Serve = Callable[..., AbstractContextManager[str]]
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


class EndlessUpstream(BaseHTTPRequestHandler):
    """/flood/predict streams an endless body as fast as it can; /trickle/ a byte per 50 ms."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        flood = self.path.startswith("/flood/")
        chunk = b"[" * 65536 if flood else b" "
        try:
            while True:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                if not flood:
                    time.sleep(0.05)
        except OSError:
            return  # the client hung up, as it should

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


def peak_resident_bytes() -> int:
    """This process's peak resident memory so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


@pytest.fixture(scope="module")
def endless_upstream() -> Iterator[str]:
    """A real HTTP server whose answers never end."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EndlessUpstream)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_fan_out_calls_upstreams_concurrently(production_server: Serve, upstream: str) -> None:
    urls = ",".join([f"{upstream}/slow"] * 3)
    with production_server(UPSTREAM_URLS=urls) as base:
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


def test_failing_upstreams_are_reported_one_by_one(
    production_server: Serve, upstream: str, closed_port_url: str
) -> None:
    names = ["slow", "broken", "garbage", "hang"]
    urls = [f"{name}={upstream}/{name}" for name in names] + [closed_port_url]
    with production_server(UPSTREAM_URLS=",".join(urls), UPSTREAM_TIMEOUT_SECONDS="1.5") as base:
        started = time.perf_counter()
        status, body = _request(f"{base}/aggregate", {"features": SETOSA})
        elapsed = time.perf_counter() - started
    assert status == 200
    results = {u["name"]: u for u in body["results"]}
    assert list(results) == [*names, "upstream-5"], "configured order; a bare URL by position"
    assert results["slow"]["ok"] is True
    assert results["broken"]["error"] == "upstream answered HTTP 500"
    assert results["garbage"]["error"] == "upstream answered an unexpected body"
    assert results["hang"]["error"] == "timed out after 1.5 s"
    assert results["upstream-5"]["error"] == "request failed: ConnectError"
    assert (body["succeeded"], body["failed"]) == (1, 4)
    assert body["combined"]["label"] == "versicolor"
    # Bounded by the timeout, not by the hanging upstream's 5 s.
    assert elapsed < 2.5, f"aggregate took {elapsed:.2f} s"


def test_aggregate_without_upstreams_is_empty(client: FlaskClient) -> None:
    response = client.post("/aggregate", json={"features": SETOSA})
    assert response.status_code == 200
    assert response.json == {
        "model_versions": [],
        "succeeded": 0,
        "failed": 0,
        "combined": None,
        "results": [],
    }


def test_endless_answers_are_cut_off_and_memory_stays_bounded(
    app: Flask, client: FlaskClient, endless_upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In this process (no gevent patching here): the size cap and the deadline checked between
    # chunks hold without gevent.Timeout's help.
    urls = [f"flood={endless_upstream}/flood", f"trickle={endless_upstream}/trickle"]
    monkeypatch.setitem(app.config, "UPSTREAM_URLS", urls)
    monkeypatch.setitem(app.config, "UPSTREAM_TIMEOUT_SECONDS", 1.5)
    peak_before = peak_resident_bytes()
    started = time.perf_counter()
    response = client.post("/aggregate", json={"features": SETOSA})
    elapsed = time.perf_counter() - started
    grown = peak_resident_bytes() - peak_before
    print(f"endless upstreams: answered in {elapsed:.2f} s, peak memory +{grown / 2**20:.1f} MiB")
    assert response.status_code == 200
    assert response.json is not None
    results = {r["name"]: r for r in response.json["results"]}
    assert results["flood"]["error"] == f"upstream answered more than {MAX_ANSWER_BYTES} bytes"
    assert results["trickle"]["error"] == "timed out after 1.5 s"
    # Reading the flood whole would take hundreds of MiB; the trickle never ends by itself.
    assert grown < 64 * 2**20
    assert elapsed < 2.5
