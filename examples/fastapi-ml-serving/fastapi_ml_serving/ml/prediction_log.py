"""The prediction log: one row per predicted record, written through the app's one pool."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Database
from .model import Outcome
from .schemas import Measurements

LOG_CHUNK_ROWS = 500
# One statement and one JSON parameter for the whole batch: the database unpacks the rows,
# so logging 10k predictions costs no per-row Python on the event loop.
INSERT_LOG = (
    "INSERT INTO predictions (model_version, features, label, confidence) "
    "SELECT $1, r.features, r.label, r.confidence "
    "FROM json_to_recordset($2::json) AS r(features json, label text, confidence float8)"
)


class PredictionLog(Base):
    """A record the service predicted, with the answer and the model version that gave it."""

    __tablename__ = "predictions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_version: Mapped[str] = mapped_column(String(64), index=True)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def encode_log(records: Sequence[Measurements], outcomes: Sequence[Outcome]) -> str:
    """The rows to log as one JSON array; CPU-bound for big batches, so call it off the loop."""
    rows = [
        {"features": record.model_dump(), "label": outcome.label, "confidence": outcome.confidence}
        for record, outcome in zip(records, outcomes, strict=True)
    ]
    # Encoded in chunks: json.dumps holds the GIL throughout, which would stall the loop's thread.
    chunks = (
        json.dumps(rows[start : start + LOG_CHUNK_ROWS])[1:-1]
        for start in range(0, len(rows), LOG_CHUNK_ROWS)
    )
    return "[" + ",".join(chunks) + "]"


async def log_predictions(db: Database, model_version: str, rows: str) -> None:
    """Insert the rows from `encode_log`: one statement, one round trip, in autocommit."""
    async with db.connection() as conn:
        await conn.execute(INSERT_LOG, model_version, rows)
