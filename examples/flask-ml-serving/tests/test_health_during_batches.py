"""Inference never blocks the production server: /health answers while large batches run.

Through gunicorn + gevent, as in production: each worker predicts on its inference threads, so the
hub keeps serving other requests; a control run with inline inference shows what that buys.
"""

import json
import statistics
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

Serve = Callable[..., AbstractContextManager[str]]
SETOSA = {
    "sepal_length_cm": 5.1,
    "sepal_width_cm": 3.5,
    "petal_length_cm": 1.4,
    "petal_width_cm": 0.2,
}
# Large batches: together about a second of CPU on this worker.
BATCH_SIZE = 10_000
BATCHES = 10
LIMITS = {
    "MAX_BATCH_SIZE": str(BATCH_SIZE),
    "MAX_BODY_BYTES": str(8 * 1024 * 1024),
    # The batches log their predictions at the same time: a pooled connection each.
    "DB_POOL_MAX_SIZE": str(BATCHES),
}


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


def test_health_stays_responsive_during_large_batches(production_server: Serve) -> None:
    with production_server(**LIMITS) as base:
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


def test_inline_inference_would_block_health(production_server: Serve) -> None:
    # The control: INFERENCE_CONCURRENCY=0 runs batches in the request greenlet, holding the hub.
    with production_server(**LIMITS, INFERENCE_CONCURRENCY="0") as base:
        latencies, wall = _health_during_batches(base)
    worst = max(latencies)
    print(f"\ncontrol, inline inference: /health max {worst * 1000:.0f} ms ({wall:.2f} s)")
    # Inline, a probe waits behind whole batches (about 0.1 s each, queued back to back).
    assert worst > 0.5, "inline batches did not block /health: the check cannot tell"
