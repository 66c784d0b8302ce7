"""Security headers, request ids, a body-size limit and CORS for every response."""

import itertools
import os
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, g, has_request_context, request
from flask_cors import CORS
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from .config import Settings
from .proxies import TrustedProxies

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Only our own origin may supply scripts, styles, images, forms and frames; nobody may frame us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
# Swagger UI loads its assets from a CDN and inlines a script, so the docs keep no CSP.
_DOCS_PREFIXES = ("/docs", "/flasgger_static")
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# A client-sent id is echoed only if it is short and plain: it ends up in every log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Ids only need to be unique, not secret: a random per-process prefix and a counter are, cheaply.
_ID_PREFIX = os.urandom(8).hex()
_id_counter = itertools.count(1)


def init_app(app: Flask, settings: Settings) -> None:
    """Install the headers, request ids, MAX_BODY_BYTES (413) and CORS_ORIGINS on an app."""
    # Flask defaults it to None (no limit); a target that sizes its own limit keeps it.
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.before_request(_assign_request_id)
    app.after_request(_add_headers)
    if settings.environment == "production" and settings.hsts_max_age_seconds:
        hsts = f"max-age={settings.hsts_max_age_seconds}; includeSubDomains"
        # TLS ends at the proxy in front: tell browsers to come back over HTTPS only.
        app.after_request(lambda reply: _set_default(reply, "Strict-Transport-Security", hsts))
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.wsgi_app = RequestHost(app.wsgi_app)  # type: ignore[method-assign]
    if settings.forwarded_allow_ips:
        # gunicorn takes the scheme from X-Forwarded-Proto of the same proxies (gunicorn.conf.py).
        app.wsgi_app = ForwardedClient(app.wsgi_app, settings.forwarded_allow_ips)  # type: ignore[method-assign]
    if settings.cors_origins:
        CORS(
            app,
            origins=settings.cors_origins,
            methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Content-Type", "Authorization", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )


def current_request_id() -> str | None:
    """The id of the request being served, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def read_body() -> bytes:
    """The request body; 413 past MAX_BODY_BYTES, also when it arrives chunked."""
    data = request.get_data()
    limit = request.max_content_length
    # Werkzeug stops reading a chunked body at the limit, silently: one byte more means 413.
    at_limit = limit is not None and request.content_length is None and len(data) >= limit
    if at_limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return data


def _assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    if not _SAFE_REQUEST_ID.fullmatch(given):
        given = f"{_ID_PREFIX}{next(_id_counter):016x}"
    g.request_id = given


def _add_headers(response: Response) -> Response:
    headers = response.headers
    if response.status_code == 204:
        # No content, so no content type (Flask would call the empty body text/html).
        headers.pop("Content-Type", None)
    for name, value in _HEADERS.items():
        headers.setdefault(name, value)
    if not request.path.startswith(_DOCS_PREFIXES):
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if response.mimetype == "text/html" and not request.path.startswith(_DOCS_PREFIXES):
        # Pages carry CSRF tokens or a user's data: no cache may keep them.
        headers.setdefault("Cache-Control", "no-store")
    request_id = g.get("request_id")
    if request_id:
        headers["X-Request-ID"] = request_id
    return response


def _set_default(response: Response, name: str, value: str) -> Response:
    response.headers.setdefault(name, value)
    return response


def _too_large(_error: RequestEntityTooLarge) -> tuple[dict[str, str], int]:
    return {"detail": "Request body too large"}, 413


class RequestHost:
    """WSGI middleware: the host a request names, as HTTP/1.1 defines it, for Flask's host check.

    A request target in absolute form (`GET http://host/path`) names the host itself, and the Host
    header is then ignored (RFC 9112 3.2.2). An HTTP/1.1 request without Host is refused. Host
    names compare case-insensitively. TRUSTED_HOSTS then decides (400 "Invalid host header").
    """

    def __init__(self, app: "WSGIApplication") -> None:
        self.app = app

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        target = environ.get("RAW_URI", "")
        if target.startswith(("http://", "https://")):
            environ["HTTP_HOST"] = urlsplit(target).netloc.rpartition("@")[2]
        elif "HTTP_HOST" not in environ and environ.get("SERVER_PROTOCOL") == "HTTP/1.1":
            environ["HTTP_HOST"] = ""  # trusted by no TRUSTED_HOSTS list: 400
        if "HTTP_HOST" in environ:
            environ["HTTP_HOST"] = environ["HTTP_HOST"].lower()
        return self.app(environ, start_response)


class ForwardedClient:
    """WSGI middleware: REMOTE_ADDR becomes the client that trusted proxies report."""

    def __init__(self, app: "WSGIApplication", forwarded_allow_ips: list[str]) -> None:
        self.app = app
        self.proxies = TrustedProxies(forwarded_allow_ips)

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        peer = environ.get("REMOTE_ADDR", "")
        environ["REMOTE_ADDR"] = self.proxies.client(peer, environ.get("HTTP_X_FORWARDED_FOR"))
        return self.app(environ, start_response)
