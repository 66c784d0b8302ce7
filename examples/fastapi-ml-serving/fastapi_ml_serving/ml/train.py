"""The `train` command: fit a classifier on scikit-learn's bundled iris data and save it."""

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from ..config import get_settings
from .artefact import Artefact, ModelMetadata, save

# Fixed seeds: the same code and data give the same model, so versions are comparable.
RANDOM_STATE = 42
DEFAULT_TREES = 200


def feature_name(raw: str) -> str:
    """'sepal length (cm)' -> 'sepal_length_cm': the field name clients send."""
    return raw.replace(" (", "_").replace(")", "").replace(" ", "_")


def train(n_estimators: int = DEFAULT_TREES) -> Artefact:
    """Fit a random forest on iris (bundled with scikit-learn: nothing is downloaded)."""
    dataset = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        dataset.data,
        dataset.target,
        test_size=0.25,
        random_state=RANDOM_STATE,
        stratify=dataset.target,
    )
    # n_jobs=1: the service bounds concurrency itself; joblib threads would oversubscribe the cores.
    estimator = RandomForestClassifier(
        n_estimators=n_estimators, random_state=RANDOM_STATE, n_jobs=1
    )
    estimator.fit(x_train, y_train)
    predicted = estimator.predict(x_test)
    trained_at = datetime.now(UTC)
    metadata = ModelMetadata(
        version=f"iris-rf-{trained_at:%Y%m%d%H%M%S}",
        algorithm=f"RandomForestClassifier(n_estimators={n_estimators})",
        dataset="iris (sklearn.datasets.load_iris)",
        feature_names=tuple(feature_name(name) for name in dataset.feature_names),
        class_names=tuple(str(name) for name in dataset.target_names),
        trained_at=trained_at,
        metrics={
            "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
            "f1_macro": round(float(f1_score(y_test, predicted, average="macro")), 4),
        },
        n_train=len(x_train),
        n_test=len(x_test),
    )
    return Artefact(estimator=estimator, metadata=metadata)


def main(argv: list[str] | None = None) -> None:
    """Console script: train, save to MODEL_PATH (or --output) and print the metadata."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, default=None, help="default: MODEL_PATH")
    parser.add_argument("--trees", type=int, default=DEFAULT_TREES, help="forest size")
    args = parser.parse_args(argv)
    output: Path = args.output or get_settings().model_path
    artefact = train(args.trees)
    save(artefact, output)
    print(json.dumps({"saved": str(output), **asdict(artefact.metadata)}, default=str, indent=2))
