"""Request and response bodies of the model-serving API, validated by pydantic."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.json_schema import models_json_schema
from pydantic_core import PydanticCustomError

# Iris measurements are centimetres; anything outside this range is a typo, not a flower.
_Measure = Field(gt=0, le=100)


class IrisFeatures(BaseModel):
    """One flower's measurements, in centimetres."""

    model_config = ConfigDict(extra="forbid")

    sepal_length: float = _Measure
    sepal_width: float = _Measure
    petal_length: float = _Measure
    petal_width: float = _Measure

    def as_row(self) -> list[float]:
        """The measurements in the model's feature order."""
        return [self.sepal_length, self.sepal_width, self.petal_length, self.petal_width]


FEATURE_NAMES: tuple[str, ...] = tuple(IrisFeatures.model_fields)


class PredictRequest(BaseModel):
    """A single record to score."""

    model_config = ConfigDict(extra="forbid")

    features: IrisFeatures


BATCH_TOO_LARGE = "batch_too_large"


class BatchPredictRequest(BaseModel):
    """Many records to score at once; at most MAX_BATCH_SIZE of them."""

    model_config = ConfigDict(extra="forbid")

    records: list[IrisFeatures] = Field(min_length=1)

    @field_validator("records")
    @classmethod
    def _within_limit(cls, records: list[IrisFeatures], info: ValidationInfo) -> list[IrisFeatures]:
        # The limit is a setting, so it arrives as validation context rather than a constant.
        limit = (info.context or {}).get("max_batch_size")
        if limit is not None and len(records) > limit:
            raise PydanticCustomError(
                BATCH_TOO_LARGE,
                "Batch has {size} records; the limit is {limit}",
                {"size": len(records), "limit": limit},
            )
        return records


class Prediction(BaseModel):
    """The model's answer for one record."""

    label: str
    class_index: int = Field(ge=0)
    probabilities: dict[str, float]


class PredictResponse(BaseModel):
    """The answer to POST /predict."""

    model_version: str
    prediction: Prediction


class BatchPredictResponse(BaseModel):
    """The answer to POST /predict/batch, in request order."""

    model_version: str
    count: int = Field(ge=0)
    predictions: list[Prediction]


class ModelMetrics(BaseModel):
    """Scores on the held-out split at training time."""

    accuracy: float = Field(ge=0, le=1)
    f1_macro: float = Field(ge=0, le=1)
    test_size: int = Field(ge=1)


class ModelInfo(BaseModel):
    """The artefact's metadata: GET /model."""

    model_version: str
    algorithm: str
    dataset: str
    feature_names: list[str]
    target_names: list[str]
    trained_at: str
    metrics: ModelMetrics


class UpstreamResult(BaseModel):
    """One upstream's answer, or why there is none."""

    url: str
    ok: bool
    status_code: int | None = None
    elapsed_ms: float = Field(ge=0)
    model_version: str | None = None
    prediction: Prediction | None = None
    error: str | None = None


class AggregateResponse(BaseModel):
    """The answer to POST /aggregate: this model's prediction plus every upstream's."""

    model_version: str
    prediction: Prediction
    upstreams: list[UpstreamResult]
    succeeded: int = Field(ge=0)
    failed: int = Field(ge=0)
    consensus: str | None = Field(description="Most common label among this model and upstreams")


def openapi_schemas() -> dict[str, Any]:
    """OpenAPI component schemas for every body above."""
    models: list[type[BaseModel]] = [
        PredictRequest,
        BatchPredictRequest,
        PredictResponse,
        BatchPredictResponse,
        ModelInfo,
        AggregateResponse,
    ]
    _, schema = models_json_schema(
        [(model, "validation") for model in models], ref_template="#/components/schemas/{model}"
    )
    return dict(schema["$defs"])
