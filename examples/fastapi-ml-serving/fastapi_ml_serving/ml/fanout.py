"""POST /aggregate's engine: ask every upstream model at once and combine their answers."""

import asyncio
import time
from collections.abc import Sequence

import httpx
from pydantic import ValidationError

from .schemas import Prediction, PredictRequest, PredictResponse, UpstreamResult

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


async def ask_upstream(
    client: httpx.AsyncClient,
    name: str,
    base_url: str,
    body: PredictRequest,
    deadline_seconds: float,
) -> UpstreamResult:
    """POST the record to one upstream's /predict; every failure becomes a result, never a raise."""
    url = base_url.rstrip("/") + "/predict"
    started = time.perf_counter()
    status_code: int | None = None
    try:
        # httpx timeouts bound each read; this bounds the whole call, slow trickles included.
        async with (
            asyncio.timeout(deadline_seconds),
            client.stream("POST", url, json=body.model_dump()) as response,
        ):
            status_code = response.status_code
            response.raise_for_status()
            content = await _read_capped(response)
        answer = PredictResponse.model_validate_json(content)
    except TimeoutError:
        error = f"timed out after {deadline_seconds:g} s"
    except AnswerTooLargeError:
        error = f"upstream answered more than {MAX_ANSWER_BYTES} bytes"
    except httpx.HTTPStatusError:
        error = f"upstream answered HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"request failed: {type(exc).__name__}"
    except ValidationError:
        error = "upstream answered an unexpected body"
    else:
        return UpstreamResult(
            name=name,
            ok=True,
            status_code=status_code,
            elapsed_ms=_ms_since(started),
            model_version=answer.model_version,
            prediction=answer.prediction,
        )
    return UpstreamResult(
        name=name,
        ok=False,
        status_code=status_code,
        elapsed_ms=_ms_since(started),
        error=error,
    )


async def fan_out(
    client: httpx.AsyncClient, entries: list[str], body: PredictRequest, deadline_seconds: float
) -> list[UpstreamResult]:
    """Ask all upstreams (UPSTREAM_URLS entries) at once: it takes as long as the slowest one."""
    return list(
        await asyncio.gather(
            *(
                ask_upstream(client, name, url, body, deadline_seconds)
                for name, url in named(entries)
            )
        )
    )


async def _read_capped(response: httpx.Response) -> bytes:
    """The answer's body, refused as soon as it passes MAX_ANSWER_BYTES."""
    if _too_large_declared(response):
        raise AnswerTooLargeError
    content = bytearray()
    async for chunk in response.aiter_bytes():
        content += chunk
        if len(content) > MAX_ANSWER_BYTES:
            raise AnswerTooLargeError
    return bytes(content)


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
