"""POST /predict/batch's CPU-bound work (parse, check, predict, encode), run in a worker thread.

A worker thread still needs the GIL, and pydantic holds it for a whole call, so big batches are
validated and encoded in chunks: between chunks the event loop's thread gets to run.
"""

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .artefact import Artefact
from .model import Outcome, predict
from .schemas import Measurements, Prediction

# Records per pydantic call: a few milliseconds of GIL at a time.
CHUNK_RECORDS = 500
_RECORDS = TypeAdapter(list[Measurements])
_OUTCOMES = TypeAdapter(list[Outcome])


class _Envelope(BaseModel):
    """The batch body's outer shape; records are validated afterwards, a chunk at a time."""

    model_config = ConfigDict(extra="forbid")
    records: list[dict[str, Any]] = Field(min_length=1)


class BatchTooLargeError(Exception):
    """A batch holds more records than MAX_BATCH_SIZE."""


class BatchInvalidError(Exception):
    """The batch body failed validation; `errors` are FastAPI-shaped (loc starts with "body")."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} validation errors")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A predicted batch: the encoded response body, and the records with their outcomes."""

    body: bytes
    records: list[Measurements]
    outcomes: list[Outcome]


def to_prediction(outcome: Outcome) -> Prediction:
    """The response shape of one outcome."""
    return Prediction(
        label=outcome.label, confidence=outcome.confidence, probabilities=outcome.probabilities
    )


def _body_errors(exc: ValidationError, *prefix: str | int) -> list[dict[str, Any]]:
    return [
        {**error, "loc": ("body", *prefix, *error["loc"])}
        # No `input`: it may be undecodable bytes, which the 422 encoder cannot serialise.
        for error in exc.errors(include_url=False, include_input=False)
    ]


def parse_records(raw: bytes, max_batch_size: int) -> list[Measurements]:
    """Validate the body: its envelope, its size (413 past the limit), then each record."""
    try:
        envelope = _Envelope.model_validate_json(raw)
    except ValidationError as exc:
        raise BatchInvalidError(_body_errors(exc)) from exc
    if len(envelope.records) > max_batch_size:
        raise BatchTooLargeError(
            f"batch of {len(envelope.records)} records exceeds MAX_BATCH_SIZE={max_batch_size}"
        )
    records: list[Measurements] = []
    for start in range(0, len(envelope.records), CHUNK_RECORDS):
        chunk = envelope.records[start : start + CHUNK_RECORDS]
        try:
            records += _RECORDS.validate_python(chunk)
        except ValidationError as exc:
            errors = _body_errors(exc, "records")
            for error in errors:  # chunk-relative index -> batch index
                error["loc"] = (*error["loc"][:2], error["loc"][2] + start, *error["loc"][3:])
            raise BatchInvalidError(errors) from exc
    return records


def encode_response(version: str, outcomes: list[Outcome]) -> bytes:
    """The BatchResponse JSON, serialised a chunk of predictions at a time."""
    parts = [
        _OUTCOMES.dump_json(outcomes[start : start + CHUNK_RECORDS])[1:-1]
        for start in range(0, len(outcomes), CHUNK_RECORDS)
    ]
    head = json.dumps({"model_version": version, "count": len(outcomes)})[:-1].encode()
    return head + b', "predictions": [' + b",".join(parts) + b"]}"


def run_batch(artefact: Artefact, raw: bytes, max_batch_size: int) -> BatchResult:
    """Blocking: parse, predict and encode a batch; call it from a worker thread."""
    records = parse_records(raw, max_batch_size)
    names = artefact.metadata.feature_names
    outcomes = predict(artefact, [record.row(names) for record in records])
    return BatchResult(encode_response(artefact.metadata.version, outcomes), records, outcomes)
