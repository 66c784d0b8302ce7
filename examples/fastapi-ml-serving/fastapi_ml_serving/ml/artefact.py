"""The model artefact on disk: a fitted estimator plus the metadata that names it."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib


@dataclass(frozen=True, slots=True)
class ModelMetadata:
    """What a trained model is: its version, inputs, outputs, provenance and quality."""

    version: str
    algorithm: str
    dataset: str
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    trained_at: datetime
    metrics: dict[str, float]
    n_train: int
    n_test: int


@dataclass(frozen=True, slots=True)
class Artefact:
    """A fitted estimator with its metadata, saved and loaded as one file."""

    estimator: Any  # a fitted scikit-learn classifier (predict_proba)
    metadata: ModelMetadata


def save(artefact: Artefact, path: Path) -> None:
    """Write the artefact atomically, so a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    joblib.dump(artefact, partial)
    partial.replace(path)


def load(path: Path) -> Artefact:
    """Read an artefact written by `save`; joblib unpickles, so load only files you built."""
    artefact = joblib.load(path)
    if not isinstance(artefact, Artefact):
        raise TypeError(f"{path} holds {type(artefact).__name__}, not an Artefact")
    return artefact
