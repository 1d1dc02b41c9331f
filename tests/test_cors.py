"""CORS on every endpoint: origins, preflights, exposed headers, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import webtest
from pyramid.config import Configurator
from pyramid.request import Request

from strato import Service
from strato.errors import ERRORS
from strato.service import EXPOSED_HEADERS

Factory = Callable[..., webtest.TestApp]

GLOBS = {"cors_origins": "https://app.example.com *.trusted.org"}

crash = Service(name="crash", path="/crash")


@crash.get()
def get_crash(request: Request) -> Any:
    raise ZeroDivisionError()


def with_crash(config: Configurator) -> None:
    config.add_cornice_service(crash)


def exposed(response: webtest.TestResponse) -> set[str]:
    return {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}


def test_star_answers_star(app: webtest.TestApp) -> None:
    response = app.get("/", headers={"Origin": "https://whoever.net"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_exact_origin_is_echoed(make_app: Factory) -> None:
    response = make_app(GLOBS).get("/", headers={"Origin": "https://app.example.com"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_glob_origin_is_echoed(make_app: Factory) -> None:
    response = make_app(GLOBS).get("/", headers={"Origin": "https://www.trusted.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://www.trusted.org"


def test_disallowed_origin_is_400_errno_107(make_app: Factory) -> None:
    response = make_app(GLOBS).get("/", headers={"Origin": "https://evil.com"}, status=400)
    body = response.json
    assert body["errno"] == ERRORS.INVALID_PARAMETERS
    assert body["message"] == "Origin in header: https://evil.com not allowed"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_no_origin_no_allow_origin(make_app: Factory) -> None:
    response = make_app(GLOBS).get("/")
    assert "Access-Control-Allow-Origin" not in response.headers
    assert exposed(response) >= set(EXPOSED_HEADERS)


def test_preflight(make_app: Factory) -> None:
    response = make_app(GLOBS).options(
        "/",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization, X-Whatever",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    methods = set(response.headers["Access-Control-Allow-Methods"].split(","))
    assert methods >= {"GET", "OPTIONS"}
    allowed = {h.strip() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"Authorization", "X-Whatever"} <= allowed
    assert response.headers["Access-Control-Max-Age"] == "3600"
    assert response.json is None


def test_preflight_max_age_setting(make_app: Factory) -> None:
    response = make_app({"cors_max_age_seconds": "60"}).options(
        "/__heartbeat__",
        headers={"Origin": "https://a.net", "Access-Control-Request-Method": "GET"},
    )
    assert response.headers["Access-Control-Max-Age"] == "60"


def test_preflight_requires_the_request_method(app: webtest.TestApp) -> None:
    response = app.options("/", headers={"Origin": "https://a.net"}, status=400)
    assert response.json["errno"] == ERRORS.INVALID_PARAMETERS
    assert "Access-Control-Request-Method" in response.json["message"]


def test_preflight_refuses_an_unknown_method(app: webtest.TestApp) -> None:
    headers = {"Origin": "https://a.net", "Access-Control-Request-Method": "DELETE"}
    assert app.options("/", headers=headers, status=400).json["errno"] == 107


def test_preflight_from_a_disallowed_origin_is_refused(make_app: Factory) -> None:
    headers = {"Origin": "https://evil.com", "Access-Control-Request-Method": "GET"}
    response = make_app(GLOBS).options("/", headers=headers, status=400)
    assert response.json["errno"] == ERRORS.INVALID_PARAMETERS


def test_unknown_url_with_star_allows_the_origin(app: webtest.TestApp) -> None:
    response = app.get("/nowhere", headers={"Origin": "https://a.net"}, status=404)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert exposed(response) == set(EXPOSED_HEADERS)


def test_unknown_url_allows_only_exact_origins(make_app: Factory) -> None:
    app = make_app(GLOBS)
    exact = app.get("/nowhere", headers={"Origin": "https://app.example.com"}, status=404)
    assert exact.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    glob = app.get("/nowhere", headers={"Origin": "https://www.trusted.org"}, status=404)
    assert "Access-Control-Allow-Origin" not in glob.headers


def test_a_500_keeps_the_cors_headers(make_app: Factory) -> None:
    app = make_app(includeme=with_crash)
    response = app.get("/crash", headers={"Origin": "https://a.net"}, status=500)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert exposed(response) >= set(EXPOSED_HEADERS)


def test_a_405_keeps_the_cors_headers(app: webtest.TestApp) -> None:
    response = app.post_json("/", {}, headers={"Origin": "https://a.net"}, status=405)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_trailing_slash_redirect_keeps_the_cors_headers(raw_app: webtest.TestApp) -> None:
    response = raw_app.get("/v1/__heartbeat__/", headers={"Origin": "https://a.net"}, status=307)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
