"""Error numbers and the JSON error body every strato response uses.

Map of what lives here:

- :class:`ERRORS` -- the errno table clients rely on (the single source the
  docs list is generated from). Each member carries its number and the HTTP
  status it normally travels with.
- :func:`http_error` -- the one function that builds every JSON error
  response: ``{"code", "errno", "error", "message"?, "info"?, "details"?}``.
- :func:`json_error_handler` -- turns cornice validation errors into that body
  (errno 107).
- :func:`raise_invalid` -- shortcut for views that reject a request
  parameter.
- :func:`send_alert` -- adds the ``Alert`` header used for deprecations.

Exceptions raised by backends live in their own packages
(:mod:`strato.storage.errors`, ...); the error views in
:mod:`strato.views.errors` translate them with :func:`http_error`.
"""

from __future__ import annotations

import enum
import json
from typing import Any

from pyramid import httpexceptions
from pyramid.request import Request
from pyramid.response import Response

__all__ = [
    "ERRORS",
    "ConfigurationError",
    "http_error",
    "json_error_handler",
    "raise_invalid",
    "send_alert",
]


class ConfigurationError(Exception):
    """A setting or a registration is wrong; raised at start-up, never per request."""


class ERRORS(enum.IntEnum):
    """Error numbers sent in the ``errno`` field of error bodies.

    The numbers are part of the wire protocol: clients branch on them, so a
    member's value never changes.
    """

    MISSING_AUTH_TOKEN = 104
    INVALID_AUTH_TOKEN = 105
    BADJSON = 106
    INVALID_PARAMETERS = 107
    MISSING_PARAMETERS = 108
    INVALID_POSTED_DATA = 109
    INVALID_RESOURCE_ID = 110
    MISSING_RESOURCE = 111
    MISSING_CONTENT_LENGTH = 112
    REQUEST_TOO_LARGE = 113
    MODIFIED_MEANWHILE = 114
    METHOD_NOT_ALLOWED = 115
    VERSION_NOT_AVAILABLE = 116
    CLIENT_REACHED_CAPACITY = 117
    FORBIDDEN = 121
    CONSTRAINT_VIOLATED = 122
    BACKEND = 201
    SERVICE_DEPRECATED = 202
    UNDEFINED = 999

    @property
    def http_status(self) -> int:
        """The HTTP status this errno is normally sent with."""
        return _HTTP_STATUS[self]


_HTTP_STATUS = {
    ERRORS.MISSING_AUTH_TOKEN: 401,
    ERRORS.INVALID_AUTH_TOKEN: 401,
    ERRORS.BADJSON: 400,
    ERRORS.INVALID_PARAMETERS: 400,
    ERRORS.MISSING_PARAMETERS: 400,
    ERRORS.INVALID_POSTED_DATA: 400,
    ERRORS.INVALID_RESOURCE_ID: 404,
    ERRORS.MISSING_RESOURCE: 404,
    ERRORS.MISSING_CONTENT_LENGTH: 411,
    ERRORS.REQUEST_TOO_LARGE: 413,
    ERRORS.MODIFIED_MEANWHILE: 412,
    ERRORS.METHOD_NOT_ALLOWED: 405,
    ERRORS.VERSION_NOT_AVAILABLE: 404,
    ERRORS.CLIENT_REACHED_CAPACITY: 429,
    ERRORS.FORBIDDEN: 403,
    ERRORS.CONSTRAINT_VIOLATED: 409,
    ERRORS.BACKEND: 503,
    ERRORS.SERVICE_DEPRECATED: 410,
    ERRORS.UNDEFINED: 500,
}


def http_error(
    httpexception: httpexceptions.HTTPException,
    errno: int | None = None,
    code: int | None = None,
    error: str | None = None,
    message: str | None = None,
    info: str | None = None,
    details: Any = None,
) -> httpexceptions.HTTPException:
    """Turn a Pyramid HTTP exception into strato's JSON error response.

    The returned exception can be raised or returned by a view. ``errno``
    defaults to 999 (undefined); ``message``, ``info`` and ``details`` are
    left out of the body when empty. The errno is also stored on the
    response (``response.errno``) so logs and metrics can report it.
    """
    errno = int(errno if errno is not None else ERRORS.UNDEFINED)
    code = code or httpexception.code
    body: dict[str, Any] = {
        "code": code,
        "errno": errno,
        "error": error or httpexception.title,
    }
    if message:
        body["message"] = message
    if info:
        body["info"] = info
    if details is not None and details != [] and details != {}:
        body["details"] = details

    response = httpexception
    response.errno = errno
    response.status = code
    response.content_type = "application/json"
    response.charset = None
    response.body = json.dumps(body).encode("utf-8")
    return response


def _format_message(error: dict[str, Any]) -> str:
    name = error.get("name")
    location = error.get("location")
    description = str(error.get("description"))
    if name is not None:
        if str(name) in description:
            return description
        return f"{name} in {location}: {description}"
    return f"{location}: {description}"


def json_error_handler(request: Request) -> httpexceptions.HTTPException:
    """Render cornice's ``request.errors`` as a 400/406/415 JSON error.

    The first error (sorted by name) becomes the ``message``; the whole list
    is in ``details`` so clients can show every problem at once.
    """
    errors = list(request.errors)
    status = getattr(request.errors, "status", 400) or 400
    clean = []
    for e in errors:
        description = e.get("description")
        if isinstance(description, bytes):
            description = description.decode("utf-8", "replace")
        clean.append(
            {
                "location": e.get("location"),
                "name": e.get("name"),
                "description": description,
            }
        )
    ordered = sorted(clean, key=lambda e: str(e.get("name") or ""))
    message = _format_message(ordered[0]) if ordered else None
    exc = httpexceptions.exception_response(status)
    return http_error(
        exc,
        errno=ERRORS.INVALID_PARAMETERS,
        error="Invalid parameters",
        message=message,
        details=clean,
    )


def raise_invalid(
    request: Request,
    location: str = "body",
    name: str | None = None,
    description: str | None = None,
    **kwargs: Any,
) -> None:
    """Abort the request with a 400 naming the faulty parameter.

    Raises the JSON error built by :func:`json_error_handler`.
    """
    request.errors.add(location, name, description, **kwargs)
    response = json_error_handler(request)
    raise response


def send_alert(
    request: Request, message: str | None = None, url: str | None = None, code: str = "soft-eol"
) -> None:
    """Attach an ``Alert`` header telling clients about a deprecation."""
    if url is None:
        url = request.registry.settings.get("project_docs")
    payload = {"code": code, "message": message, "url": url}
    request.response.headers["Alert"] = json.dumps(payload)


def error_response(status: int, errno: int, message: str | None = None) -> Response:
    """Build a fresh error response for ``status`` (for tweens that cannot raise)."""
    return http_error(httpexceptions.exception_response(status), errno=errno, message=message)
