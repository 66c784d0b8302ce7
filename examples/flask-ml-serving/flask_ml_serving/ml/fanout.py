"""POST one record to every upstream model at once, report each answer, combine them.

Concurrency comes from a gevent pool over httpx's blocking client: under gunicorn's gevent
worker the socket module is monkey-patched, so each call yields while it waits on the network.
"""

import time
from collections.abc import Sequence

import gevent
import httpx
from flask.sansio.app import App
from gevent.pool import Pool
from pydantic import ValidationError

from .schemas import Prediction, PredictRequest, PredictResponse, UpstreamResult

EXTENSION = "upstream_client"


def call_upstream(client: httpx.Client, url: str, body: bytes, timeout: float) -> UpstreamResult:
    """One upstream call; every failure becomes an error entry, never an exception."""
    started = time.perf_counter()

    def result(**fields: object) -> UpstreamResult:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        return UpstreamResult.model_validate({"url": url, "elapsed_ms": elapsed_ms, **fields})

    try:
        # httpx's timeout bounds each connect/read; gevent.Timeout bounds the whole call.
        with gevent.Timeout(timeout):
            response = client.post(
                predict_url(url), content=body, headers={"content-type": "application/json"}
            )
    except (gevent.Timeout, httpx.TimeoutException):
        return result(ok=False, error=f"timed out after {timeout:g} s")
    except httpx.HTTPError as exc:
        return result(ok=False, error=f"request failed: {type(exc).__name__}")
    if response.status_code != 200:
        status = response.status_code
        return result(ok=False, status_code=status, error=f"upstream answered HTTP {status}")
    try:
        answer = PredictResponse.model_validate_json(response.content)
    except ValidationError:
        return result(ok=False, status_code=200, error="upstream answered an unexpected body")
    return result(
        ok=True,
        status_code=200,
        model_version=answer.model_version,
        prediction=answer.prediction,
    )


def init_app(app: App) -> None:
    """One pooled client per worker: connections and the TLS context are reused across requests."""
    app.extensions[EXTENSION] = httpx.Client(timeout=app.config["UPSTREAM_TIMEOUT_SECONDS"])


def client(app: App) -> httpx.Client:
    """The app's upstream client."""
    upstream_client: httpx.Client = app.extensions[EXTENSION]
    return upstream_client


def fan_out(
    client: httpx.Client, urls: Sequence[str], request: PredictRequest, timeout: float
) -> list[UpstreamResult]:
    """Every upstream's result, in the order of `urls`, all calls in flight at once.

    Each url is an upstream service's base URL; it is sent the same body at `{url}/predict`.
    """
    if not urls:
        return []
    body = request.model_dump_json().encode()
    pool = Pool(size=len(urls))
    return list(pool.imap(lambda url: call_upstream(client, url, body, timeout), urls))


def predict_url(base_url: str) -> str:
    """The upstream's POST /predict endpoint."""
    return base_url.rstrip("/") + "/predict"


def combine(results: list[UpstreamResult]) -> Prediction | None:
    """Soft voting: average the class probabilities of the upstreams that answered."""
    answers = [r.prediction for r in results if r.prediction is not None]
    if not answers:
        return None
    classes = sorted({name for answer in answers for name in answer.probabilities})
    mean = {
        name: round(sum(a.probabilities.get(name, 0.0) for a in answers) / len(answers), 6)
        for name in classes
    }
    label = max(mean, key=mean.__getitem__)
    return Prediction(label=label, confidence=mean[label], probabilities=mean)
