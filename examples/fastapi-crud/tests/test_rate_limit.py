"""Rate limiting through the production server: who the client is, and what a 429 tells it.

Over real HTTP, because the client's address is the server's to report. Every request here
claims a fresh documentation address (2001:db8::/32) as its client where a proxy is trusted, so
counters left in a shared store by earlier runs never count against this one.
"""

import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from pydantic import ValidationError

from fastapi_crud.config import Settings

LIMIT = 4
# A rate-limited route that needs nothing but the running server.
PATH = "/api/items"
Serve = Callable[..., AbstractContextManager[str]]


def a_client_address() -> str:
    """An address of the documentation range, new for every call."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def statuses(base: str, count: int, forwarded_for: Callable[[], str]) -> list[int]:
    """GET PATH `count` times, each on a new connection, with the X-Forwarded-For given."""
    return [
        httpx.get(base + PATH, headers={"X-Forwarded-For": forwarded_for()}).status_code
        for _ in range(count)
    ]


@pytest.fixture(scope="module")
def behind_proxy(production_server: Serve) -> Iterator[str]:
    """The server behind one trusted reverse proxy at 127.0.0.1, where the tests connect from."""
    with production_server(RATE_LIMIT=f"{LIMIT}/minute", FORWARDED_ALLOW_IPS="127.0.0.1") as url:
        yield url


def test_forwarded_for_is_not_believed_without_a_trusted_proxy(production_server: Serve) -> None:
    # The default: no proxy is trusted, so rotating X-Forwarded-For cannot pick a new key.
    with production_server(RATE_LIMIT=f"{LIMIT}/minute") as base:
        answers = statuses(base, LIMIT + 3, a_client_address)
    assert 429 in answers, f"{LIMIT + 3} requests with rotating X-Forwarded-For: {answers}"
    first = answers.index(429)
    assert answers[first:] == [429] * (len(answers) - first), answers


def test_a_trusted_proxy_reports_the_client_and_spoofed_hops_are_ignored(
    behind_proxy: str,
) -> None:
    client, neighbour = a_client_address(), a_client_address()
    # The client writes any X-Forwarded-For it likes; the proxy appends the address it saw.
    answers = statuses(behind_proxy, LIMIT + 2, lambda: f"{a_client_address()}, {client}")
    assert answers == [200] * LIMIT + [429, 429]
    assert statuses(behind_proxy, 1, lambda: neighbour) == [200], "another client has its own"


def test_a_429_says_when_to_retry(behind_proxy: str) -> None:
    client = a_client_address()
    with httpx.Client(base_url=behind_proxy, headers={"X-Forwarded-For": client}) as http:
        for _ in range(LIMIT):
            assert http.get(PATH).status_code == 200
        refused = http.get(PATH)
    assert refused.status_code == 429
    assert refused.json() == {"detail": f"Rate limit exceeded: {LIMIT} per 1 minute"}
    headers = refused.headers
    assert 1 <= int(headers["retry-after"]) <= 60
    assert headers["ratelimit-reset"] == headers["retry-after"]
    assert headers["ratelimit-limit"] == str(LIMIT)
    assert headers["ratelimit-remaining"] == "0"
    assert headers["ratelimit-policy"] == f"{LIMIT};w=60"
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-request-id"]


@pytest.mark.parametrize("entry", ["*", "localhost", "10.0.0.0/33"])
def test_trusted_proxies_are_addresses_or_networks(entry: str) -> None:
    with pytest.raises(ValidationError, match="forwarded_allow_ips"):
        Settings(forwarded_allow_ips=entry)  # type: ignore[arg-type]
