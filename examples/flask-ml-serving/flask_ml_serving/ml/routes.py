"""Prediction endpoints: POST /predict, POST /predict/batch, GET /model, POST /aggregate."""

from typing import NamedTuple

from flask import Blueprint, Response, current_app
from flask.typing import ResponseReturnValue

from ..errors import RequestValidationError
from ..openapi import api
from ..security import read_body
from . import fanout
from .model import LoadedModel, ModelNotLoadedError, state
from .prediction_log import log_predictions
from .schemas import (
    AggregateResponse,
    BatchInvalidError,
    BatchRequest,
    BatchResponse,
    BatchTooLargeError,
    Measurements,
    ModelInfo,
    Prediction,
    PredictRequest,
    PredictResponse,
    parse_records,
)

bp = Blueprint("ml", __name__)
# The upstream client belongs to the app that registers these routes (one per worker).
bp.record_once(lambda setup: fanout.init_app(setup.app))


@bp.errorhandler(ModelNotLoadedError)
def _not_loaded(error: ModelNotLoadedError) -> ResponseReturnValue:
    return {"detail": str(error)}, 503


class ScoredBatch(NamedTuple):
    """A validated batch, its predictions, and the response body already serialised."""

    records: list[Measurements]
    predictions: list[Prediction]
    body: bytes


def _score_batch(
    model: LoadedModel, body: bytes, limit: int
) -> ScoredBatch | BatchTooLargeError | BatchInvalidError:
    # Runs on an inference thread: parsing and serialising thousands of records is CPU work too.
    try:
        records = parse_records(body, limit)
    except (BatchTooLargeError, BatchInvalidError) as exc:
        return exc  # returned, not raised: gevent logs exceptions escaping a pool thread
    predictions = model.predict([record.as_row() for record in records])
    answer = BatchResponse(
        model_version=model.version, count=len(predictions), predictions=predictions
    )
    return ScoredBatch(records, predictions, answer.model_dump_json().encode())


@bp.post("/predict")
@api(body=PredictRequest, response=PredictResponse, errors=(422, 503))
def predict(body: PredictRequest) -> PredictResponse:
    """Score one record."""
    model_state = state()
    model = model_state.require()
    [prediction] = model_state.run(model.predict, [body.features.as_row()])
    log_predictions(model.version, [body.features], [prediction])
    return PredictResponse(model_version=model.version, prediction=prediction)


@bp.post("/predict/batch")
# The view validates the body against BatchRequest itself: a chunk at a time, off the hub.
@api(body=BatchRequest, validate_body=False, response=BatchResponse, errors=(413, 422, 503))
def predict_batch() -> ResponseReturnValue:
    """Score up to MAX_BATCH_SIZE records in one call, in order.

    More than MAX_BATCH_SIZE records, or a body over MAX_BODY_BYTES, is answered with 413.
    """
    model_state = state()
    model = model_state.require()
    # Reading the body enforces MAX_BODY_BYTES (413) before any parsing.
    raw = read_body()
    scored = model_state.run(_score_batch, model, raw, current_app.config["MAX_BATCH_SIZE"])
    if isinstance(scored, BatchTooLargeError):
        return {"detail": str(scored)}, 413
    if isinstance(scored, BatchInvalidError):
        raise RequestValidationError(scored.errors)
    log_predictions(model.version, scored.records, scored.predictions)
    return Response(scored.body, mimetype="application/json")


@bp.get("/model")
@api(response=ModelInfo, errors=(503,))
def model_info() -> ModelInfo:
    """The loaded model's metadata: version, features, classes, training time and metrics."""
    return state().require().info


@bp.post("/aggregate")
@api(body=PredictRequest, response=AggregateResponse, errors=(422,))
def aggregate(body: PredictRequest) -> AggregateResponse:
    """Ask every UPSTREAM_URLS model at once; a failing upstream is reported, never a 5xx.

    Each upstream's result (a failed upstream is an entry with ok=false and an error), the
    versions that answered, and their combined (probability-averaged) prediction.
    """
    config = current_app.config
    results = fanout.fan_out(
        fanout.client(current_app),
        config["UPSTREAM_URLS"],
        body,
        config["UPSTREAM_TIMEOUT_SECONDS"],
    )
    succeeded = sum(result.ok for result in results)
    return AggregateResponse(
        model_versions=sorted({r.model_version for r in results if r.model_version}),
        succeeded=succeeded,
        failed=len(results) - succeeded,
        combined=fanout.combine(results),
        results=results,
    )
