"""Host handling at the production server, with raw requests no HTTP client library would send.

Every request names the service through exactly one Host (RFC 9112 3.2), compared
case-insensitively (RFC 9110 4.2.3), and refused with the JSON 400 of any untrusted Host.
"""

import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest

Serve = Callable[..., AbstractContextManager[str]]
BAD_HOST = b'{"detail":"Invalid host header"}'


@pytest.fixture(scope="module")
def address(production_server: Serve) -> Iterator[tuple[str, int]]:
    """The production command's loopback address."""
    with production_server() as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        yield host, int(port)


def exchange(address: tuple[str, int], head: str) -> tuple[int, bytes]:
    """Send one request head as written, close, and read the status and body of the answer."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head.encode() + b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize("host", ["LOCALHOST", "LocalHost:8000", "127.0.0.1"])
def test_host_names_compare_case_insensitively(address: tuple[str, int], host: str) -> None:
    assert exchange(address, f"GET /health HTTP/1.1\r\nHost: {host}\r\n")[0] == 200


def test_a_second_host_header_is_400(address: tuple[str, int]) -> None:
    head = "GET /health HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n"
    status, body = exchange(address, head)
    assert status == 400
    # gunicorn refuses it before the app sees it, with its own HTML page (README, "Errors").
    assert b"Invalid HTTP Header" in body


def test_http_11_without_host_is_400(address: tuple[str, int]) -> None:
    assert exchange(address, "GET /health HTTP/1.1\r\n") == (400, BAD_HOST)


@pytest.mark.parametrize(
    ("target", "status"),
    [("http://evil.example/health", 400), ("http://localhost/health", 200)],
)
def test_an_absolute_form_target_names_the_host(
    address: tuple[str, int], target: str, status: int
) -> None:
    # RFC 9112 3.2.2: the target's host replaces Host, so it must be an allowed one.
    assert exchange(address, f"GET {target} HTTP/1.1\r\nHost: localhost\r\n")[0] == status
