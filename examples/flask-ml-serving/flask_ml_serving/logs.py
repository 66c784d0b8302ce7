"""JSON-lines logging: one object per line, tagged with the request id, secrets scrubbed."""

import logging
import re
import sys
from collections.abc import Callable
from types import TracebackType

from pythonjsonlogger.json import JsonFormatter

# Credentials that must never reach a log line, whatever message or traceback carries them.
_SECRETS = (
    (re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [REDACTED]"),
    (
        re.compile(
            r"(?i)\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key|password|passwd"
            r"|secret(?:_key)?|api[_-]?key|access[_-]?token)(['\"]?\s*[:=]\s*['\"]?)[^\s'\",;&]+"
        ),
        r"\1\2[REDACTED]",
    ),
    # user:password@host in a URL (a DATABASE_URL or REDIS_URL).
    (re.compile(r"(://[^:/@\s]+:)[^@\s]+@"), r"\1[REDACTED]@"),
)
# Not gunicorn.access: no per-request access log unless ACCESS_LOG asks for one.
_SERVER_LOGGERS = ("gunicorn.error",)
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def redact(text: str) -> str:
    """Text with credentials replaced by [REDACTED]."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, scrubbing tracebacks (RequestIdFilter scrubs messages)."""

    def formatException(self, ei: ExcInfo) -> str | list[str]:  # type: ignore[override]
        """The traceback, scrubbed."""
        formatted = super().formatException(ei)
        if isinstance(formatted, str):
            return redact(formatted)
        return [redact(line) for line in formatted]


class RequestIdFilter(logging.Filter):
    """Tag every record with the id of the request it was logged during (or null)."""

    def __init__(self, current_request_id: Callable[[], str | None]) -> None:
        super().__init__()
        self.current_request_id = current_request_id

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach request_id and scrub the rendered message; never drops a record."""
        record.request_id = self.current_request_id()
        record.__dict__.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def configure_logging(level: int, current_request_id: Callable[[], str | None]) -> None:
    """Send every log record, gunicorn's included, to stdout as one JSON object per line."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        RedactingJsonFormatter(
            ["asctime", "levelname", "name", "message", "request_id"],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestIdFilter(current_request_id))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    # httpx logs every outbound request at INFO: too chatty (and costly) per request.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    # gunicorn installs its own plain-text handlers; route its records through ours instead.
    for name in _SERVER_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
