"""The `predictions` table: one row per scored record."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, func, insert
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Base, autocommit, transaction
from .schemas import Measurements, Prediction

CHUNK = 500


class PredictionRecord(Base):
    """A logged prediction: what came in, what the model said, and which model said it."""

    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(100), index=True)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(100))
    probabilities: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def log_predictions(
    model_version: str, records: Sequence[Measurements], predictions: Sequence[Prediction]
) -> None:
    """Insert one row per prediction, a chunk per statement: all of them, or none."""
    pairs = list(zip(records, predictions, strict=True))
    # One statement commits on its own; a batch of several chunks commits once, at the end.
    with autocommit() if len(pairs) <= CHUNK else transaction() as conn:
        for start in range(0, len(pairs), CHUNK):
            # Chunks keep each stretch of CPU short; round trips yield to other greenlets.
            rows = [
                {
                    "model_version": model_version,
                    "features": record.model_dump(),
                    "label": prediction.label,
                    "probabilities": prediction.probabilities,
                }
                for record, prediction in pairs[start : start + CHUNK]
            ]
            conn.execute(insert(PredictionRecord), rows)
