"""fastapi-ml-serving: the application factory and its lifespan."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from . import db, diagnostics, errors, health, logs, ratelimit, security
from .config import Settings, get_settings
from .ml.model import ModelHolder
from .ml.routes import router as ml_router

# Outbound calls fail fast instead of holding a request open.
HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model, open the pool and the shared HTTP client; close them on shutdown."""
    settings: Settings = app.state.settings
    # Loaded (in a worker thread) before serving; if it fails, /ready answers 503 with the reason.
    app.state.model = ModelHolder(anyio.CapacityLimiter(settings.inference_concurrency))
    await app.state.model.load(settings.model_path)
    # One pool per process, DB_POOL_MIN_SIZE..DB_POOL_MAX_SIZE connections (README, "Connections").
    database = await db.open_database(settings)
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http_client:
            app.state.database = database
            app.state.http_client = http_client
            # Startup objects live forever: keeping them out of GC scans cuts tail-latency pauses.
            gc.freeze()
            yield
    finally:
        await database.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Create an app; `settings` overrides the ones read from the environment."""
    settings = settings or get_settings()
    app = FastAPI(
        title="fastapi-ml-serving",
        description="fastapi-ml-serving: a model-serving API built with FastAPI",
        version="0.1.0",
        debug=settings.debug,
        lifespan=lifespan,
    )
    app.state.settings = settings
    # JSON errors, one shape for every error (tests/test_contract.py holds the API to it).
    errors.init_app(app)
    logs.configure_logging(
        logging.DEBUG if settings.debug else logging.INFO, security.request_id.get
    )
    # Middleware added last runs first: hosts, headers and body limit, then CORS, rate limit.
    ratelimit.init_app(app, settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Content-Type", "Authorization", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    # Strict-Transport-Security only in production, where TLS ends at the proxy in front.
    production = settings.environment == "production"
    hsts_max_age_seconds = settings.hsts_max_age_seconds if production else 0
    # Answers 400 to any Host header not listed, before routing (the BadHost defence).
    app.add_middleware(
        security.SecurityMiddleware,
        allowed_hosts=settings.allowed_hosts,
        max_body_bytes=settings.max_body_bytes,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        debug=settings.debug,
        hsts_max_age_seconds=hsts_max_age_seconds,
    )

    # Routers are tried in order: the API first, the probes (polled every few seconds) after.
    app.include_router(ml_router)
    app.include_router(health.router)
    # Diagnostics exist only when asked for: a disabled route is a plain 404.
    if settings.enable_diagnostics:
        app.include_router(diagnostics.router)
    return app


app = create_app()
