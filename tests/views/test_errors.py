"""Error views and URL handling: every error is a JSON body with an errno."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import colander
import pytest
import webtest
from cornice.validators import colander_body_validator, colander_querystring_validator
from pyramid import httpexceptions
from pyramid.config import Configurator
from pyramid.request import Request

from strato import Service
from strato.errors import ERRORS
from strato.storage import errors as storage_errors
from strato.testing import assert_formatted_error

Factory = Callable[..., webtest.TestApp]


class FruitSchema(colander.MappingSchema):
    name = colander.SchemaNode(colander.String())
    weight = colander.SchemaNode(colander.Int(), missing=0)


fruits = Service(name="fruits", path="/fruits")


@fruits.get()
def list_fruits(request: Request) -> dict[str, Any]:
    return {"data": []}


@fruits.post(
    schema=FruitSchema(),
    validators=(colander_body_validator,),
    content_type="application/json",
    accept="application/json",
)
def create_fruit(request: Request) -> dict[str, Any]:
    return {"data": request.validated}


failures = Service(name="failures", path="/failures/{kind}")


@failures.get()
def fail(request: Request) -> Any:
    kind = request.matchdict["kind"]
    if kind == "bug":
        raise RuntimeError("secret: password=hunter2")
    if kind == "unavailable":
        raise httpexceptions.HTTPServiceUnavailable()
    if kind == "conflict":
        raise storage_errors.IntegrityError("duplicate key value violates unique constraint")
    if kind == "backend":
        raise storage_errors.BackendError("connection refused to 10.0.0.1")
    if kind == "teapot":
        raise httpexceptions.HTTPClientError()
    if kind == "forbidden":
        raise httpexceptions.HTTPForbidden()
    if kind == "notfound":
        raise httpexceptions.HTTPNotFound()
    return {"kind": kind}


def with_services(config: Configurator) -> None:
    config.add_cornice_service(fruits)
    config.add_cornice_service(failures)


@pytest.fixture
def service_app(make_app: Factory) -> webtest.TestApp:
    return make_app(includeme=with_services)


def assert_error_envelope(response: webtest.TestResponse) -> None:
    assert response.headers["Content-Type"] == "application/json"
    body = response.json
    assert set(body) <= {"code", "errno", "error", "message", "info", "details"}
    assert {"code", "errno", "error"} <= set(body)
    assert body["code"] == response.status_code


# 404 and URLs -------------------------------------------------------------------


def test_unknown_url_is_404_errno_111(app: webtest.TestApp) -> None:
    response = app.get("/unknown", status=404)
    assert_formatted_error(
        response,
        404,
        ERRORS.MISSING_RESOURCE,
        "Not Found",
        "The resource you are looking for could not be found.",
    )
    assert_error_envelope(response)


def test_unknown_version_is_404_errno_116(raw_app: webtest.TestApp) -> None:
    for path in ("/v2/", "/v2/anything", "/v0"):
        response = raw_app.get(path, status=404)
        assert_formatted_error(
            response,
            404,
            ERRORS.VERSION_NOT_AVAILABLE,
            message="The requested API version is not available on this server.",
        )


def test_unprefixed_url_redirects_to_the_version_keeping_the_querystring(
    raw_app: webtest.TestApp,
) -> None:
    response = raw_app.get("/__heartbeat__?a=1&b=%20c", status=307)
    assert response.headers["Location"] == "http://localhost/v1/__heartbeat__?a=1&b=%20c"
    assert "Cache-Control" not in response.headers


def test_root_redirects_to_the_versioned_hello(raw_app: webtest.TestApp) -> None:
    response = raw_app.get("/", status=307)
    assert response.headers["Location"] == "http://localhost/v1/"
    assert response.follow().json["project_name"] == "testapp"


def test_version_redirect_can_be_cached(make_app: Factory) -> None:
    app = make_app({"version_prefix_redirect_ttl_seconds": "60"}, prefixed=False)
    response = app.get("/fruits", status=307)
    assert "max-age=60" in response.headers["Cache-Control"]


def test_version_redirect_can_be_disabled(make_app: Factory) -> None:
    app = make_app({"version_prefix_redirect_enabled": "false"}, prefixed=False)
    response = app.get("/__heartbeat__", status=404)
    assert response.json["errno"] == ERRORS.MISSING_RESOURCE


def test_options_on_the_version_redirect_is_200_with_cors(raw_app: webtest.TestApp) -> None:
    response = raw_app.options(
        "/fruits",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
        status=200,
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_version_redirect_carries_cors_and_csp_headers(raw_app: webtest.TestApp) -> None:
    response = raw_app.get("/fruits", headers={"Origin": "https://a.example.com"}, status=307)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Security-Policy" in response.headers


def test_trailing_slash_redirects_keeping_the_querystring(raw_app: webtest.TestApp) -> None:
    response = raw_app.get("/v1/__heartbeat__/?x=1", status=307)
    assert response.headers["Location"] == "http://localhost/v1/__heartbeat__?x=1"
    assert "max-age=3600" in response.headers["Cache-Control"]
    assert response.follow().status_code == 200


def test_bare_version_redirects_to_the_hello_with_a_slash(raw_app: webtest.TestApp) -> None:
    response = raw_app.get("/v1", status=307)
    assert response.headers["Location"] == "http://localhost/v1/"


def test_trailing_slash_redirect_ttl(make_app: Factory) -> None:
    app = make_app({"trailing_slash_redirect_ttl_seconds": "-1"}, prefixed=False)
    response = app.get("/v1/__heartbeat__/", status=307)
    assert "Cache-Control" not in response.headers


def test_trailing_slash_redirect_can_be_disabled(make_app: Factory) -> None:
    app = make_app({"trailing_slash_redirect_enabled": "false"}, prefixed=False)
    response = app.get("/v1/__heartbeat__/", status=404)
    assert response.json["errno"] == ERRORS.MISSING_RESOURCE


def test_hello_with_its_slash_is_not_redirected(raw_app: webtest.TestApp) -> None:
    assert raw_app.get("/v1/", status=200).json["url"] == "http://localhost/v1/"


def test_crlf_in_a_path_never_reaches_a_location_header(raw_app: webtest.TestApp) -> None:
    response = raw_app.get("/v1/abc%0D%0ASet-Cookie:%20x=1/", expect_errors=True)
    assert "Set-Cookie" not in response.headers
    assert response.status_code in (307, 404)
    if response.status_code == 307:
        assert "\n" not in response.headers["Location"]


# 405 ------------------------------------------------------------------------------


def test_unknown_method_is_405_with_allow(service_app: webtest.TestApp) -> None:
    response = service_app.put_json("/fruits", {}, status=405)
    assert_formatted_error(
        response,
        405,
        ERRORS.METHOD_NOT_ALLOWED,
        "Method Not Allowed",
        "Method not allowed on this endpoint.",
    )
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_post_on_hello_is_405(app: webtest.TestApp) -> None:
    response = app.post_json("/", {}, status=405)
    assert response.json["errno"] == ERRORS.METHOD_NOT_ALLOWED
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_readonly_refuses_writes_with_405(make_app: Factory, method: str) -> None:
    app = make_app({"readonly": "true"}, includeme=with_services)
    response = app.request("/v1/fruits", method=method, status=405)
    assert response.json["errno"] == ERRORS.METHOD_NOT_ALLOWED
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_readonly_allows_reads(make_app: Factory) -> None:
    app = make_app({"readonly": "true"}, includeme=with_services)
    assert app.get("/fruits").json == {"data": []}


def test_readonly_refuses_writes_even_on_unknown_urls(make_app: Factory) -> None:
    app = make_app({"readonly": "true"})
    assert app.post_json("/batch", {}, status=405).json["errno"] == ERRORS.METHOD_NOT_ALLOWED


# 400 / 406 / 415 ------------------------------------------------------------------


def test_invalid_json_body_is_400_errno_107(service_app: webtest.TestApp) -> None:
    response = service_app.post(
        "/fruits", "{not json", headers={"Content-Type": "application/json"}, status=400
    )
    assert_formatted_error(response, 400, ERRORS.INVALID_PARAMETERS, "Invalid parameters")
    assert "Invalid JSON" in response.json["message"]
    assert response.json["details"][0]["location"] == "body"


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"\xff\xfe", b""])
def test_malformed_bodies_are_400_not_500(service_app: webtest.TestApp, body: bytes) -> None:
    response = service_app.post(
        "/fruits", body, headers={"Content-Type": "application/json"}, status=400
    )
    assert response.json["errno"] == ERRORS.INVALID_PARAMETERS


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json; charset=bogus", b'{"name": "kiwi"}'),
        ("application/json", b"[" * 5_000),
        ("application/json", b'{"a":' * 1_500),
        ("application/json; charset=utf-8", b'{"name": "\xff"}'),
    ],
)
def test_undecodable_bodies_are_400_not_500(
    service_app: webtest.TestApp, content_type: str, body: bytes
) -> None:
    response = service_app.post(
        "/fruits", body, headers={"Content-Type": content_type}, status=400
    )
    assert_formatted_error(response, 400, ERRORS.INVALID_PARAMETERS, "Invalid parameters")
    assert response.json["message"].startswith("Invalid JSON")


def test_schema_errors_name_the_field(service_app: webtest.TestApp) -> None:
    response = service_app.post_json("/fruits", {"weight": "heavy"}, status=400)
    body = response.json
    assert body["message"] == "name in body: Required"
    assert {(d["location"], d["name"]) for d in body["details"]} == {
        ("body", "name"),
        ("body", "weight"),
    }


def test_valid_body_is_accepted(service_app: webtest.TestApp) -> None:
    body = service_app.post_json("/fruits", {"name": "kiwi"}).json
    assert body == {"data": {"name": "kiwi", "weight": 0}}


def test_wrong_content_type_is_415_errno_107(service_app: webtest.TestApp) -> None:
    response = service_app.post(
        "/fruits", "name=kiwi", headers={"Content-Type": "text/plain"}, status=415
    )
    assert_formatted_error(response, 415, ERRORS.INVALID_PARAMETERS, "Invalid parameters")
    assert response.json["details"][0]["name"] == "Content-Type"


def test_unacceptable_accept_is_406_errno_107(service_app: webtest.TestApp) -> None:
    response = service_app.post_json(
        "/fruits", {"name": "kiwi"}, headers={"Accept": "text/html"}, status=406
    )
    assert_formatted_error(response, 406, ERRORS.INVALID_PARAMETERS, "Invalid parameters")
    assert response.json["details"][0]["name"] == "Accept"


# 500 and other exceptions ------------------------------------------------------------


def test_a_bug_is_a_generic_500(service_app: webtest.TestApp) -> None:
    response = service_app.get("/failures/bug", status=500)
    assert_formatted_error(
        response,
        500,
        ERRORS.UNDEFINED,
        "Internal Server Error",
        "A programmatic error occurred, developers have been informed.",
        info="https://",
    )
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


def test_the_500_info_link_is_a_setting(make_app: Factory) -> None:
    app = make_app({"error_info_link": "https://bugs.example.com/"}, includeme=with_services)
    assert app.get("/failures/bug", status=500).json["info"] == "https://bugs.example.com/"


def test_a_bug_is_logged_with_the_request_id(
    service_app: webtest.TestApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = service_app.get(
        "/failures/bug", headers={"X-Request-Id": "bug-report-1"}, status=500
    )
    assert response.headers["X-Request-Id"] == "bug-report-1"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    record = errors[0]
    assert "bug-report-1" in record.getMessage() or getattr(record, "rid", None) == (
        "bug-report-1"
    )
    assert record.exc_info is not None or "hunter2" in record.getMessage()


def test_service_unavailable_is_503_errno_201_with_retry_after(
    make_app: Factory,
) -> None:
    app = make_app({"retry_after_seconds": "7"}, includeme=with_services)
    response = app.get("/failures/unavailable", status=503)
    assert_formatted_error(response, 503, ERRORS.BACKEND)
    assert response.headers["Retry-After"] == "7"


def test_backend_error_is_503_without_its_message(service_app: webtest.TestApp) -> None:
    response = service_app.get("/failures/backend", status=503)
    assert_formatted_error(response, 503, ERRORS.BACKEND)
    assert "10.0.0.1" not in response.text
    assert response.headers["Retry-After"] == "30"


def test_integrity_error_is_409_errno_122_with_retry_after(
    service_app: webtest.TestApp,
) -> None:
    response = service_app.get("/failures/conflict", status=409)
    assert_formatted_error(
        response,
        409,
        ERRORS.CONSTRAINT_VIOLATED,
        message="Integrity constraint violated, please retry.",
    )
    assert "duplicate key" not in response.text
    assert response.headers["Retry-After"] == "30"


def test_a_500_has_no_retry_after(service_app: webtest.TestApp) -> None:
    assert "Retry-After" not in service_app.get("/failures/bug", status=500).headers


def test_anonymous_forbidden_is_401_errno_104(service_app: webtest.TestApp) -> None:
    response = service_app.get("/failures/forbidden", status=401)
    assert_formatted_error(response, 401, ERRORS.MISSING_AUTH_TOKEN)


def test_a_plain_http_error_gets_the_envelope(service_app: webtest.TestApp) -> None:
    response = service_app.get("/failures/teapot", status=400)
    assert_error_envelope(response)
    assert response.json["errno"] == ERRORS.INVALID_PARAMETERS


def test_a_plain_404_raised_by_a_view_gets_errno_111(service_app: webtest.TestApp) -> None:
    response = service_app.get("/failures/notfound", status=404)
    assert response.json["errno"] == ERRORS.MISSING_RESOURCE


# Bad input never is a 500 --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/v1/%FF", "/%FF", "/v1/fruits/%C3%28", "/v1/%FF/", "/v2/%FF", "/v1/failures/%FF"],
)
def test_non_utf8_paths_are_json_400_or_404(make_app: Factory, path: str) -> None:
    app = make_app(includeme=with_services, prefixed=False)
    response = app.get(path, expect_errors=True)
    assert response.status_code in (400, 404), response.status
    assert_error_envelope(response)
    if response.status_code == 400:
        assert response.json["errno"] == ERRORS.INVALID_PARAMETERS


def test_non_utf8_path_through_the_prefixed_app(app: webtest.TestApp) -> None:
    response = app.get("/v1/%FF", expect_errors=True)
    assert response.status_code == 400
    assert response.json["message"] == "The URL and querystring must be encoded in UTF-8."


def test_non_utf8_querystring_is_never_a_500(service_app: webtest.TestApp) -> None:
    response = service_app.get("/fruits?name=%FF", expect_errors=True)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json["errno"] == ERRORS.INVALID_PARAMETERS


def test_non_utf8_querystring_on_a_validated_service_is_a_400(make_app: Factory) -> None:
    class Query(colander.MappingSchema):
        q = colander.SchemaNode(colander.String(), missing="")

    search = Service(name="search_latin1", path="/search-latin1")

    @search.get(schema=Query(), validators=(colander_querystring_validator,))
    def get_search(request: Request) -> dict[str, Any]:
        return {"q": request.validated["q"]}

    app = make_app(includeme=lambda config: config.add_cornice_service(search))
    response = app.get("/search-latin1?q=%FF", expect_errors=True)
    assert response.status_code == 400
    assert response.json["errno"] == ERRORS.INVALID_PARAMETERS


def test_non_utf8_querystring_on_a_redirect_is_never_a_500(raw_app: webtest.TestApp) -> None:
    response = raw_app.get("/fruits?%FF=%FE", expect_errors=True)
    assert response.status_code in (307, 400)


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
def test_unknown_methods_are_json_errors(service_app: webtest.TestApp, method: str) -> None:
    service_app.lint = False  # webtest's linter refuses unknown methods
    response = service_app.request("/v1/fruits", method=method, expect_errors=True)
    assert response.status_code in (400, 404, 405)
    assert_error_envelope(response)


def test_huge_header_values_are_not_a_500(service_app: webtest.TestApp) -> None:
    headers = {"X-Request-Id": "x" * 10_000, "Origin": "o" * 10_000, "Accept": "a" * 10_000}
    response = service_app.get("/fruits", headers=headers, expect_errors=True)
    assert response.status_code < 500


@pytest.mark.parametrize("path", ["//evil.com/", "///evil.com/", "/v1//evil.com/", "/\\evil.com/"])
@pytest.mark.parametrize("redirect_enabled", ["true", "false"])
def test_redirects_never_leave_the_host(
    make_app: Factory, path: str, redirect_enabled: str
) -> None:
    app = make_app({"version_prefix_redirect_enabled": redirect_enabled}, prefixed=False)
    response = app.get(path, expect_errors=True)
    assert response.status_code in (307, 404)
    if response.status_code == 307:
        assert urlparse(response.headers["Location"]).netloc == "localhost"
