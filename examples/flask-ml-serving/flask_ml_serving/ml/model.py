"""The trained model, loaded once per worker, and the thread pool that runs inference.

Inference is CPU-bound. Run inline in a request greenlet it would hold the gevent hub for the
whole batch, so /health and every other request on the worker would wait. It runs instead on a
small pool of native threads (gevent.threadpool): the hub keeps the GIL between the model's
bytecode slices and the C loops that release it, and keeps answering the other greenlets.
"""

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import joblib
import numpy as np
from flask import Flask, current_app
from gevent.threadpool import ThreadPool

from .schemas import FEATURE_NAMES, ModelInfo, Prediction

T = TypeVar("T")
EXTENSION = "model"


class ModelNotLoadedError(RuntimeError):
    """No model artefact was loaded at start-up (run `train`, check MODEL_PATH)."""


@dataclass(frozen=True)
class LoadedModel:
    """An estimator with its metadata, ready to predict."""

    estimator: Any
    info: ModelInfo

    @property
    def version(self) -> str:
        """The artefact's version, named in every response."""
        return self.info.model_version

    def predict(self, rows: Sequence[Sequence[float]]) -> list[Prediction]:
        """Class probabilities and the winning label for each row (CPU-bound: see run())."""
        matrix = np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURE_NAMES))
        probabilities = self.estimator.predict_proba(matrix)
        names = self.info.class_names
        return [
            Prediction(
                label=names[best],
                confidence=round(float(row[best]), 6),
                probabilities={
                    name: round(float(p), 6) for name, p in zip(names, row, strict=True)
                },
            )
            for row in probabilities
            for best in [int(np.argmax(row))]
        ]


def load(path: Path) -> LoadedModel:
    """Read an artefact written by `train` (joblib unpickles: load only files you built)."""
    artefact = joblib.load(path)
    info = ModelInfo.model_validate(artefact["metadata"])
    if tuple(info.feature_names) != FEATURE_NAMES:
        raise ValueError(f"{path} expects features {info.feature_names}, not {list(FEATURE_NAMES)}")
    return LoadedModel(estimator=artefact["estimator"], info=info)


@dataclass
class ModelState:
    """What a worker holds: the model (or why it has none) and its inference threads."""

    model: LoadedModel | None
    problem: str | None
    pool: ThreadPool | None

    def require(self) -> LoadedModel:
        """The loaded model, or ModelNotLoadedError (rendered as 503)."""
        if self.model is None:
            raise ModelNotLoadedError(self.problem or "model not loaded")
        return self.model

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """Call function on an inference thread; the calling greenlet waits, the hub does not."""
        if self.pool is None:
            return function(*args)
        result: T = self.pool.apply(function, args)
        return result


def init_app(app: Flask) -> None:
    """Load MODEL_PATH once; a missing or bad artefact leaves /ready at 503, not a crash loop."""
    path = Path(app.config["MODEL_PATH"])
    threads = int(app.config["INFERENCE_CONCURRENCY"])
    model: LoadedModel | None = None
    problem: str | None = None
    try:
        model = load(path)
    except FileNotFoundError:
        problem = "model: no artefact at MODEL_PATH (run `train`)"
    except Exception as exc:  # a corrupt or foreign file must not stop the process
        problem = f"model: cannot load MODEL_PATH: {type(exc).__name__}"
    if problem:
        # The path goes to the log only: /ready is public.
        app.logger.warning("%s [%s]", problem, path)
    if model is not None:
        # Warm up: the first request should not pay for lazy imports and first-call set-up.
        model.predict([[1.0] * len(FEATURE_NAMES)])
        # The model and the imports live as long as the worker: move them out of the collector's
        # reach, or a full collection walks them all while holding the GIL (and the hub with it).
        gc.freeze()
    # 0 threads runs inference inline: only to measure what the pool buys.
    pool = ThreadPool(maxsize=threads) if threads > 0 else None
    app.extensions[EXTENSION] = ModelState(model=model, problem=problem, pool=pool)


def state() -> ModelState:
    """The current app's model state."""
    model_state: ModelState = current_app.extensions[EXTENSION]
    return model_state


def readiness_problem() -> str | None:
    """Why the app cannot serve predictions yet, or None."""
    return state().problem
