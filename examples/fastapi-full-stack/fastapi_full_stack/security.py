"""Trusted hosts, security headers, request ids and a body-size limit: one pure ASGI middleware."""

import itertools
import logging
import os
import re
from collections.abc import Sequence
from contextvars import ContextVar

from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .proxies import TrustedProxies

# Only our own origin may supply scripts, styles, images, forms and frames; nobody may frame us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
# Swagger UI and ReDoc load their assets from a CDN and inline a script, so they keep no CSP.
_DOCS_PATHS = ("/docs", "/redoc")
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_CSP = (b"content-security-policy", CONTENT_SECURITY_POLICY.encode())
_NO_STORE = (b"cache-control", b"no-store")
# Starlette refuses an untrusted Host in plain text; the refusal is JSON, like every other error.
_BAD_HOST_BODY = b'{"detail":"Invalid host header"}'
_BAD_HOST_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_BAD_HOST_BODY)).encode()),
]
# Set in the scope once Starlette's host check has let a request through to the app.
_HOST_PASSED = "security.host_passed"
# A client-sent id is echoed only if it is short and plain: it ends up in every log line.
_SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Host names and IPv4 addresses without wildcards; anything else takes Starlette's full check.
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.-]+")
# Ids only need to be unique, not secret: a random per-process prefix and a counter are, cheaply.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count(1)

log = logging.getLogger(__name__)

# The id of the request being served (None outside a request).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class BodyTooLargeError(HTTPException):
    """A chunked request body grew past the limit (an HTTPException, so the app answers 413)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


class SecurityMiddleware:
    """Trusted hosts and proxies, security headers, X-Request-ID and a body limit, in one layer.

    One middleware instead of three: every layer costs each request a coroutine frame.
    """

    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: Sequence[str],
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        forwarded_allow_ips: Sequence[str] = (),
        debug: bool = False,
        hsts_max_age_seconds: int = 0,
    ) -> None:
        self.app = app
        self.debug = debug
        self.headers = list(_HEADERS)
        if hsts_max_age_seconds:
            hsts = f"max-age={hsts_max_age_seconds}; includeSubDomains".encode()
            self.headers.append((b"strict-transport-security", hsts))
        # The client's address and scheme as trusted proxies report them (uvicorn runs with
        # --no-proxy-headers, so this is the only place X-Forwarded-* is read).
        self.proxies = TrustedProxies(forwarded_allow_ips)
        # Starlette's check (400 "Invalid host header", www redirect) decides any Host header
        # the fast path below does not recognise, so the rules stay exactly Starlette's.
        self.host_checked = TrustedHostMiddleware(self._host_passed, allowed_hosts=allowed_hosts)
        self.allow_any_host = "*" in allowed_hosts
        # Plain names ("localhost", "api.example.com") match a Host header by a set lookup.
        self.plain_hosts = frozenset(
            host.lower().encode() for host in allowed_hosts if _PLAIN_HOST.fullmatch(host)
        )
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the host, then pass the request through, adding headers to the response."""
        if scope["type"] != "http":
            await self.host_checked(scope, receive, send)
            return
        host = rid = length = forwarded_for = forwarded_proto = None
        hosts = 0
        for name, value in scope["headers"]:
            if name == b"host":
                hosts += 1
                host = value
            elif name == b"x-request-id":
                rid = value if _SAFE_REQUEST_ID.fullmatch(value) else None
            elif name == b"content-length":
                length = value
            elif name == b"x-forwarded-for":
                forwarded_for = value
            elif name == b"x-forwarded-proto":
                forwarded_proto = value
        if self.proxies and scope.get("client"):
            scope = self._as_forwarded(scope, forwarded_for, forwarded_proto)
        trusted = self.allow_any_host or self._is_plain_host(host)
        app: ASGIApp = self.app if trusted else self.host_checked
        if hosts > 1:
            # RFC 9112 3.2: a request with more than one Host header is answered 400.
            app = _error(400, "Invalid host header")
        rid = rid or f"{_ID_PREFIX}{next(_id_counter):016x}".encode()
        extra = [*self.headers, (b"x-request-id", rid)]
        page_headers = not str(scope["path"]).startswith(_DOCS_PATHS)
        if page_headers:
            extra.append(_CSP)
        started = refused = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started, refused
            if message["type"] == "http.response.start":
                started = True
                if not trusted and message["status"] == 400 and _HOST_PASSED not in scope:
                    refused = True
                    message = {**message, "headers": list(_BAD_HOST_HEADERS)}
                elif message["status"] == 204:
                    # No content, so no content type (FastAPI would call the empty body JSON).
                    message["headers"] = [
                        item for item in message.get("headers", []) if item[0] != b"content-type"
                    ]
                headers = message.setdefault("headers", [])
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in extra if item[0] not in present)
                if page_headers and b"cache-control" not in present and _is_html(headers):
                    # Pages carry CSRF tokens or a user's data: no cache may keep them.
                    headers.append(_NO_STORE)
            elif refused and message["type"] == "http.response.body":
                message = {**message, "body": _BAD_HOST_BODY}
            await send(message)

        token = request_id.set(rid.decode())
        try:
            if length is not None:
                if not length.isdigit() or int(length) > self.max_body_bytes:
                    await _error(413, "Request body too large")(scope, receive, send_with_headers)
                else:
                    await app(scope, receive, send_with_headers)
                return
            # No Content-Length (chunked upload): count the bytes as the app reads them.
            try:
                await app(scope, self._limited(receive), send_with_headers)
            except BodyTooLargeError:
                if started:
                    raise
                await _error(413, "Request body too large")(scope, receive, send_with_headers)
        except Exception:
            # Answered here rather than by Starlette's outermost error middleware, so the 500 has
            # these headers and the request id, and nothing reaches the server, which would drop
            # the kept-alive connection. In development Starlette's debug page shows the trace.
            if started or self.debug:
                raise
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            await _error(500, "Internal Server Error")(scope, receive, send_with_headers)
        finally:
            # Servers run each request in its own context, but in-process test clients do not.
            request_id.reset(token)

    def _as_forwarded(
        self, scope: Scope, forwarded_for: bytes | None, forwarded_proto: bytes | None
    ) -> Scope:
        peer, port = scope["client"]
        if not self.proxies.trusts(peer):
            return scope
        client = self.proxies.client(
            peer, forwarded_for.decode("latin-1") if forwarded_for else None
        )
        scope = {**scope, "client": (client, port if client == peer else 0)}
        proto = (forwarded_proto or b"").decode("latin-1").split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            scope["scheme"] = proto
        return scope

    async def _host_passed(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_HOST_PASSED] = True
        await self.app(scope, receive, send)

    def _is_plain_host(self, host: bytes | None) -> bool:
        if host is None:
            return False
        name, colon, port = host.partition(b":")
        # Host names are case-insensitive (RFC 9110 4.2.3).
        return name.lower() in self.plain_hosts and (not colon or port.isdigit())

    def _limited(self, receive: Receive) -> Receive:
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLargeError()
            return message

        return limited_receive


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name == b"content-type" and value.startswith(b"text/html") for name, value in headers
    )


def _error(status_code: int, detail: str) -> JSONResponse:
    """A JSON error this middleware answers itself (a response is an ASGI app of its own)."""
    return JSONResponse({"detail": detail}, status_code=status_code)
