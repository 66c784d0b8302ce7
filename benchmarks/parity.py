"""The same app under two servers must answer alike: status, headers and body, byte for byte."""

import http.client
from pathlib import Path
from urllib.parse import urlsplit

from .contenders import Contender, serve

JSON = {"Content-Type": "application/json"}
# (method, path, extra headers, body): probes, reads, errors of each kind, the host check, docs.
REQUESTS: tuple[tuple[str, str, dict[str, str], bytes | None], ...] = (
    ("GET", "/health", {}, None),
    ("GET", "/ready", {}, None),
    ("GET", "/api/items/1", {}, None),
    ("GET", "/api/items?limit=5&offset=0", {}, None),
    ("GET", "/api/items/999999999", {}, None),
    ("GET", "/api/items/one", {}, None),
    ("POST", "/api/items", JSON, b"{}"),
    ("POST", "/api/items", JSON, b'{"name": '),
    ("GET", "/health", {"Host": "evil.example"}, None),
    ("GET", "/no-such-route", {}, None),
    ("GET", "/openapi.json", {}, None),
    ("GET", "/docs", {}, None),
)
# What each server adds by itself: the time, and its name (uvicorn says `server: uvicorn`).
SERVER_HEADERS = frozenset({"date", "server"})

Answer = tuple[int, list[tuple[str, str]], bytes]


def fetch(base: str) -> list[Answer]:
    """Send every request to `base`; each carries its own X-Request-ID, which the app echoes."""
    address = urlsplit(base)
    answers = []
    for number, (method, path, headers, body) in enumerate(REQUESTS):
        conn = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
        try:
            conn.request(method, path, body, {"X-Request-ID": f"parity-{number}", **headers})
            resp = conn.getresponse()
            kept = sorted(
                (name.lower(), value)
                for name, value in resp.getheaders()
                if name.lower() not in SERVER_HEADERS
            )
            answers.append((resp.status, kept, resp.read()))
        finally:
            conn.close()
    return answers


def check(reference: Contender, other: Contender, logs: Path) -> list[str]:
    """Serve each in turn on the same database; fail unless `other` answers as `reference` does.

    Returns the requests compared, e.g. "GET /health".
    """
    with serve(reference, logs) as base:
        expected = fetch(base)
    with serve(other, logs) as base:
        got = fetch(base)
    compared = []
    for (method, path, headers, _), want, have in zip(REQUESTS, expected, got, strict=True):
        request = f"{method} {path}" + (f" (Host: {headers['Host']})" if "Host" in headers else "")
        if want != have:
            raise RuntimeError(
                f"{other.name} answers {request} unlike {reference.name}:\n"
                f"{reference.name}: {_show(want)}\n{other.name}: {_show(have)}"
            )
        compared.append(request)
    return compared


def _show(answer: Answer) -> str:
    status, headers, body = answer
    return f"{status} {headers} {body[:300]!r}"
