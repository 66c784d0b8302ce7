"""The HTTP contract of this service, checked over real HTTP against its production command.

The same suite holds this service's FastAPI and Flask versions to one API: status codes, JSON
bodies byte for byte, timestamps, error bodies, pagination, headers and limits. The few places
where the two frameworks may answer differently are the constants under "Framework differences";
anything else that differs is a bug in one of them. Schemathesis checks what the OpenAPI document
says; this checks what a document cannot. Not covered: what the HTTP server itself decides (its
reason phrases, `Server`, `Date`, `Connection`), and the rate limiter (test_security.py), which
this server runs without so that the suite is never throttled.
"""

import json
import re
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

# The limits the server runs with.
MAX_BODY_BYTES = 64 * 1024
MAX_BATCH_SIZE = 8

# Framework differences: the only answers that may differ between FastAPI and Flask.
# Methods a route answers without declaring them: FastAPI adds neither HEAD nor OPTIONS.
AUTOMATIC_METHODS: frozenset[str] = frozenset()
# Headers only one framework sends.
EXTRA_HEADERS: dict[str, str] = {}

# Headers the HTTP server (uvicorn, gunicorn) adds: not the application's, not the contract's.
SERVER_HEADERS = frozenset(
    {"date", "server", "connection", "keep-alive", "content-length", "transfer-encoding"}
)
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "cross-origin-opener-policy": "same-origin",
    "content-security-policy": (
        "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
        "object-src 'none'"
    ),
    # Production only (the server here runs in production): TLS ends at a proxy in front.
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
# pydantic's messages that do not fit on a line.
NOT_AN_OBJECT = "Input should be a valid dictionary or object to extract fields from"
NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"
# Request ids the server makes up: 32 lowercase hex digits.
GENERATED_ID = re.compile(r"[0-9a-f]{32}")
JSON = {"Content-Type": "application/json"}
# Timestamps: UTC, ISO 8601, microseconds when there are any, and "Z".
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")
JSON_ENDPOINT = "/predict"
SETOSA = {
    "sepal_length_cm": 5.1,
    "sepal_width_cm": 3.5,
    "petal_length_cm": 1.4,
    "petal_width_cm": 0.2,
}
VIRGINICA = {
    "sepal_length_cm": 7.7,
    "sepal_width_cm": 3.0,
    "petal_length_cm": 6.1,
    "petal_width_cm": 2.3,
}
CLASS_NAMES = ["setosa", "versicolor", "virginica"]
# What the fake upstream's /good/predict answers.
UPSTREAM_ANSWER = {
    "model_version": "upstream-1",
    "prediction": {
        "label": "setosa",
        "confidence": 0.9,
        "probabilities": {"setosa": 0.9, "versicolor": 0.1, "virginica": 0.0},
    },
}
# In an upstream's URL (UPSTREAM_URLS may carry credentials); no answer may show it.
UPSTREAM_USERINFO = "user:s3cret-in-url"


def encode(body: object) -> bytes:
    """A JSON body as both frameworks write it: compact, UTF-8, keys in the documented order."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def invalid(*entries: tuple[str, Sequence[str | int], str]) -> dict[str, object]:
    """A 422 body: `{"detail": [{"type", "loc", "msg"}, ...]}`, never the input itself."""
    return {
        "detail": [{"type": type_, "loc": list(loc), "msg": msg} for type_, loc, msg in entries]
    }


def not_json(reason: str) -> tuple[str, Sequence[str | int], str]:
    """The 422 entry for a body that is not strict JSON."""
    return ("json_invalid", ["body"], f"Invalid JSON: {reason}")


def assert_answer(
    response: httpx.Response,
    status: int,
    body: object = None,
    *,
    allow: set[str] | None = None,
    request_id: str | None = None,
) -> None:
    """The status, the body byte for byte, and exactly the contract's headers."""
    assert response.status_code == status, response.text
    expected = {**SECURITY_HEADERS, **EXTRA_HEADERS}
    if body is None:
        assert response.content == b""
    else:
        expected["content-type"] = "application/json"
        assert response.content.decode() == encode(body).decode()
    headers = {
        name: value for name, value in response.headers.items() if name not in SERVER_HEADERS
    }
    sent_id = headers.pop("x-request-id", "")
    if request_id is None:
        assert GENERATED_ID.fullmatch(sent_id), sent_id
    else:
        assert sent_id == request_id
    if allow is not None:
        assert set(headers.pop("allow", "").split(", ")) == allow | AUTOMATIC_METHODS
    assert headers == expected


def assert_timestamp(value: object) -> datetime:
    """A timestamp of the last minute, in the contract's one format."""
    assert isinstance(value, str)
    assert TIMESTAMP.fullmatch(value), value
    moment = datetime.fromisoformat(value)
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=1)
    return moment


def post_raw(http: httpx.Client, path: str, raw: bytes) -> httpx.Response:
    """POST raw bytes as a JSON body."""
    return http.post(path, content=raw, headers=JSON)


class _Upstream(BaseHTTPRequestHandler):
    """A fake upstream model: /good answers, /garbage answers nonsense, /down is down."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/good/predict":
            self._send(200, encode(UPSTREAM_ANSWER))
        elif self.path == "/garbage/predict":
            self._send(200, b'{"unexpected": true}')
        else:
            self._send(503, b'{"detail": "down"}')

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest's output is for failures."""


@pytest.fixture(scope="module")
def upstreams() -> Iterator[list[str]]:
    """UPSTREAM_URLS: the fake upstream's three paths and a port where nothing listens."""
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{upstream.server_address[1]}"
    # Named and bare entries; the closed port's URL carries credentials no answer may show.
    closed = f"http://{UPSTREAM_USERINFO}@127.0.0.1:{closed_port}"
    yield [f"good={base}/good", f"{base}/garbage", f"{base}/down", closed]
    upstream.shutdown()


@pytest.fixture(scope="module")
def server(
    production_server: Callable[..., AbstractContextManager[str]], upstreams: list[str]
) -> Iterator[str]:
    """The production command, once for this module, with the contract's limits."""
    settings = {"MAX_BODY_BYTES": str(MAX_BODY_BYTES), "RATE_LIMIT": ""}
    settings |= {
        "MAX_BATCH_SIZE": str(MAX_BATCH_SIZE),
        "UPSTREAM_URLS": ",".join(upstreams),
        "UPSTREAM_TIMEOUT_SECONDS": "5",
    }
    with production_server(**settings) as base_url:
        yield base_url


@pytest.fixture
def http(server: str, clean_tables: None) -> Iterator[httpx.Client]:
    """A client of the server; what the test wrote is gone after it."""
    with httpx.Client(base_url=server, timeout=10) as client:
        yield client


def test_health(http: httpx.Client) -> None:
    assert_answer(http.get("/health"), 200, {"status": "ok"})


def test_ready(http: httpx.Client) -> None:
    assert_answer(http.get("/ready"), 200, {"status": "ready"})


def test_unknown_path_is_404(http: httpx.Client) -> None:
    assert_answer(http.get("/no/such/path"), 404, {"detail": "Not Found"})


def test_wrong_method_is_405_with_allow(http: httpx.Client) -> None:
    response = http.put("/health")
    assert_answer(response, 405, {"detail": "Method Not Allowed"}, allow={"GET"})


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS"])
def test_automatic_methods(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/health")
    if method in AUTOMATIC_METHODS:
        assert response.status_code == 200
    else:
        assert response.status_code == 405
        assert set(response.headers["allow"].split(", ")) == {"GET"}


@pytest.mark.parametrize(
    "host", ["evil.example", "localhost.evil.example", "example.com/health?x=", "127.0.0.2"]
)
def test_untrusted_host_is_400(http: httpx.Client, host: str) -> None:
    response = http.get("/health", headers={"Host": host})
    assert_answer(response, 400, {"detail": "Invalid host header"})


@pytest.mark.parametrize("request_id", ["abc-123", "Req.42:7_x", "x" * 128])
def test_plain_request_id_is_echoed(http: httpx.Client, request_id: str) -> None:
    headers = {"X-Request-ID": request_id}
    assert_answer(
        http.get("/health", headers=headers), 200, {"status": "ok"}, request_id=request_id
    )
    response = http.get("/no/such/path", headers=headers)
    assert_answer(response, 404, {"detail": "Not Found"}, request_id=request_id)


@pytest.mark.parametrize("request_id", ["", "has space", "x" * 129, "semi;colon", "ünï"])
def test_other_request_ids_are_replaced(http: httpx.Client, request_id: str) -> None:
    # httpx sends header values as bytes; a non-ASCII one goes as UTF-8.
    headers = {b"X-Request-ID": request_id.encode()}
    first = http.get("/health", headers=headers)
    second = http.get("/health", headers=headers)
    assert_answer(first, 200, {"status": "ok"})
    assert_answer(second, 200, {"status": "ok"})
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_no_cors_headers_for_other_origins(http: httpx.Client) -> None:
    # CORS_ORIGINS is empty by default: a browser on another origin gets no permission.
    response = http.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert_answer(response, 200, {"status": "ok"})


def test_body_over_the_limit_is_413(http: httpx.Client) -> None:
    response = post_raw(http, JSON_ENDPOINT, b" " * (MAX_BODY_BYTES + 1))
    assert_answer(response, 413, {"detail": "Request body too large"})


def test_chunked_body_over_the_limit_is_413(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"padding": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 1):
            yield b"x" * 1024
        yield b'"}'

    response = http.post(JSON_ENDPOINT, content=chunks(), headers=JSON)
    assert_answer(response, 413, {"detail": "Request body too large"})


def test_openapi_documents_the_422_body(http: httpx.Client) -> None:
    response = http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    operation = document["paths"][JSON_ENDPOINT]["post"]
    body = resolve(operation["responses"]["422"]["content"]["application/json"]["schema"])
    entry = resolve(body["properties"]["detail"]["items"])
    assert list(entry["properties"]) == ["type", "loc", "msg"]
    assert set(entry["required"]) == {"type", "loc", "msg"}


def prediction(body: dict[str, Any]) -> dict[str, Any]:
    """A prediction's shape: a label of the model's, its confidence, one probability per class."""
    assert list(body) == ["label", "confidence", "probabilities"]
    assert list(body["probabilities"]) == CLASS_NAMES
    assert body["label"] in CLASS_NAMES
    assert body["confidence"] == max(body["probabilities"].values())
    assert abs(sum(body["probabilities"].values()) - 1) < 1e-3
    return body


def test_model(http: httpx.Client) -> None:
    response = http.get("/model")
    info = response.json()
    assert list(info) == [
        "model_version",
        "algorithm",
        "dataset",
        "feature_names",
        "class_names",
        "trained_at",
        "metrics",
        "n_train",
        "n_test",
    ]
    assert info["feature_names"] == list(SETOSA)
    assert info["class_names"] == CLASS_NAMES
    assert isinstance(info["model_version"], str)
    assert TIMESTAMP.fullmatch(info["trained_at"])
    assert all(0 <= value <= 1 for value in info["metrics"].values())
    assert_answer(response, 200, info)


def test_predict(http: httpx.Client) -> None:
    version = http.get("/model").json()["model_version"]
    response = http.post("/predict", json={"features": SETOSA})
    body = response.json()
    assert list(body) == ["model_version", "prediction"]
    assert body["model_version"] == version
    assert prediction(body["prediction"])["label"] == "setosa"
    assert_answer(response, 200, body)


def test_batch_keeps_the_order(http: httpx.Client) -> None:
    single = http.post("/predict", json={"features": VIRGINICA}).json()
    response = http.post("/predict/batch", json={"records": [SETOSA, VIRGINICA, SETOSA]})
    body = response.json()
    assert list(body) == ["model_version", "count", "predictions"]
    assert body["model_version"] == single["model_version"]
    assert body["count"] == 3
    labels = [prediction(answer)["label"] for answer in body["predictions"]]
    assert labels == ["setosa", "virginica", "setosa"]
    assert body["predictions"][1] == single["prediction"]
    assert_answer(response, 200, body)


def test_batch_size_limit(http: httpx.Client) -> None:
    at_limit = http.post("/predict/batch", json={"records": [SETOSA] * MAX_BATCH_SIZE})
    assert at_limit.status_code == 200
    assert at_limit.json()["count"] == MAX_BATCH_SIZE
    too_many = {"records": [SETOSA] * (MAX_BATCH_SIZE + 1)}
    detail = f"batch of {MAX_BATCH_SIZE + 1} records exceeds MAX_BATCH_SIZE={MAX_BATCH_SIZE}"
    assert_answer(http.post("/predict/batch", json=too_many), 413, {"detail": detail})
    # The size is checked before the records: too many invalid records are still too many.
    too_many = {"records": [{"petal": 1}] * (MAX_BATCH_SIZE + 1)}
    assert_answer(http.post("/predict/batch", json=too_many), 413, {"detail": detail})


def features(**changes: object) -> bytes:
    """A /predict body, raw: SETOSA with these changes (raw JSON literals)."""
    fields = {**SETOSA, **changes}
    return ('{"features": {' + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}}").encode()


FEATURE = ("body", "features", "sepal_length_cm")
EXTRA = "Extra inputs are not permitted"
TOO_SHORT = "List should have at least 1 item after validation, not 0"


@pytest.mark.parametrize("path", ["/predict", "/aggregate"])
@pytest.mark.parametrize(
    ("raw", "type_", "loc", "msg"),
    [
        (b"{}", "missing", ("body", "features"), "Field required"),
        (features(sepal_length_cm=0), "greater_than", FEATURE, "Input should be greater than 0"),
        (
            features(sepal_length_cm=101),
            "less_than_equal",
            FEATURE,
            "Input should be less than or equal to 100",
        ),
        (
            features(sepal_length_cm='"long"'),
            "float_parsing",
            FEATURE,
            "Input should be a valid number, unable to parse string as a number",
        ),
        # JSON, but too large for a float: refused by the field, and never echoed.
        (
            features(sepal_length_cm="1e309"),
            "finite_number",
            FEATURE,
            "Input should be a finite number",
        ),
        # Not JSON: refused before any field sees it.
        (features(sepal_length_cm="NaN"), *not_json("expected value at line 1 column 34")),
        (features(colour='"blue"'), "extra_forbidden", ("body", "features", "colour"), EXTRA),
        (features().replace(b"}}", b'}, "x": 1}'), "extra_forbidden", ("body", "x"), EXTRA),
        (b"[1]", "model_attributes_type", ("body",), NOT_AN_OBJECT),
        (b"", "missing", ("body",), "Field required"),
    ],
)
def test_invalid_record_is_422(
    http: httpx.Client, path: str, raw: bytes, type_: str, loc: tuple[str, ...], msg: str
) -> None:
    assert_answer(post_raw(http, path, raw), 422, invalid((type_, loc, msg)))


@pytest.mark.parametrize(
    ("raw", "entries"),
    [
        (b'{"records": []}', [("too_short", ("body", "records"), TOO_SHORT)]),
        (b'{"records": 5}', [("list_type", ("body", "records"), "Input should be a valid list")]),
        (b'{"records": [1]}', [("model_attributes_type", ("body", "records", 0), NOT_AN_OBJECT)]),
        (
            b'{"records": [], "x": 1}',
            [
                ("too_short", ("body", "records"), TOO_SHORT),
                ("extra_forbidden", ("body", "x"), EXTRA),
            ],
        ),
        (b'{"records": [{"x":-Infinity}]}', [not_json("invalid number at line 1 column 20")]),
        (b"", [("missing", ("body",), "Field required")]),
    ],
)
def test_invalid_batch_is_422(
    http: httpx.Client, raw: bytes, entries: list[tuple[str, Sequence[str | int], str]]
) -> None:
    assert_answer(post_raw(http, "/predict/batch", raw), 422, invalid(*entries))


def test_invalid_record_in_a_batch_is_422_with_its_index(http: httpx.Client) -> None:
    records = [SETOSA, {**VIRGINICA, "petal_width_cm": -1}]
    response = http.post("/predict/batch", json={"records": records})
    loc = ("body", "records", 1, "petal_width_cm")
    assert_answer(response, 422, invalid(("greater_than", loc, "Input should be greater than 0")))


def test_aggregate_reports_every_upstream_by_name(http: httpx.Client) -> None:
    response = http.post("/aggregate", json={"features": SETOSA})
    body = response.json()
    for entry in body["results"]:
        assert isinstance(entry["elapsed_ms"], float)
        assert entry["elapsed_ms"] >= 0

    def result(name: str, index: int, **fields: object) -> dict[str, object]:
        # Every field of an upstream's result, in order; elapsed_ms as measured.
        return {
            "name": name,
            "ok": False,
            "status_code": None,
            "elapsed_ms": body["results"][index]["elapsed_ms"],
            "model_version": None,
            "prediction": None,
            "error": None,
        } | fields

    expected = {
        "model_versions": ["upstream-1"],
        "succeeded": 1,
        "failed": 3,
        "combined": UPSTREAM_ANSWER["prediction"],
        "results": [
            result("good", 0, ok=True, status_code=200, **UPSTREAM_ANSWER),
            result("upstream-2", 1, status_code=200, error="upstream answered an unexpected body"),
            result("upstream-3", 2, status_code=503, error="upstream answered HTTP 503"),
            result("upstream-4", 3, error="request failed: ConnectError"),
        ],
    }
    assert_answer(response, 200, expected)
    assert UPSTREAM_USERINFO.partition(":")[2] not in response.text
    assert "127.0.0.1" not in response.text, "answers name upstreams, never their URLs"
