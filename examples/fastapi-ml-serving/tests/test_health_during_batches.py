"""The event loop stays free: /health answers quickly while a large batch is being predicted."""

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient, Response

from fastapi_ml_serving.config import get_settings
from fastapi_ml_serving.main import create_app
from fastapi_ml_serving.ml import artefact, model

pytestmark = pytest.mark.anyio
BATCH_SIZE = 10_000
# "About 100 ms" with headroom for a loaded CI machine; a blocked loop takes far longer.
HEALTH_BUDGET_SECONDS = 0.25
PROBE_INTERVAL_SECONDS = 0.01
RECORD = {
    "sepal_length_cm": 6.3,
    "sepal_width_cm": 2.9,
    "petal_length_cm": 5.6,
    "petal_width_cm": 1.8,
}


async def _probe_health_while(
    client: AsyncClient, work: Callable[[], Awaitable[object]], busy: Callable[[], bool]
) -> tuple[list[float], int]:
    """Run `work` while probing GET /health; returns the latencies and how many probed it busy."""
    latencies: list[float] = []
    overlapping = 0
    done = anyio.Event()

    async def run_work() -> None:
        try:
            await work()
        finally:
            done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(run_work)
        while not done.is_set():
            # Timed from when the probe was due: a blocked loop delays waking up, too.
            due = time.perf_counter() + PROBE_INTERVAL_SECONDS
            await anyio.sleep(PROBE_INTERVAL_SECONDS)
            overlapping += busy()
            response = await client.get("/health")
            latencies.append(time.perf_counter() - due)
            assert response.status_code == 200
    return latencies, overlapping


@pytest.mark.usefixtures("_migrated")
async def test_health_answers_while_a_large_batch_runs() -> None:
    settings = get_settings().model_copy(
        update={"max_batch_size": BATCH_SIZE, "max_body_bytes": 8 * 1024 * 1024}
    )
    app = create_app(settings)
    async with (
        LifespanManager(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://localhost") as client,
    ):
        holder: model.ModelHolder = app.state.model

        # Encoded up front: the test's own JSON work must not count against the server.
        body = json.dumps({"records": [RECORD] * BATCH_SIZE}).encode()
        responses: list[Response] = []

        async def batch() -> None:
            started = time.perf_counter()
            responses.append(
                await client.post(
                    "/predict/batch", content=body, headers={"Content-Type": "application/json"}
                )
            )
            print(f"batch of {BATCH_SIZE}: {time.perf_counter() - started:.3f} s")

        latencies, overlapping = await _probe_health_while(
            client, batch, lambda: holder.limiter.borrowed_tokens > 0
        )
    print(
        f"/health during the batch: max {max(latencies) * 1000:.1f} ms over {len(latencies)} probes"
    )
    assert responses[0].status_code == 200
    assert responses[0].json()["count"] == BATCH_SIZE
    assert overlapping >= 3, "the probes must run while inference is in progress"
    assert max(latencies) < HEALTH_BUDGET_SECONDS


async def test_control_inference_on_the_loop_stalls_health(
    client: AsyncClient, trained_model: Path
) -> None:
    """The same work run directly on the event loop: the probe above would catch it."""
    loaded = artefact.load(trained_model)
    rows = [list(RECORD.values())] * BATCH_SIZE
    running = False
    blocked: list[float] = []

    async def blocking() -> None:
        nonlocal running
        await anyio.sleep(0.02)  # let the first probe start
        running = True
        started = time.perf_counter()
        # Batches predicted back to back for twice the budget, however fast this machine is.
        while time.perf_counter() - started < 2 * HEALTH_BUDGET_SECONDS:
            model.predict(loaded, rows)  # the "async illusion": CPU work inside async code
        blocked.append(time.perf_counter() - started)
        running = False

    latencies, _ = await _probe_health_while(client, blocking, lambda: running)
    print(f"/health with inference on the loop: max {max(latencies) * 1000:.1f} ms")
    # The probe waited out the whole blocking call: this is what the test above rules out.
    assert max(latencies) >= 0.9 * blocked[0]
    assert max(latencies) > HEALTH_BUDGET_SECONDS
