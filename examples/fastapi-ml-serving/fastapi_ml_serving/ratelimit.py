"""Per-client rate limiting (in-memory counters, per worker process).

Built on `limits`, the engine behind slowapi: slowapi's middleware looks handlers up in
`app.routes`, which cannot see inside FastAPI's included routers, so it would limit nothing.
"""

import logging
import math
import time

from fastapi import FastAPI
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .config import Settings

# Orchestrators poll the probes; throttling them would restart healthy pods.
EXEMPT_PATHS = frozenset({"/health", "/ready"})
log = logging.getLogger(__name__)


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


class RateLimitMiddleware:
    """Answer 429 once a client exceeds any of the limits.

    The client is its address as the security middleware leaves it: the TCP peer, or what
    FORWARDED_ALLOW_IPS proxies report, never a header the client wrote itself.
    """

    def __init__(
        self, app: ASGIApp, limits: list[RateLimitItem], limiter: FixedWindowRateLimiter
    ) -> None:
        self.app = app
        self.limits = limits
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request against its client's windows; refuse it once one is full."""
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        for item in self.limits:
            allowed = await self.limiter.hit(item, key)
            if not allowed:
                reset_at, _ = await self.limiter.get_window_stats(item, key)
                response = JSONResponse(
                    {"detail": f"Rate limit exceeded: {item}"},
                    status_code=429,
                    headers=refusal_headers(item, reset_at),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def init_app(app: FastAPI, settings: Settings) -> None:
    """Apply RATE_LIMIT to every path but the probes; an empty RATE_LIMIT turns it off."""
    if not settings.rate_limit:
        return
    storage = MemoryStorage()
    app.add_middleware(
        RateLimitMiddleware,
        limits=parse_many(settings.rate_limit),
        limiter=FixedWindowRateLimiter(storage),
    )
