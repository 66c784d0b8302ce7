"""Request and response bodies; every response names the model version that produced it."""

from datetime import datetime
{%- if framework == 'flask' %}
from typing import Any
{%- endif %}

{% if framework == 'fastapi' -%}
from pydantic import BaseModel, ConfigDict, Field
{%- else -%}
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.json_schema import models_json_schema
from pydantic_core import PydanticCustomError

BATCH_TOO_LARGE = "batch_too_large"
{%- endif %}


class Schema(BaseModel):
    """Base for these bodies: unknown fields are refused, and `model_*` names are allowed."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class Measurements(Schema):
    """One flower, measured in centimetres; the model's input features."""

    sepal_length_cm: float = Field(gt=0, le=100, examples=[5.1])
    sepal_width_cm: float = Field(gt=0, le=100, examples=[3.5])
    petal_length_cm: float = Field(gt=0, le=100, examples=[1.4])
    petal_width_cm: float = Field(gt=0, le=100, examples=[0.2])

{%- if framework == 'fastapi' %}

    def row(self, feature_names: tuple[str, ...]) -> list[float]:
        """The values in the order the model was trained on."""
        return [float(getattr(self, name)) for name in feature_names]
{%- else %}

    def as_row(self) -> list[float]:
        """The measurements in the model's feature order."""
        return [
            self.sepal_length_cm,
            self.sepal_width_cm,
            self.petal_length_cm,
            self.petal_width_cm,
        ]


FEATURE_NAMES: tuple[str, ...] = tuple(Measurements.model_fields)
{%- endif %}


class PredictRequest(Schema):
    """Body of POST /predict and POST /aggregate: one record."""

    features: Measurements


class BatchRequest(Schema):
    """Body of POST /predict/batch: up to MAX_BATCH_SIZE records (413 past it)."""

    records: list[Measurements] = Field(min_length=1)
{%- if framework == 'flask' %}

    @field_validator("records")
    @classmethod
    def _within_limit(cls, records: list[Measurements], info: ValidationInfo) -> list[Measurements]:
        # The limit is a setting, so it arrives as validation context rather than a constant.
        limit = (info.context or {}).get("max_batch_size")
        if limit is not None and len(records) > limit:
            raise PydanticCustomError(
                BATCH_TOO_LARGE,
                "Batch has {size} records; the limit is {limit}",
                {"size": len(records), "limit": limit},
            )
        return records
{%- endif %}


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

    url: str
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
{%- if framework == 'fastapi' %}


class ErrorMessage(Schema):
    """Body of 413 and 503 responses: {"detail": "..."}."""

    detail: str
{%- else %}


def openapi_schemas() -> dict[str, Any]:
    """OpenAPI component schemas for every body above."""
    models: list[type[BaseModel]] = [
        PredictRequest,
        BatchRequest,
        PredictResponse,
        BatchResponse,
        ModelInfo,
        AggregateResponse,
    ]
    _, schema = models_json_schema(
        [(model, "validation") for model in models], ref_template="#/components/schemas/{model}"
    )
    return dict(schema["$defs"])
{%- endif %}
