"""Fan-out: POST /aggregate asks real upstream servers concurrently and reports each one."""

import json
import resource
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from httpx import AsyncClient

from fastapi_ml_serving.config import Settings, get_settings
from fastapi_ml_serving.ml.fanout import MAX_ANSWER_BYTES

pytestmark = pytest.mark.anyio
MakeClient = Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]
UPSTREAM_DELAY_SECONDS = 1.0
RECORD = {
    "features": {
        "sepal_length_cm": 5.1,
        "sepal_width_cm": 3.5,
        "petal_length_cm": 1.4,
        "petal_width_cm": 0.2,
    }
}


class SlowModel(BaseHTTPRequestHandler):
    """An upstream model service that takes a second to answer; its path picks the behaviour."""

    def do_POST(self) -> None:
        """/ok-N/predict answers after 1 s; /broken/ fails with 500; /stall/ answers too late."""
        self.rfile.read(int(self.headers["Content-Length"]))
        name = self.path.split("/")[1]
        time.sleep(5 * UPSTREAM_DELAY_SECONDS if name == "stall" else UPSTREAM_DELAY_SECONDS)
        if name == "broken":
            self._send(500, {"detail": "Internal Server Error"})
            return
        probabilities = {"setosa": 0.8, "versicolor": 0.15, "virginica": 0.05}
        prediction = {"label": "setosa", "confidence": 0.8, "probabilities": probabilities}
        self._send(200, {"model_version": f"upstream-{name}", "prediction": prediction})

    def _send(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


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


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def endless_upstream() -> Iterator[str]:
    """A real HTTP server whose answers never end."""
    yield from _serve(EndlessUpstream)


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    """A real HTTP server on a free loopback port, one thread per request."""
    yield from _serve(SlowModel)


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _settings(urls: list[str], deadline: float = 3.0) -> Settings:
    return get_settings().model_copy(
        update={"upstream_urls": urls, "upstream_timeout_seconds": deadline}
    )


async def test_three_slow_upstreams_answer_in_parallel(
    make_client: MakeClient, upstream: str
) -> None:
    urls = [f"{upstream}/ok-{n}" for n in range(3)]
    async with make_client(_settings(urls)) as client:
        started = time.perf_counter()
        response = await client.post("/aggregate", json=RECORD)
        elapsed = time.perf_counter() - started
    print(f"fan-out over 3 upstreams of {UPSTREAM_DELAY_SECONDS} s each: {elapsed:.3f} s")
    assert response.status_code == 200
    body = response.json()
    assert body["succeeded"] == 3
    assert body["failed"] == 0
    assert all(r["elapsed_ms"] >= 1000 * UPSTREAM_DELAY_SECONDS for r in body["results"])
    # Sequential calls would take 3 s; concurrent ones take about as long as one.
    assert UPSTREAM_DELAY_SECONDS <= elapsed < 1.5
    assert body["model_versions"] == ["upstream-ok-0", "upstream-ok-1", "upstream-ok-2"]
    assert body["combined"]["label"] == "setosa"
    assert body["combined"]["confidence"] == pytest.approx(0.8)


async def test_failing_upstreams_are_reported_each_not_as_500(
    make_client: MakeClient, upstream: str, closed_port_url: str
) -> None:
    names = ["ok", "broken", "refused", "stall"]
    bases = [f"{upstream}/ok-0", f"{upstream}/broken", closed_port_url, f"{upstream}/stall"]
    urls = [f"{name}={base}" for name, base in zip(names, bases, strict=True)]
    async with make_client(_settings(urls, deadline=1.5)) as client:
        started = time.perf_counter()
        response = await client.post("/aggregate", json=RECORD)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    body = response.json()
    results = {r["name"]: r for r in body["results"]}
    assert list(results) == names, "results keep the configured order, by name"
    assert results["ok"]["ok"] is True
    assert results["broken"]["error"] == "upstream answered HTTP 500"
    assert results["broken"]["status_code"] == 500
    assert results["refused"]["error"] == "request failed: ConnectError"
    assert results["stall"]["error"] == "timed out after 1.5 s"
    assert (body["succeeded"], body["failed"]) == (1, 3)
    assert body["combined"]["label"] == "setosa", "the upstream that answered still counts"
    # The stalled upstream is cut off at its deadline, not awaited for its full 5 s.
    assert elapsed < 2.5


async def test_no_upstream_answers_means_no_combined_prediction(
    make_client: MakeClient, closed_port_url: str
) -> None:
    async with make_client(_settings([closed_port_url])) as client:
        response = await client.post("/aggregate", json=RECORD)
    assert response.status_code == 200
    assert response.json()["combined"] is None
    assert response.json()["failed"] == 1


async def test_aggregate_validates_the_record(client: AsyncClient) -> None:
    response = await client.post("/aggregate", json={"features": {"sepal_length_cm": 0}})
    assert response.status_code == 422


async def test_endless_answers_are_cut_off_and_memory_stays_bounded(
    make_client: MakeClient, endless_upstream: str
) -> None:
    urls = [f"flood={endless_upstream}/flood", f"trickle={endless_upstream}/trickle"]
    peak_before = peak_resident_bytes()
    async with make_client(_settings(urls, deadline=1.5)) as client:
        started = time.perf_counter()
        response = await client.post("/aggregate", json=RECORD)
        elapsed = time.perf_counter() - started
    grown = peak_resident_bytes() - peak_before
    print(f"endless upstreams: answered in {elapsed:.2f} s, peak memory +{grown / 2**20:.1f} MiB")
    assert response.status_code == 200
    results = {r["name"]: r for r in response.json()["results"]}
    assert results["flood"]["error"] == f"upstream answered more than {MAX_ANSWER_BYTES} bytes"
    assert results["trickle"]["error"] == "timed out after 1.5 s"
    # Reading the flood whole would take hundreds of MiB; the trickle never ends by itself.
    assert grown < 64 * 2**20
    assert elapsed < 2.5
