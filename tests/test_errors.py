"""The errno table and the JSON error body builders."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cornice.errors import Errors
from pyramid import httpexceptions
from pyramid.testing import DummyRequest

from strato.errors import (
    ERRORS,
    error_response,
    http_error,
    json_error_handler,
    raise_invalid,
    send_alert,
)

EXPECTED_ERRNOS = {
    "MISSING_AUTH_TOKEN": (104, 401),
    "INVALID_AUTH_TOKEN": (105, 401),
    "BADJSON": (106, 400),
    "INVALID_PARAMETERS": (107, 400),
    "MISSING_PARAMETERS": (108, 400),
    "INVALID_POSTED_DATA": (109, 400),
    "INVALID_RESOURCE_ID": (110, 404),
    "MISSING_RESOURCE": (111, 404),
    "MISSING_CONTENT_LENGTH": (112, 411),
    "REQUEST_TOO_LARGE": (113, 413),
    "MODIFIED_MEANWHILE": (114, 412),
    "METHOD_NOT_ALLOWED": (115, 405),
    "VERSION_NOT_AVAILABLE": (116, 404),
    "CLIENT_REACHED_CAPACITY": (117, 429),
    "FORBIDDEN": (121, 403),
    "CONSTRAINT_VIOLATED": (122, 409),
    "BACKEND": (201, 503),
    "SERVICE_DEPRECATED": (202, 410),
    "UNDEFINED": (999, 500),
}


def body_of(response: Any) -> dict[str, Any]:
    return json.loads(response.body)  # type: ignore[no-any-return]


def request_with_errors() -> DummyRequest:
    request = DummyRequest()
    request.errors = Errors()
    return request


def test_errno_table_is_the_protocol_table() -> None:
    assert {e.name: (e.value, e.http_status) for e in ERRORS} == EXPECTED_ERRNOS


def test_errnos_are_integers_in_json() -> None:
    assert json.dumps({"errno": ERRORS.FORBIDDEN}) == '{"errno": 121}'


def test_http_error_builds_the_minimal_body() -> None:
    response = http_error(httpexceptions.HTTPNotFound())
    assert body_of(response) == {"code": 404, "errno": 999, "error": "Not Found"}
    assert response.content_type == "application/json"
    assert response.headers["Content-Type"] == "application/json"
    assert response.errno == 999


def test_http_error_fills_every_field_in_order() -> None:
    response = http_error(
        httpexceptions.HTTPBadRequest(),
        errno=ERRORS.INVALID_PARAMETERS,
        error="Invalid parameters",
        message="name in body: Required",
        info="https://docs/",
        details=[{"location": "body"}],
    )
    body = body_of(response)
    assert list(body) == ["code", "errno", "error", "message", "info", "details"]
    assert body["errno"] == 107
    assert response.errno == 107


def test_http_error_can_override_the_code() -> None:
    response = http_error(httpexceptions.HTTPBadRequest(), code=415, errno=107)
    assert response.status_code == 415
    assert body_of(response)["code"] == 415


@pytest.mark.parametrize("empty", [None, ""])
def test_http_error_omits_empty_message_and_info(empty: Any) -> None:
    body = body_of(http_error(httpexceptions.HTTPForbidden(), message=empty, info=empty))
    assert set(body) == {"code", "errno", "error"}


@pytest.mark.parametrize("empty", [None, [], {}])
def test_http_error_omits_empty_details(empty: Any) -> None:
    body = body_of(http_error(httpexceptions.HTTPForbidden(), details=empty))
    assert set(body) == {"code", "errno", "error"}


def test_http_error_keeps_falsy_but_meaningful_details() -> None:
    body = body_of(http_error(httpexceptions.HTTPConflict(), details=0))
    assert body["details"] == 0


def test_json_error_handler_sorts_and_formats_the_message() -> None:
    request = request_with_errors()
    request.errors.add("body", "zeta", "Required")
    request.errors.add("querystring", "alpha", "Bad value")
    response = json_error_handler(request)
    body = body_of(response)
    assert response.status_code == 400
    assert body["errno"] == 107
    assert body["error"] == "Invalid parameters"
    assert body["message"] == "alpha in querystring: Bad value"
    assert body["details"] == [
        {"location": "body", "name": "zeta", "description": "Required"},
        {"location": "querystring", "name": "alpha", "description": "Bad value"},
    ]


def test_json_error_handler_without_a_name() -> None:
    request = request_with_errors()
    request.errors.add("body", None, "Invalid JSON")
    assert body_of(json_error_handler(request))["message"] == "body: Invalid JSON"


def test_json_error_handler_does_not_repeat_the_name() -> None:
    request = request_with_errors()
    request.errors.add("header", "Origin", "Origin http://x is not allowed")
    message = body_of(json_error_handler(request))["message"]
    assert message == "Origin http://x is not allowed"


def test_json_error_handler_uses_the_errors_status() -> None:
    request = request_with_errors()
    request.errors.add("header", "Content-Type", "Unsupported")
    request.errors.status = 415
    response = json_error_handler(request)
    assert response.status_code == 415
    assert body_of(response)["code"] == 415


def test_json_error_handler_decodes_byte_descriptions() -> None:
    request = request_with_errors()
    request.errors.add("body", "data", b"bad \xff bytes")
    body = body_of(json_error_handler(request))
    assert body["details"][0]["description"] == "bad \ufffd bytes"


def test_raise_invalid_raises_a_400() -> None:
    request = request_with_errors()
    with pytest.raises(httpexceptions.HTTPBadRequest) as excinfo:
        raise_invalid(
            request, name="limit", description="must be positive", location="querystring"
        )
    body = body_of(excinfo.value)
    assert body["message"] == "limit in querystring: must be positive"
    assert body["errno"] == 107


def test_send_alert_sets_the_alert_header() -> None:
    request = DummyRequest()
    request.registry.settings = {"project_docs": "https://docs/"}
    send_alert(request, "Upgrade", code="hard-eol")
    assert json.loads(request.response.headers["Alert"]) == {
        "code": "hard-eol",
        "message": "Upgrade",
        "url": "https://docs/",
    }


def test_send_alert_with_an_explicit_url() -> None:
    request = DummyRequest()
    request.registry.settings = {}
    send_alert(request, "Use _before", url="https://x/")
    alert = json.loads(request.response.headers["Alert"])
    assert alert == {"code": "soft-eol", "message": "Use _before", "url": "https://x/"}


def test_error_response_builds_a_fresh_response() -> None:
    response = error_response(503, ERRORS.BACKEND, "Later")
    assert response.status_code == 503
    assert body_of(response) == {
        "code": 503,
        "errno": 201,
        "error": "Service Unavailable",
        "message": "Later",
    }
