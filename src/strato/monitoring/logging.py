"""Request ids and the one-line JSON summary logged for every request.

Every request gets an id: a well-formed incoming ``X-Request-Id`` is kept
(so ids follow a call across services), anything else is replaced by a
fresh one. The id is echoed in the response and bound into structlog's
context, so every line logged while serving the request carries ``rid``.

Logs are JSON lines in production (``logging_renderer = json``) and
coloured, human-readable lines in development (``console``). Credentials,
tokens and bodies are never logged.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import structlog
from pyramid.request import Request
from pyramid.response import Response

__all__ = ["REQUEST_ID_HEADER", "configure", "get_logger", "request_id"]

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:+/=-]{1,128}$")

summary_logger = structlog.get_logger("request.summary")


def get_logger(name: str) -> Any:
    """A structlog logger bound to ``name``."""
    return structlog.get_logger(name)


def configure(settings: Mapping[str, Any]) -> None:
    """Configure structlog on top of the standard logging module.

    Output goes through :mod:`logging`, so INI ``[loggers]`` sections keep
    deciding levels and handlers; only the line format is ours.
    """
    renderer: Any
    if settings.get("logging_renderer", "json") == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    else:
        renderer = structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def request_id(request: Request) -> str:
    """The id of ``request``: the incoming header if well-formed, else new."""
    existing = getattr(request, "_strato_rid", None)
    if existing:
        return existing  # type: ignore[no-any-return]
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    rid = incoming if _REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
    request._strato_rid = rid
    return rid


def request_summary_tween_factory(
    handler: Callable[[Request], Response], registry: Any
) -> Callable[[Request], Response]:
    """Tween assigning the request id and logging the summary line."""

    def tween(request: Request) -> Response:
        rid = request_id(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(rid=rid)
        start = time.perf_counter()
        try:
            response = handler(request)
        finally:
            elapsed_ms = round((time.perf_counter() - start) * 1000, 3)
        response.headers[REQUEST_ID_HEADER] = rid
        fields: dict[str, Any] = {
            "method": request.method,
            "path": _safe_path(request),
            "code": response.status_code,
            "t": elapsed_ms,
            "errno": getattr(response, "errno", 0) or 0,
            "agent": request.headers.get("User-Agent"),
        }
        if request.headers.get("Accept-Language"):
            fields["lang"] = request.headers["Accept-Language"]
        try:
            userid = request.authenticated_userid
        except Exception:  # pragma: no cover - never fail a response for a log field
            userid = None
        if userid:
            fields["uid"] = userid
        extra = getattr(request, "_strato_log_context", None)
        if extra:
            fields.update(extra)
        summary_logger.info("request.summary", **fields)
        structlog.contextvars.clear_contextvars()
        return response

    return tween


def _safe_path(request: Request) -> str:
    try:
        path: str = request.path
    except UnicodeDecodeError:
        raw: str = request.environ.get("PATH_INFO", "")
        return raw.encode("latin-1").decode("utf-8", "replace")
    return path


def log_context(request: Request, **fields: Any) -> None:
    """Add fields to the summary line of ``request`` (and its log context)."""
    context = getattr(request, "_strato_log_context", None)
    if context is None:
        context = {}
        request._strato_log_context = context
    context.update(fields)


logging.getLogger("request.summary").setLevel(logging.INFO)
