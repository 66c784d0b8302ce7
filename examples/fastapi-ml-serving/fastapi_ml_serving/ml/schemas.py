"""Request and response bodies; every response names the model version that produced it."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..validation import error_entries, json_error, missing_body, parse_json

# Records per pydantic call while parsing a batch: a few milliseconds of GIL at a time, so the
# server's other requests get to run between chunks.
CHUNK_RECORDS = 500


class Schema(BaseModel):
    """Base for these bodies: no unknown fields, no non-finite floats; `model_*` names allowed."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, protected_namespaces=())


class Measurements(Schema):
    """One flower, measured in centimetres; the model's input features."""

    sepal_length_cm: float = Field(gt=0, le=100, examples=[5.1])
    sepal_width_cm: float = Field(gt=0, le=100, examples=[3.5])
    petal_length_cm: float = Field(gt=0, le=100, examples=[1.4])
    petal_width_cm: float = Field(gt=0, le=100, examples=[0.2])

    def row(self, feature_names: tuple[str, ...]) -> list[float]:
        """The values in the order the model was trained on."""
        return [float(getattr(self, name)) for name in feature_names]


class PredictRequest(Schema):
    """Body of POST /predict and POST /aggregate: one record."""

    features: Measurements


class BatchRequest(Schema):
    """Body of POST /predict/batch: up to MAX_BATCH_SIZE records (413 past it)."""

    records: list[Measurements] = Field(min_length=1)


class BatchTooLargeError(Exception):
    """A batch holds more records than MAX_BATCH_SIZE (answered with 413)."""


class BatchInvalidError(Exception):
    """A batch body failed validation; `errors` are the 422 body's entries."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} validation errors")
        self.errors = errors


class _Envelope(Schema):
    """A batch body's outer shape; its records are validated afterwards, a chunk at a time."""

    records: list[Any] = Field(min_length=1)


_RECORDS = TypeAdapter(list[Measurements])


def parse_records(raw: bytes, max_batch_size: int) -> list[Measurements]:
    """A batch body's records: the envelope, its size (413 past the limit), then each record."""
    if not raw:
        raise BatchInvalidError([missing_body()])
    try:
        data = parse_json(raw)
    except ValueError as exc:
        raise BatchInvalidError([json_error(str(exc))]) from None
    try:
        # from_attributes, as FastAPI validates bodies: the same messages as every other route.
        envelope = _Envelope.model_validate(data, from_attributes=True)
    except ValidationError as exc:
        raise BatchInvalidError(error_entries(exc, "body")) from None
    if len(envelope.records) > max_batch_size:
        raise BatchTooLargeError(
            f"batch of {len(envelope.records)} records exceeds MAX_BATCH_SIZE={max_batch_size}"
        )
    records: list[Measurements] = []
    for start in range(0, len(envelope.records), CHUNK_RECORDS):
        chunk = envelope.records[start : start + CHUNK_RECORDS]
        try:
            records += _RECORDS.validate_python(chunk, from_attributes=True)
        except ValidationError as exc:
            errors = error_entries(exc, "body", "records")
            for error in errors:  # chunk-relative index -> batch index
                error["loc"][2] += start
            raise BatchInvalidError(errors) from None
    return records


class Prediction(Schema):
    """The model's answer for one record."""

    label: str
    confidence: float = Field(ge=0, le=1)
    probabilities: dict[str, float]


class PredictResponse(Schema):
    """Body of POST /predict."""

    model_version: str
    prediction: Prediction


class BatchResponse(Schema):
    """Body of POST /predict/batch: predictions in the order of the records."""

    model_version: str
    count: int
    predictions: list[Prediction]


class ModelInfo(Schema):
    """Body of GET /model: the loaded model's metadata."""

    model_version: str
    algorithm: str
    dataset: str
    feature_names: list[str]
    class_names: list[str]
    trained_at: datetime
    metrics: dict[str, float]
    n_train: int
    n_test: int


class UpstreamResult(Schema):
    """One upstream's part of an aggregate: its prediction, or why there is none."""

    name: str
    ok: bool
    status_code: int | None = None
    elapsed_ms: float
    model_version: str | None = None
    prediction: Prediction | None = None
    error: str | None = None


class AggregateResponse(Schema):
    """Body of POST /aggregate: every upstream's result and their combined answer."""

    model_versions: list[str]
    succeeded: int
    failed: int
    combined: Prediction | None
    results: list[UpstreamResult]


class ErrorMessage(Schema):
    """Body of 413 and 503 responses: {"detail": "..."}."""

    detail: str
