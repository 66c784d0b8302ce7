"""Per-client rate limiting with Flask-Limiter (in-memory counters, per worker process).

The client is request.remote_addr: the TCP peer, or what FORWARDED_ALLOW_IPS proxies report
(security.py), never a header the client wrote itself.
"""

import math
import time

from flask import Flask
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItem

from . import health
from .config import Settings


def refusal_headers(item: RateLimitItem, reset_at: float) -> dict[str, str]:
    """Retry-After and the IETF RateLimit headers of a 429 (draft-ietf-httpapi-ratelimit-headers).

    RateLimit-Reset and Retry-After are seconds from now until the client's window resets.
    """
    seconds = str(max(1, math.ceil(reset_at - time.time())))
    return {
        "Retry-After": seconds,
        "RateLimit-Limit": str(item.amount),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": seconds,
        "RateLimit-Policy": f"{item.amount};w={item.get_expiry()}",
    }


def init_app(app: Flask, settings: Settings) -> Limiter | None:
    """Apply RATE_LIMIT to every route but the probes; an empty RATE_LIMIT turns it off."""
    if not settings.rate_limit:
        return None
    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=[settings.rate_limit],
        storage_uri="memory://",
        key_prefix="flask_ml_serving",
    )
    # Orchestrators poll the probes; throttling them would restart healthy pods.
    limiter.exempt(health.bp)

    @app.errorhandler(RateLimitExceeded)
    def _too_many_requests(error: RateLimitExceeded) -> ResponseReturnValue:
        item = error.limit.limit
        breached = limiter.current_limit
        reset_at = breached.window.reset_time if breached else time.time() + item.get_expiry()
        detail = f"Rate limit exceeded: {item}"
        return {"detail": detail}, 429, refusal_headers(item, reset_at)

    return limiter
