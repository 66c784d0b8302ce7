"""Three upstream model services for the fan-out workload: each answers POST /predict after 100 ms.

One uvicorn process (run in the harness's venv) listens on three loopback ports; each port is one
upstream. The app is bare ASGI, not Starlette, so that ~900 upstream calls per second cost little
CPU: on two cores the upstreams must not be what the fan-out measures. Sleeping requests cost no
CPU, so hundreds of them in flight at once are fine.

    python benchmarks/upstreams.py --delay 0.1 PORT PORT PORT
"""

import argparse
import asyncio
import json
import socket
from typing import Any

import uvicorn

# The body of an upstream's POST /predict, as the generated services' PredictResponse expects it.
PREDICTION = {
    "label": "setosa",
    "confidence": 0.8,
    "probabilities": {"setosa": 0.8, "versicolor": 0.15, "virginica": 0.05},
}
JSON = [(b"content-type", b"application/json")]


def make_app(delay: float) -> Any:
    """An ASGI app: POST .../predict sleeps `delay` seconds then answers; GET /health at once."""
    bodies: dict[int, bytes] = {}

    def body_for(port: int) -> bytes:
        if port not in bodies:
            answer = {"model_version": f"upstream-{port}", "prediction": PREDICTION}
            bodies[port] = json.dumps(answer).encode()
        return bodies[port]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:  # read the whole request body before answering
            message = await receive()
            more = message.get("more_body", False)
        if scope["method"] == "POST" and scope["path"].endswith("/predict"):
            await asyncio.sleep(delay)
            status, body = 200, body_for(scope["server"][1])
        elif scope["path"] == "/health":
            status, body = 200, b'{"status":"ok"}'
        else:
            status, body = 404, b'{"detail":"Not Found"}'
        headers = [*JSON, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    """Bind the ports, then serve them all from one event loop until terminated."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds before each answer")
    parser.add_argument("ports", type=int, nargs="+")
    opts = parser.parse_args()
    sockets = []
    for port in opts.ports:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sockets.append(sock)
    config = uvicorn.Config(
        make_app(opts.delay),
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
        backlog=4096,
    )
    uvicorn.Server(config).run(sockets=sockets)


if __name__ == "__main__":
    main()
