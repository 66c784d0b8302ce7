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
# An upstream answers one prediction, well under 1 KiB; an answer longer than this is refused as
# it arrives, so a broken or hostile upstream cannot fill this process's memory.
MAX_ANSWER_BYTES = 64 * 1024


class AnswerTooLargeError(Exception):
    """An upstream's answer grew past MAX_ANSWER_BYTES."""


def named(entries: Sequence[str]) -> list[tuple[str, str]]:
    """(name, base URL) of each UPSTREAM_URLS entry: `name=url`, or a bare URL named by position.

    Results name upstreams, never their URLs: a URL may carry credentials.
    """
    pairs: list[tuple[str, str]] = []
    for index, entry in enumerate(entries, start=1):
        name, equals, url = entry.partition("=")
        if equals and "://" not in name:
            pairs.append((name.strip(), url.strip()))
        else:
            pairs.append((f"upstream-{index}", entry))
    return pairs


def _too_large_declared(response: httpx.Response) -> bool:
    declared = response.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > MAX_ANSWER_BYTES


def call_upstream(
    client: httpx.Client, name: str, url: str, body: bytes, timeout: float
) -> UpstreamResult:
    """One upstream call; every failure becomes an error entry, never an exception."""
    started = time.perf_counter()

    def result(**fields: object) -> UpstreamResult:
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        return UpstreamResult.model_validate({"name": name, "elapsed_ms": elapsed_ms, **fields})

    status: int | None = None
    try:
        # httpx's timeout bounds each connect/read; gevent.Timeout bounds the whole call while
        # it waits, and the read loop checks the deadline between chunks that keep coming.
        with (
            gevent.Timeout(timeout),
            client.stream(
                "POST", predict_url(url), content=body, headers={"content-type": "application/json"}
            ) as response,
        ):
            status = response.status_code
            content = read_capped(response, started + timeout) if status == 200 else b""
    except (gevent.Timeout, httpx.TimeoutException, TimeoutError):
        return result(ok=False, status_code=status, error=f"timed out after {timeout:g} s")
    except AnswerTooLargeError:
        error = f"upstream answered more than {MAX_ANSWER_BYTES} bytes"
        return result(ok=False, status_code=status, error=error)
    except httpx.HTTPError as exc:
        return result(ok=False, error=f"request failed: {type(exc).__name__}")
    if status != 200:
        return result(ok=False, status_code=status, error=f"upstream answered HTTP {status}")
    try:
        answer = PredictResponse.model_validate_json(content)
    except ValidationError:
        return result(ok=False, status_code=200, error="upstream answered an unexpected body")
    return result(
        ok=True,
        status_code=200,
        model_version=answer.model_version,
        prediction=answer.prediction,
    )


def read_capped(response: httpx.Response, deadline: float) -> bytes:
    """The answer's body, refused past MAX_ANSWER_BYTES or once `deadline` (perf_counter) passes."""
    if _too_large_declared(response):
        raise AnswerTooLargeError
    content = bytearray()
    for chunk in response.iter_bytes():
        content += chunk
        if len(content) > MAX_ANSWER_BYTES:
            raise AnswerTooLargeError
        if time.perf_counter() > deadline:
            raise TimeoutError
    return bytes(content)


def init_app(app: App) -> None:
    """One pooled client per worker: connections and the TLS context are reused across requests."""
    app.extensions[EXTENSION] = httpx.Client(timeout=app.config["UPSTREAM_TIMEOUT_SECONDS"])


def client(app: App) -> httpx.Client:
    """The app's upstream client."""
    upstream_client: httpx.Client = app.extensions[EXTENSION]
    return upstream_client


def fan_out(
    client: httpx.Client, entries: Sequence[str], request: PredictRequest, timeout: float
) -> list[UpstreamResult]:
    """Every upstream's result, in the order of `entries` (UPSTREAM_URLS), all in flight at once.

    Each entry names an upstream service's base URL; it is sent the same body at `{url}/predict`.
    """
    if not entries:
        return []
    body = request.model_dump_json().encode()
    pool = Pool(size=len(entries))
    upstreams = named(entries)
    return list(pool.imap(lambda up: call_upstream(client, up[0], up[1], body, timeout), upstreams))


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
