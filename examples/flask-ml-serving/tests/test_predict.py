"""Predictions in process: one record, a bounded batch, metadata, readiness and the artefact."""

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sklearn.datasets import load_iris
from sqlalchemy import func, select

from flask_ml_serving import create_app
from flask_ml_serving.extensions import db
from flask_ml_serving.ml.model import load
from flask_ml_serving.ml.prediction_log import PredictionRecord
from flask_ml_serving.ml.schemas import FEATURE_NAMES
from flask_ml_serving.ml.train import fit, main, save

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


def _json(response: Any) -> Any:
    assert response.is_json, response.data[:200]
    return response.json


def test_predict_names_the_model_version(client: FlaskClient) -> None:
    response = client.post("/predict", json={"features": SETOSA})
    assert response.status_code == 200
    body = _json(response)
    assert body["model_version"] == "test-model"
    assert body["prediction"]["label"] == "setosa"
    assert body["prediction"]["confidence"] == max(body["prediction"]["probabilities"].values())
    assert sum(body["prediction"]["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    ("features", "loc"),
    [
        ({**SETOSA, "petal_width_cm": -1}, ["body", "features", "petal_width_cm"]),
        ({**SETOSA, "petal_width_cm": 101}, ["body", "features", "petal_width_cm"]),
        (
            {k: v for k, v in SETOSA.items() if k != "sepal_length_cm"},
            ["body", "features", "sepal_length_cm"],
        ),
        ({**SETOSA, "colour": 1}, ["body", "features", "colour"]),
    ],
)
def test_predict_rejects_bad_records(
    client: FlaskClient, features: dict[str, float], loc: list[str]
) -> None:
    response = client.post("/predict", json={"features": features})
    assert response.status_code == 422
    assert _json(response)["detail"][0]["loc"] == loc


def test_batch_keeps_request_order(client: FlaskClient) -> None:
    response = client.post("/predict/batch", json={"records": [SETOSA, VIRGINICA, SETOSA]})
    assert response.status_code == 200
    body = _json(response)
    assert body["model_version"] == "test-model"
    assert body["count"] == 3
    assert [p["label"] for p in body["predictions"]] == ["setosa", "virginica", "setosa"]


def test_batch_at_the_limit_is_served(client: FlaskClient, app: Flask) -> None:
    limit = app.config["MAX_BATCH_SIZE"]
    response = client.post("/predict/batch", json={"records": [SETOSA] * limit})
    assert response.status_code == 200
    assert _json(response)["count"] == limit


def test_batch_past_the_limit_is_413(client: FlaskClient, app: Flask) -> None:
    limit = app.config["MAX_BATCH_SIZE"]
    response = client.post("/predict/batch", json={"records": [SETOSA] * (limit + 1)})
    assert response.status_code == 413
    assert _json(response) == {
        "detail": f"batch of {limit + 1} records exceeds MAX_BATCH_SIZE={limit}"
    }


def test_oversized_body_is_413_before_parsing(client: FlaskClient, app: Flask) -> None:
    body = b'{"records": [' + b" " * app.config["MAX_CONTENT_LENGTH"] + b"]}"
    response = client.post("/predict/batch", data=body, content_type="application/json")
    assert response.status_code == 413
    assert _json(response) == {"detail": "Request body too large"}


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"records": []}, ["body", "records"]),
        (
            {"records": [SETOSA, {**SETOSA, "sepal_width_cm": 0}]},
            ["body", "records", 1, "sepal_width_cm"],
        ),
        ({}, ["body", "records"]),
    ],
)
def test_batch_rejects_bad_input_with_422(
    client: FlaskClient, payload: dict[str, Any], loc: list[str | int]
) -> None:
    response = client.post("/predict/batch", json=payload)
    assert response.status_code == 422
    assert _json(response)["detail"][0]["loc"] == loc


def test_model_metadata(client: FlaskClient) -> None:
    response = client.get("/model")
    assert response.status_code == 200
    body = _json(response)
    assert body["model_version"] == "test-model"
    assert body["feature_names"] == list(FEATURE_NAMES)
    assert body["class_names"] == ["setosa", "versicolor", "virginica"]
    assert datetime.fromisoformat(body["trained_at"]).tzinfo is not None
    assert body["metrics"]["accuracy"] > 0.8
    assert (body["n_train"], body["n_test"]) == (120, 30)


@pytest.mark.parametrize("artefact", [None, b"not a joblib file"])
def test_not_ready_and_503_without_a_model(tmp_path: Path, artefact: bytes | None) -> None:
    path = tmp_path / "model.joblib"
    if artefact is not None:
        path.write_bytes(artefact)
    client = create_app({"TESTING": True, "MODEL_PATH": path}).test_client()
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert _json(ready)["detail"].startswith("model: ")
    assert str(tmp_path) not in _json(ready)["detail"]
    for method, url in [("post", "/predict"), ("post", "/predict/batch"), ("get", "/model")]:
        response = client.open(url, method=method.upper(), json={"features": SETOSA})
        assert response.status_code == 503, url


def test_round_trip_train_save_load_predict(tmp_path: Path) -> None:
    """The saved artefact predicts exactly what the in-process estimator does."""
    estimator, info = fit("round-trip")
    path = tmp_path / "model.joblib"
    save(estimator, info, path)
    loaded = load(path)
    data = load_iris().data
    assert loaded.version == "round-trip"
    assert loaded.info == info
    expected = estimator.predict_proba(data)
    np.testing.assert_array_equal(loaded.estimator.predict_proba(data), expected)
    served = loaded.predict(data.tolist())
    assert [p.label for p in served] == [info.class_names[i] for i in estimator.predict(data)]


def test_train_console_script_writes_a_loadable_artefact(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "model.joblib"
    main(["--output", str(path), "--version", "cli-v1"])
    assert load(path).version == "cli-v1"
    assert not path.with_name("model.joblib.partial").exists()


def test_openapi_documents_the_model_api(client: FlaskClient) -> None:
    spec = _json(client.get("/openapi.json"))
    for path in ["/predict", "/predict/batch", "/aggregate"]:
        assert "post" in spec["paths"][path]
    assert "get" in spec["paths"]["/model"]
    schemas = spec["components"]["schemas"]
    for name in ["PredictRequest", "BatchResponse", "AggregateResponse", "ModelInfo"]:
        assert name in schemas


def test_every_prediction_is_logged(client: FlaskClient, app: Flask) -> None:
    assert client.post("/predict", json={"features": SETOSA}).status_code == 200
    batch = client.post("/predict/batch", json={"records": [VIRGINICA, SETOSA]})
    assert batch.status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(PredictionRecord).order_by(PredictionRecord.id)).all()
        assert [(r.model_version, r.label) for r in rows] == [
            ("test-model", "setosa"),
            ("test-model", "virginica"),
            ("test-model", "setosa"),
        ]
        assert rows[1].features == VIRGINICA
        assert rows[0].created_at is not None


def test_rejected_requests_are_not_logged(client: FlaskClient, app: Flask) -> None:
    assert client.post("/predict", json={"features": {}}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PredictionRecord)) == 0
