"""Per-client rate limiting with Flask-Limiter (in-memory counters, per worker process)."""

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from . import health
from .config import Settings


def init_app(app: Flask, settings: Settings) -> Limiter | None:
    """Apply RATE_LIMIT to every route but the probes; an empty RATE_LIMIT turns it off."""
    if not settings.rate_limit:
        return None
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=[settings.rate_limit],
        storage_uri="memory://",
        key_prefix="flask_crud",
    )
    # Orchestrators poll the probes; throttling them would restart healthy pods.
    limiter.exempt(health.bp)
    return limiter
