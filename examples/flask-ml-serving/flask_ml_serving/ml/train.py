"""`train`: fit the model on scikit-learn's bundled iris data and save a versioned artefact."""

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from ..config import get_settings
from .schemas import FEATURE_NAMES, ModelInfo

ALGORITHM = "RandomForestClassifier"
# Enough trees that a large batch is real CPU work, which is what the serving tests measure.
N_ESTIMATORS = 200
SEED = 42


def fit(version: str) -> tuple[RandomForestClassifier, ModelInfo]:
    """Fit on a stratified 80 % of iris (bundled with scikit-learn: nothing is downloaded)."""
    dataset: Any = load_iris()
    x_train, x_test, y_train, y_test = train_test_split(
        dataset.data, dataset.target, test_size=0.2, random_state=SEED, stratify=dataset.target
    )
    estimator = RandomForestClassifier(n_estimators=N_ESTIMATORS, random_state=SEED)
    estimator.fit(x_train, y_train)
    predicted = estimator.predict(x_test)
    info = ModelInfo(
        model_version=version,
        algorithm=f"{ALGORITHM}(n_estimators={N_ESTIMATORS})",
        dataset="iris (sklearn.datasets.load_iris)",
        feature_names=list(FEATURE_NAMES),
        class_names=[str(name) for name in dataset.target_names],
        trained_at=datetime.now(UTC),
        metrics={
            "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
            "f1_macro": round(float(f1_score(y_test, predicted, average="macro")), 4),
        },
        n_train=len(x_train),
        n_test=len(x_test),
    )
    return estimator, info


def save(estimator: RandomForestClassifier, info: ModelInfo, path: Path) -> None:
    """Write the estimator and its metadata as one joblib file, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    joblib.dump({"estimator": estimator, "metadata": info.model_dump()}, partial)
    # A server starting meanwhile sees the old artefact or the new one, never half a file.
    partial.replace(path)


def main(argv: list[str] | None = None) -> None:
    """Console script: `train [--output PATH] [--version V]`."""
    parser = argparse.ArgumentParser(prog="train", description=__doc__)
    parser.add_argument("--output", type=Path, default=None, help="default: MODEL_PATH")
    parser.add_argument("--version", default=None, help="default: iris-rf-<UTC time>")
    args = parser.parse_args(argv)
    output: Path = args.output or Path(get_settings().model_path)
    version: str = args.version or f"iris-rf-{datetime.now(UTC):%Y%m%d%H%M%S}"
    estimator, info = fit(version)
    save(estimator, info, output)
    print(f"saved {info.model_version} to {output}: accuracy {info.metrics['accuracy']:.3f}")


if __name__ == "__main__":
    main()
