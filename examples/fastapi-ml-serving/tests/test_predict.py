"""Predictions: one record, a bounded batch, the model's metadata, readiness and the artefact."""

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import joblib
import numpy as np
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sklearn.datasets import load_iris

from fastapi_ml_serving.config import Settings, get_settings
from fastapi_ml_serving.ml import artefact, model, train

pytestmark = pytest.mark.anyio
MakeClient = Callable[[Settings], AbstractAsyncContextManager[AsyncClient]]
SETOSA = {
    "sepal_length_cm": 5.1,
    "sepal_width_cm": 3.5,
    "petal_length_cm": 1.4,
    "petal_width_cm": 0.2,
}
VIRGINICA = {
    "sepal_length_cm": 7.7,
    "sepal_width_cm": 3.0,
    "petal_length_cm": 6.1,
    "petal_width_cm": 2.3,
}


async def test_predict_one_record_names_the_model_version(client: AsyncClient) -> None:
    response = await client.post("/predict", json={"features": SETOSA})
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"].startswith("iris-rf-")
    assert body["prediction"]["label"] == "setosa"
    assert body["prediction"]["confidence"] == max(body["prediction"]["probabilities"].values())
    assert sum(body["prediction"]["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    "features",
    [
        {**SETOSA, "petal_width_cm": -1.0},  # gt=0
        {**SETOSA, "petal_width_cm": 1000},  # le=100
        {k: v for k, v in SETOSA.items() if k != "sepal_width_cm"},  # missing
        {**SETOSA, "colour": "blue"},  # unknown field
    ],
    ids=["negative", "too-large", "missing", "unknown-field"],
)
async def test_invalid_record_is_422(client: AsyncClient, features: dict[str, object]) -> None:
    response = await client.post("/predict", json={"features": features})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "features"]


async def test_batch_keeps_record_order(client: AsyncClient) -> None:
    response = await client.post("/predict/batch", json={"records": [SETOSA, VIRGINICA, SETOSA]})
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"].startswith("iris-rf-")
    assert body["count"] == 3
    assert [p["label"] for p in body["predictions"]] == ["setosa", "virginica", "setosa"]


async def test_batch_past_the_limit_is_413(make_client: MakeClient) -> None:
    settings = get_settings().model_copy(update={"max_batch_size": 5})
    async with make_client(settings) as client:
        at_limit = await client.post("/predict/batch", json={"records": [SETOSA] * 5})
        past_limit = await client.post("/predict/batch", json={"records": [SETOSA] * 6})
    assert at_limit.status_code == 200
    assert past_limit.status_code == 413
    assert past_limit.json() == {"detail": "batch of 6 records exceeds MAX_BATCH_SIZE=5"}


async def test_invalid_record_deep_in_a_batch_is_located(client: AsyncClient) -> None:
    # Records are validated in chunks; the error must still name the record's own index.
    records = [SETOSA] * 900
    records[700] = {**SETOSA, "petal_width_cm": -1}
    response = await client.post("/predict/batch", json={"records": records})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "records", 700, "petal_width_cm"]


async def test_undecodable_batch_body_is_422(client: AsyncClient) -> None:
    response = await client.post(
        "/predict/batch", content=b"\xff{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


async def test_empty_batch_is_422(client: AsyncClient) -> None:
    response = await client.post("/predict/batch", json={"records": []})
    assert response.status_code == 422


async def test_model_metadata(client: AsyncClient, trained_model: Path) -> None:
    response = await client.get("/model")
    assert response.status_code == 200
    body = response.json()
    saved = artefact.load(trained_model).metadata
    assert body["model_version"] == saved.version
    assert body["feature_names"] == list(SETOSA)
    assert body["class_names"] == ["setosa", "versicolor", "virginica"]
    assert body["metrics"]["accuracy"] > 0.8
    assert body["n_train"] + body["n_test"] == 150
    assert body["trained_at"]


async def test_ready_once_the_model_is_loaded(client: AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_without_a_model_ready_and_predict_are_503(
    make_client: MakeClient, tmp_path: Path
) -> None:
    settings = get_settings().model_copy(update={"model_path": tmp_path / "missing.joblib"})
    async with make_client(settings) as client:
        ready = await client.get("/ready")
        predicted = await client.post("/predict", json={"features": SETOSA})
        health = await client.get("/health")
    assert health.status_code == 200, "the process is alive, only not ready"
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "detail": "model: FileNotFoundError"}
    assert predicted.status_code == 503
    assert predicted.json() == {"detail": "model not loaded"}


async def test_round_trip_train_save_load_predict_matches_in_process(tmp_path: Path) -> None:
    fitted = train.train(n_estimators=25)
    path = tmp_path / "model.joblib"
    artefact.save(fitted, path)
    loaded = artefact.load(path)
    rows = load_iris().data.tolist()
    assert loaded.metadata == fitted.metadata
    np.testing.assert_array_equal(
        loaded.estimator.predict_proba(rows), fitted.estimator.predict_proba(rows)
    )
    assert model.predict(loaded, rows) == model.predict(fitted, rows)


def test_train_command_writes_the_artefact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nested" / "model.joblib"
    train.main(["--output", str(path), "--trees", "10"])
    saved = artefact.load(path)
    assert saved.metadata.feature_names == tuple(SETOSA)
    assert saved.metadata.version in capsys.readouterr().out


def test_loading_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not-a-model.joblib"
    joblib.dump({"weights": [1, 2, 3]}, path)
    with pytest.raises(TypeError, match="not an Artefact"):
        artefact.load(path)


async def test_each_prediction_is_logged(client: AsyncClient, app: FastAPI) -> None:
    await client.post("/predict", json={"features": VIRGINICA})
    await client.post("/predict/batch", json={"records": [SETOSA, VIRGINICA]})
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT label, features, model_version FROM predictions ORDER BY id"
        )
    assert [row["label"] for row in rows] == ["virginica", "setosa", "virginica"]
    assert json.loads(rows[0]["features"]) == VIRGINICA
    assert all(row["model_version"].startswith("iris-rf-") for row in rows)
