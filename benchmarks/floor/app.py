"""A bare Starlette app over an asyncpg pool: what the hardware allows for the same queries.

For fan-out it asks the same upstreams as the generated services' POST /aggregate, with one shared
httpx.AsyncClient and asyncio.gather, and returns their combined answer. It parses the record with
the stdlib (no pydantic validation); like the generated /aggregate it runs no model inference.
"""

import asyncio
import json
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# The generated FastAPI app's pool maximum (DB_POOL_MAX_SIZE's default): the same budget.
POOL_SIZE = 5
COLUMNS = "id, name, description, created_at, updated_at"
# Comma-separated upstream base URLs; each is asked POST {url}/predict.
UPSTREAM_URLS = [u for u in os.environ.get("FLOOR_UPSTREAM_URLS", "").split(",") if u]
# httpx's default pool limits, as the generated FastAPI service has them: the floor differs in
# code, not in connection pooling.
UPSTREAM_TIMEOUT = httpx.Timeout(5.0)


def _row(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in dict(record).items()}


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """One warm pool and one HTTP client for the process."""
    async with (
        asyncpg.create_pool(
            os.environ["FLOOR_DATABASE_URL"], min_size=POOL_SIZE, max_size=POOL_SIZE
        ) as pool,
        httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT) as client,
    ):
        app.state.pool = pool
        app.state.client = client
        yield


async def health(request: Request) -> Response:
    """JSON without I/O."""
    return JSONResponse({"status": "ok"})


async def read_item(request: Request) -> Response:
    """One row by primary key."""
    item_id = int(request.path_params["item_id"])
    row = await request.app.state.pool.fetchrow(
        f"SELECT {COLUMNS} FROM items WHERE id = $1",  # noqa: S608 (a constant)
        item_id,
    )
    if row is None:
        return JSONResponse({"detail": f"Item {item_id} not found"}, status_code=404)
    return JSONResponse(_row(row))


async def list_items(request: Request) -> Response:
    """A page of 20 and the total."""
    limit = int(request.query_params.get("limit", 20))
    offset = int(request.query_params.get("offset", 0))
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT {COLUMNS} FROM items ORDER BY id LIMIT $1 OFFSET $2",  # noqa: S608
            limit,
            offset,
        )
        total = await conn.fetchval("SELECT count(*) FROM items")
    body = {"items": [_row(r) for r in rows], "total": total, "limit": limit, "offset": offset}
    return JSONResponse(body)


async def create_item(request: Request) -> Response:
    """Insert one row and return it."""
    data = json.loads(await request.body())
    row = await request.app.state.pool.fetchrow(
        "INSERT INTO items (name, description, created_at, updated_at)"  # noqa: S608 (a constant)
        f" VALUES ($1, $2, now(), now()) RETURNING {COLUMNS}",
        data["name"],
        data.get("description"),
    )
    return JSONResponse(_row(row), status_code=201)


async def db_sleep(request: Request) -> Response:
    """Hold a connection while the server sleeps."""
    seconds = float(request.query_params.get("seconds", 0.1))
    await request.app.state.pool.execute("SELECT pg_sleep($1)", seconds)
    return JSONResponse({"slept": seconds})


async def _ask(client: httpx.AsyncClient, url: str, body: bytes) -> dict[str, Any]:
    response = await client.post(
        url.rstrip("/") + "/predict", content=body, headers={"content-type": "application/json"}
    )
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


async def aggregate(request: Request) -> Response:
    """Ask every upstream at once and average their class probabilities."""
    record = json.loads(await request.body())["features"]  # the harness sends a valid record
    body = json.dumps({"features": record}).encode()
    client = request.app.state.client
    answers = await asyncio.gather(*(_ask(client, url, body) for url in UPSTREAM_URLS))
    probabilities = [a["prediction"]["probabilities"] for a in answers]
    classes = sorted({name for p in probabilities for name in p})
    mean = {c: sum(p.get(c, 0.0) for p in probabilities) / len(probabilities) for c in classes}
    label = max(mean, key=mean.__getitem__)
    return JSONResponse(
        {
            "model_versions": sorted({a["model_version"] for a in answers}),
            "succeeded": len(answers),
            "failed": 0,
            "combined": {"label": label, "confidence": mean[label], "probabilities": mean},
            "results": answers,
        }
    )


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/api/items", list_items, methods=["GET"]),
        Route("/api/items", create_item, methods=["POST"]),
        Route("/api/items/{item_id:int}", read_item),
        Route("/_diag/db-sleep", db_sleep),
        Route("/aggregate", aggregate, methods=["POST"]),
    ],
    lifespan=lifespan,
)
