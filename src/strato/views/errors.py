"""Exception views: every error a client sees is a JSON body with an errno.

Unknown URLs, unknown API versions, trailing slashes, 401/403, 405, backend
failures and programming errors all end here. No traceback, SQL text or
exception message of a backend ever reaches the client; 500s are logged
with the request id.
"""

from __future__ import annotations

import re
from typing import Any

from cornice import cors
from pyramid import httpexceptions
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import forget
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from strato.errors import ERRORS, http_error
from strato.monitoring import logging as strato_logging
from strato.service import EXPOSED_HEADERS
from strato.storage import errors as storage_errors

# structlog, so these lines carry the request id (``rid``) bound by the
# request summary tween, like every other line logged during a request.
logger = strato_logging.get_logger("strato.errors")

_VERSION_PATH = re.compile(r"^/v(\d+)(/|$)")


def reapply_cors(request: Request, response: Response) -> Response:
    """Put CORS headers back on an error response.

    Responses of a service get that service's CORS headers; other responses
    (unknown URL, redirects) allow the origin only when ``*`` or that exact
    origin is configured, and expose the base header list.
    """
    service = getattr(request, "current_service", None)
    if service is not None:
        request.info["cors_checked"] = False
        errors = getattr(request, "errors", None)
        count = len(errors) if errors is not None else 0
        response = cors.apply_cors_post_request(service, request, response)
        if errors is not None and len(errors) > count:
            # A disallowed origin noticed while re-applying: drop the error,
            # the response is already an error.
            del errors[count:]
        return response
    origin = request.headers.get("Origin")
    settings = request.registry.settings
    allowed = settings.get("cors_origins") or ()
    if origin:
        if "*" in allowed:
            response.headers["Access-Control-Allow-Origin"] = "*"
        elif origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
    return response


def _retry_after(request: Request, response: Response) -> Response:
    response.headers["Retry-After"] = str(request.registry.settings.get("retry_after_seconds", 30))
    return response


@notfound_view_config()
def page_not_found(context: Any, request: Request) -> Response:
    """Unknown version (116), trailing-slash redirect, else 404 errno 111."""
    if getattr(context, "errno", None) is not None and context.content_type == "application/json":
        return reapply_cors(request, context)

    settings = request.registry.settings
    path = request.path_info
    api_major = str(settings.get("http_api_version", "1")).split(".")[0]
    match = _VERSION_PATH.match(path)
    if match and match.group(1) != api_major:
        response = http_error(
            httpexceptions.HTTPNotFound(),
            errno=ERRORS.VERSION_NOT_AVAILABLE,
            message="The requested API version is not available on this server.",
        )
        return reapply_cors(request, response)

    if settings.get("trailing_slash_redirect_enabled", True):
        redirect = None
        if path == f"/v{api_major}":
            redirect = f"{path}/"
        elif path.endswith("/") and path != "/":
            redirect = path.rstrip("/") or "/"
        if redirect and "\r" not in redirect and "\n" not in redirect:
            if request.query_string:
                redirect += f"?{request.query_string}"
            response = httpexceptions.HTTPTemporaryRedirect(location=redirect)
            ttl = int(settings.get("trailing_slash_redirect_ttl_seconds", 3600))
            if ttl >= 0:
                response.cache_expires(ttl)
            return reapply_cors(request, response)

    response = http_error(
        httpexceptions.HTTPNotFound(),
        errno=ERRORS.MISSING_RESOURCE,
        message="The resource you are looking for could not be found.",
    )
    return reapply_cors(request, response)


@forbidden_view_config()
def authorization_required(context: Any, request: Request) -> Response:
    """401 (errno 104) for anonymous callers, 403 (errno 121) otherwise."""
    if getattr(context, "errno", None) is not None and context.content_type == "application/json":
        return reapply_cors(request, context)
    if request.authenticated_userid is None:
        response = http_error(
            httpexceptions.HTTPUnauthorized(),
            errno=ERRORS.MISSING_AUTH_TOKEN,
            message="Please authenticate yourself to use this endpoint.",
        )
        response.headers.extend(forget(request))
        challenge = getattr(request, "_strato_challenge", None)
        if challenge and "WWW-Authenticate" not in response.headers:
            response.headers["WWW-Authenticate"] = challenge
        return reapply_cors(request, response)
    response = http_error(
        httpexceptions.HTTPForbidden(),
        errno=ERRORS.FORBIDDEN,
        message="This user cannot access this resource.",
    )
    return reapply_cors(request, response)


def _unavailable(request: Request) -> Response:
    response = http_error(
        httpexceptions.HTTPServiceUnavailable(),
        errno=ERRORS.BACKEND,
        message="Service temporary unavailable due to overloading or maintenance, "
        "please retry later.",
    )
    return reapply_cors(request, _retry_after(request, response))


@exception_view_config(httpexceptions.HTTPServiceUnavailable)
def service_unavailable(context: Any, request: Request) -> Response:
    """503 errno 201 with ``Retry-After``."""
    if getattr(context, "errno", None) is not None and context.content_type == "application/json":
        return reapply_cors(request, _retry_after(request, context))
    return _unavailable(request)


@exception_view_config(httpexceptions.HTTPMethodNotAllowed)
def method_not_allowed(context: Any, request: Request) -> Response:
    """405 errno 115 with the ``Allow`` header."""
    if getattr(context, "errno", None) is not None and context.content_type == "application/json":
        return reapply_cors(request, context)
    response = http_error(
        httpexceptions.HTTPMethodNotAllowed(),
        errno=ERRORS.METHOD_NOT_ALLOWED,
        message="Method not allowed on this endpoint.",
    )
    allow = getattr(context, "allow", None)
    if allow:
        response.allow = allow
    return reapply_cors(request, response)


@exception_view_config(storage_errors.IntegrityError)
def integrity_error(context: Any, request: Request) -> Response:
    """A storage conflict: 409 errno 122 with ``Retry-After`` (clients retry)."""
    response = http_error(
        httpexceptions.HTTPConflict(),
        errno=ERRORS.CONSTRAINT_VIOLATED,
        message="Integrity constraint violated, please retry.",
    )
    return reapply_cors(request, _retry_after(request, response))


@exception_view_config(storage_errors.BackendError)
def backend_error(context: Any, request: Request) -> Response:
    """A backend failure: logged with the original error, 503 to the client."""
    logger.critical("Backend failure", exc_info=context)
    return _unavailable(request)


@exception_view_config(httpexceptions.HTTPException)
def http_exception(context: Any, request: Request) -> Response:
    """Other HTTP errors: JSON ones pass as they are, others get the envelope."""
    if context.status_code >= 400 and context.content_type != "application/json":
        errno = ERRORS.UNDEFINED
        if context.status_code == 400:
            errno = ERRORS.INVALID_PARAMETERS
        context = http_error(context, errno=errno)
    # A 409 raised by a view (a duplicate, say) is not worth retrying: only
    # storage conflicts (integrity_error above) and 503s say to retry.
    if context.status_code == 503 and "Retry-After" not in context.headers:
        _retry_after(request, context)
    return reapply_cors(request, context)


@exception_view_config(UnicodeDecodeError)
def bad_encoding(context: Any, request: Request) -> Response:
    """A URL or querystring that is not UTF-8: 400 errno 107."""
    response = http_error(
        httpexceptions.HTTPBadRequest(),
        errno=ERRORS.INVALID_PARAMETERS,
        message="The URL and querystring must be encoded in UTF-8.",
    )
    return reapply_cors(request, response)


@exception_view_config(Exception)
def error(context: Exception, request: Request) -> Response:
    """Anything else is a bug: log it with the request, answer a bare 500."""
    fields = {
        "path": request.environ.get("PATH_INFO"),
        "method": request.method,
        "errno": int(ERRORS.UNDEFINED),
    }
    if request.environ.get("QUERY_STRING"):
        fields["querystring"] = request.environ["QUERY_STRING"]
    logger.error("Unhandled error", exc_info=context, **fields)
    response = http_error(
        httpexceptions.HTTPInternalServerError(),
        errno=ERRORS.UNDEFINED,
        message="A programmatic error occurred, developers have been informed.",
        info=request.registry.settings.get("error_info_link"),
    )
    return reapply_cors(request, response)
