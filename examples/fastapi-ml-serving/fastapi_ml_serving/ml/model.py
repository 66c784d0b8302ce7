"""The served model: loaded once at startup, run in worker threads, never on the event loop."""

import gc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, TypeVarTuple, Unpack

import anyio
import numpy as np

from .artefact import Artefact, load

logger = logging.getLogger(__name__)
Result = TypeVar("Result")
Args = TypeVarTuple("Args")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One record's prediction: the winning class, its probability and every class's."""

    label: str
    confidence: float
    probabilities: dict[str, float]


def predict(artefact: Artefact, rows: Sequence[Sequence[float]]) -> list[Outcome]:
    """Blocking, CPU-bound inference over rows ordered like `feature_names`; call off the loop."""
    matrix = np.asarray(rows, dtype=np.float64)
    classes = artefact.metadata.class_names
    outcomes = []
    for probs in artefact.estimator.predict_proba(matrix):
        best = int(np.argmax(probs))
        outcomes.append(
            Outcome(
                label=classes[best],
                confidence=round(float(probs[best]), 6),
                probabilities={
                    name: round(float(p), 6) for name, p in zip(classes, probs, strict=True)
                },
            )
        )
    return outcomes


@dataclass(slots=True)
class ModelHolder:
    """The process's model (None until loaded) and the limiter bounding inference threads."""

    limiter: anyio.CapacityLimiter
    artefact: Artefact | None = None
    error: str | None = field(default=None)

    async def load(self, path: Path) -> None:
        """Load the artefact in a worker thread; on failure stay up but unready, saying why."""
        try:
            self.artefact = await anyio.to_thread.run_sync(load, path)
        except (OSError, TypeError, ValueError, EOFError) as exc:
            self.error = f"model: {type(exc).__name__}"
            logger.error("model not loaded from %s: %s", path, exc)
        else:
            # The model lives as long as the process: stop full GC passes from re-walking it
            # (with the GIL held) while requests create garbage.
            gc.freeze()
            self.error = None
            logger.info("model %s loaded from %s", self.artefact.metadata.version, path)

    async def run(self, func: Callable[[Unpack[Args]], Result], *args: *Args) -> Result:
        """Run CPU-bound work in a worker thread; at most `limiter` at once, the rest wait."""
        return await anyio.to_thread.run_sync(func, *args, limiter=self.limiter)
