"""POST /aggregate's engine: ask every upstream model at once and combine their answers."""

import asyncio
import time

import httpx
from pydantic import ValidationError

from .schemas import Prediction, PredictRequest, PredictResponse, UpstreamResult


async def ask_upstream(
    client: httpx.AsyncClient, base_url: str, body: PredictRequest, deadline_seconds: float
) -> UpstreamResult:
    """POST the record to one upstream's /predict; every failure becomes a result, never a raise."""
    url = base_url.rstrip("/") + "/predict"
    started = time.perf_counter()
    status_code: int | None = None
    try:
        # httpx timeouts bound each read; this bounds the whole call, slow trickles included.
        async with asyncio.timeout(deadline_seconds):
            response = await client.post(url, json=body.model_dump())
        status_code = response.status_code
        response.raise_for_status()
        answer = PredictResponse.model_validate_json(response.content)
    except TimeoutError:
        error = f"timed out after {deadline_seconds:g} s"
    except httpx.HTTPStatusError:
        error = f"upstream answered HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"request failed: {type(exc).__name__}"
    except ValidationError:
        error = "upstream answered an unexpected body"
    else:
        return UpstreamResult(
            url=base_url,
            ok=True,
            status_code=status_code,
            elapsed_ms=_ms_since(started),
            model_version=answer.model_version,
            prediction=answer.prediction,
        )
    return UpstreamResult(
        url=base_url,
        ok=False,
        status_code=status_code,
        elapsed_ms=_ms_since(started),
        error=error,
    )


async def fan_out(
    client: httpx.AsyncClient, base_urls: list[str], body: PredictRequest, deadline_seconds: float
) -> list[UpstreamResult]:
    """Ask all upstreams concurrently: the whole call takes as long as the slowest one."""
    return list(
        await asyncio.gather(
            *(ask_upstream(client, url, body, deadline_seconds) for url in base_urls)
        )
    )


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


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
