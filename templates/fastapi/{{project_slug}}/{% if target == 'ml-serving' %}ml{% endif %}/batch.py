"""POST /predict/batch's CPU-bound work (parse, check, predict, encode), run in a worker thread.

A worker thread still needs the GIL, and pydantic holds it for a whole call, so big batches are
validated (schemas.parse_records) and encoded in chunks: between chunks the event loop's thread
gets to run.
"""

import json
from dataclasses import dataclass

from pydantic import TypeAdapter

from .artefact import Artefact
from .model import Outcome, predict
from .schemas import CHUNK_RECORDS, Measurements, Prediction, parse_records

_OUTCOMES = TypeAdapter(list[Outcome])


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


def encode_response(version: str, outcomes: list[Outcome]) -> bytes:
    """The BatchResponse JSON, compact like every other body, a chunk of predictions at a time."""
    parts = [
        _OUTCOMES.dump_json(outcomes[start : start + CHUNK_RECORDS])[1:-1]
        for start in range(0, len(outcomes), CHUNK_RECORDS)
    ]
    head = {"model_version": version, "count": len(outcomes)}
    opening = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1].encode()
    return opening + b',"predictions":[' + b",".join(parts) + b"]}"


def run_batch(artefact: Artefact, raw: bytes, max_batch_size: int) -> BatchResult:
    """Blocking: parse, predict and encode a batch; call it from a worker thread."""
    records = parse_records(raw, max_batch_size)
    names = artefact.metadata.feature_names
    outcomes = predict(artefact, [record.row(names) for record in records])
    return BatchResult(encode_response(artefact.metadata.version, outcomes), records, outcomes)
