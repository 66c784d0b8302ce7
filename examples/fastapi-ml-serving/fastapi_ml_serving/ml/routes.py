"""HTTP routes for the model: single and batch predictions, its metadata, and fan-out."""

from dataclasses import asdict
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError

from ..deps import DatabaseDep, HttpClient, SettingsDep
from ..validation import StrictJSONRoute
from . import fanout
from .artefact import Artefact
from .batch import run_batch, to_prediction
from .model import ModelHolder, predict
from .prediction_log import encode_log, log_predictions
from .schemas import (
    AggregateResponse,
    BatchInvalidError,
    BatchRequest,
    BatchResponse,
    BatchTooLargeError,
    ErrorMessage,
    ModelInfo,
    PredictRequest,
    PredictResponse,
)

NOT_LOADED: dict[int | str, dict[str, Any]] = {503: {"model": ErrorMessage}}
TOO_LARGE: dict[int | str, dict[str, Any]] = {413: {"model": ErrorMessage}}
# FastAPI's own 422 body, which it documents for routes whose body it parses itself.
INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Validation Error",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    }
}
# The batch body is parsed in a worker thread, so its schema is declared for the docs here;
# its records point at Measurements, which /predict's body already puts in the components.
_BATCH_SCHEMA = BatchRequest.model_json_schema(ref_template="#/components/schemas/{model}")
_BATCH_SCHEMA.pop("$defs", None)
BATCH_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": _BATCH_SCHEMA}}}
}
# JSON bodies are parsed strictly: NaN, Infinity or a lone surrogate is a 422, not a 500.
router = APIRouter(tags=["model"], route_class=StrictJSONRoute)


async def get_holder(request: Request) -> ModelHolder:
    """The process's model holder (it owns the inference limiter)."""
    holder: ModelHolder = request.app.state.model
    return holder


async def get_artefact(request: Request) -> Artefact:
    """The loaded model, or 503 while there is none (the same condition /ready reports)."""
    holder: ModelHolder = request.app.state.model
    if holder.artefact is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="model not loaded")
    return holder.artefact


LoadedModel = Annotated[Artefact, Depends(get_artefact)]
Holder = Annotated[ModelHolder, Depends(get_holder)]


@router.post("/predict", responses=NOT_LOADED)
async def predict_one(
    body: PredictRequest,
    artefact: LoadedModel,
    holder: Holder,
    db: DatabaseDep,
) -> PredictResponse:
    """Predict one record."""
    row = body.features.row(artefact.metadata.feature_names)
    [outcome] = await holder.run(predict, artefact, [row])
    version = artefact.metadata.version
    await log_predictions(db, version, encode_log([body.features], [outcome]))
    return PredictResponse(model_version=version, prediction=to_prediction(outcome))


@router.post(
    "/predict/batch",
    response_model=BatchResponse,
    responses=NOT_LOADED | TOO_LARGE | INVALID,
    openapi_extra=BATCH_BODY,
)
async def predict_batch(
    request: Request,
    artefact: LoadedModel,
    holder: Holder,
    settings: SettingsDep,
    db: DatabaseDep,
) -> Response:
    """Predict up to MAX_BATCH_SIZE records in one call (413 past it)."""
    raw = await request.body()
    try:
        # Parsing, inference and encoding all happen in the worker thread, never on the loop.
        result = await holder.run(run_batch, artefact, raw, settings.max_batch_size)
    except BatchTooLargeError as exc:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=str(exc)) from exc
    except BatchInvalidError as exc:
        raise RequestValidationError(exc.errors) from exc
    rows = await anyio.to_thread.run_sync(encode_log, result.records, result.outcomes)
    await log_predictions(db, artefact.metadata.version, rows)
    return Response(result.body, media_type="application/json")


@router.get("/model", responses=NOT_LOADED)
async def model_info(artefact: LoadedModel) -> ModelInfo:
    """The loaded model's version, features, classes, training time and metrics."""
    meta = asdict(artefact.metadata)
    return ModelInfo(model_version=meta.pop("version"), **meta)


@router.post("/aggregate")
async def aggregate(
    body: PredictRequest, client: HttpClient, settings: SettingsDep
) -> AggregateResponse:
    """Ask every UPSTREAM_URLS model at once; failures are reported per upstream, not as a 500."""
    results = await fanout.fan_out(
        client, settings.upstream_urls, body, settings.upstream_timeout_seconds
    )
    return AggregateResponse(
        model_versions=sorted({r.model_version for r in results if r.model_version}),
        succeeded=sum(r.ok for r in results),
        failed=sum(not r.ok for r in results),
        combined=fanout.combine(results),
        results=results,
    )
