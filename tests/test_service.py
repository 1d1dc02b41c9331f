"""``strato.Service``: cornice services with strato's errors, renderer and CORS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import colander
import cornice
import webtest
from cornice.validators import colander_querystring_validator
from pyramid.config import Configurator
from pyramid.request import Request

from strato import Service
from strato.errors import ERRORS
from strato.service import EXPOSED_HEADERS

Factory = Callable[..., webtest.TestApp]


class SearchQuery(colander.MappingSchema):
    limit = colander.SchemaNode(colander.Int(), validator=colander.Range(1, 100), missing=10)


search = Service(name="search", path="/search")


@search.get(schema=SearchQuery(), validators=(colander_querystring_validator,))
def get_search(request: Request) -> dict[str, Any]:
    return {"limit": request.validated["limit"], "text": "é/ü"}


pinned = Service(name="pinned", path="/pinned", cors_origins=("https://only.example.com",))


@pinned.get()
def get_pinned(request: Request) -> dict[str, Any]:
    return {}


def plain_text_handler(request: Request) -> Any:
    from pyramid.httpexceptions import HTTPBadRequest

    return HTTPBadRequest("custom")


custom = Service(name="custom", path="/custom", error_handler=plain_text_handler)


@custom.get(schema=SearchQuery(), validators=(colander_querystring_validator,))
def get_custom(request: Request) -> dict[str, Any]:
    return {}


def with_services(config: Configurator) -> None:
    for service in (search, pinned, custom):
        config.add_cornice_service(service)


def test_service_is_a_cornice_service() -> None:
    assert issubclass(Service, cornice.Service)
    assert isinstance(search, cornice.Service)


def test_responses_are_json_without_charset(make_app: Factory) -> None:
    response = make_app(includeme=with_services).get("/search")
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {"limit": 10, "text": "é/ü"}
    assert b"\\/" not in response.body


def test_validation_errors_use_the_json_error_handler(make_app: Factory) -> None:
    response = make_app(includeme=with_services).get("/search?limit=1000", status=400)
    body = response.json
    assert body["errno"] == ERRORS.INVALID_PARAMETERS
    assert body["error"] == "Invalid parameters"
    assert body["message"].startswith("limit in querystring:")
    assert body["details"][0]["location"] == "querystring"


def test_a_service_can_bring_its_own_error_handler(make_app: Factory) -> None:
    response = make_app(includeme=with_services).get("/custom?limit=0", status=400)
    assert "custom" in response.text


def test_cors_is_on_by_default_with_every_origin(make_app: Factory) -> None:
    response = make_app(includeme=with_services).get(
        "/search", headers={"Origin": "https://any.example.org"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_base_headers_are_exposed_even_without_origin(make_app: Factory) -> None:
    response = make_app(includeme=with_services).get("/search")
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed >= set(EXPOSED_HEADERS)


def test_origins_come_from_the_settings_of_the_serving_app(make_app: Factory) -> None:
    strict = make_app({"cors_origins": "https://a.example.com"}, includeme=with_services)
    open_ = make_app(includeme=with_services)
    headers = {"Origin": "https://b.example.com"}
    strict.get("/search", headers=headers, status=400)
    assert open_.get("/search", headers=headers).headers["Access-Control-Allow-Origin"] == "*"


def test_pinned_origins_ignore_the_settings(make_app: Factory) -> None:
    app = make_app(includeme=with_services)
    ok = app.get("/pinned", headers={"Origin": "https://only.example.com"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://only.example.com"
    app.get("/pinned", headers={"Origin": "https://other.example.com"}, status=400)


def test_preflight_max_age_comes_from_the_settings(make_app: Factory) -> None:
    headers = {"Origin": "https://a.example.com", "Access-Control-Request-Method": "GET"}
    app = make_app({"cors_max_age_seconds": "42"}, includeme=with_services)
    assert app.options("/search", headers=headers).headers["Access-Control-Max-Age"] == "42"
    app = make_app({"cors_max_age_seconds": ""}, includeme=with_services)
    assert "Access-Control-Max-Age" not in app.options("/search", headers=headers).headers
