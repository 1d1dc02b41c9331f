"""``GET /``: the hello view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import webtest
from pyramid.config import Configurator

from tests.policies import HeaderSecurityPolicy

Factory = Callable[..., webtest.TestApp]


def with_header_users(config: Configurator) -> None:
    config.set_security_policy(HeaderSecurityPolicy())


PROTOCOL_FIELDS = [
    "project_name",
    "project_version",
    "http_api_version",
    "project_docs",
    "url",
    "eos",
    "settings",
    "user",
    "capabilities",
]


def protocol_fields(body: dict[str, Any]) -> list[str]:
    """The protocol's fields of a hello body, in body order (extra fields ignored)."""
    return [name for name in body if name in PROTOCOL_FIELDS]


def test_hello_fields_in_order(app: webtest.TestApp) -> None:
    assert protocol_fields(app.get("/").json) == [
        "project_name",
        "project_version",
        "http_api_version",
        "project_docs",
        "url",
        "settings",
        "capabilities",
    ]


def test_hello_fields_in_order_with_eos_and_user(make_app: Factory) -> None:
    app = make_app({"eos": "2999-01-01"}, includeme=with_header_users)
    body = app.get("/", headers={"X-Test-User": "alice"}).json
    assert protocol_fields(body) == PROTOCOL_FIELDS


def test_hello_values(make_app: Factory) -> None:
    app = make_app({"project_docs": "https://docs.example.com/"}, version="2.3.4")
    body = app.get("/").json
    assert body["project_name"] == "testapp"
    assert body["project_version"] == "2.3.4"
    assert body["http_api_version"] == "2.3"
    assert body["project_docs"] == "https://docs.example.com/"
    assert isinstance(body["capabilities"], dict)


def test_hello_url_is_absolute_with_a_trailing_slash(app: webtest.TestApp) -> None:
    assert app.get("/").json["url"] == "http://localhost/v1/"


def test_hello_settings_are_the_public_settings(app: webtest.TestApp) -> None:
    assert app.get("/").json["settings"] == {
        "batch_max_requests": 25,
        "explicit_permissions": True,
        "readonly": False,
    }


def test_a_plugin_can_publish_a_setting(make_app: Factory) -> None:
    from strato.components import get_components

    def includeme(config: Configurator) -> None:
        get_components(config.registry).public_settings.add("paginate_by")

    app = make_app({"paginate_by": "12"}, includeme=includeme)
    assert app.get("/").json["settings"]["paginate_by"] == 12


def test_private_settings_are_not_shown(make_app: Factory) -> None:
    body = make_app({"userid_hmac_secret": "s3cret"}).get("/").json
    assert "s3cret" not in str(body)


def test_eos_is_shown_only_when_set(app: webtest.TestApp, make_app: Factory) -> None:
    assert "eos" not in app.get("/").json
    body = make_app({"eos": "2999-01-01"}).get("/").json
    assert body["eos"] == "2999-01-01"


def test_user_is_shown_only_when_authenticated(make_app: Factory) -> None:
    app = make_app(includeme=with_header_users)
    assert "user" not in app.get("/").json
    body = app.get("/", headers={"X-Test-User": "alice"}).json
    assert body["user"]["id"].endswith("alice")
    assert "system.Authenticated" in body["user"]["principals"]


def test_hello_is_not_cacheable_by_default(app: webtest.TestApp) -> None:
    response = app.get("/")
    assert "max-age" not in response.headers.get("Cache-Control", "")


def test_readonly_hello_is_cacheable(make_app: Factory) -> None:
    app = make_app({"readonly": "true", "root_cache_expires_seconds": "600"})
    response = app.get("/")
    assert response.json["settings"]["readonly"] is True
    assert "max-age=600" in response.headers["Cache-Control"]
    assert "Expires" in response.headers


def test_hello_is_json_without_charset(app: webtest.TestApp) -> None:
    assert app.get("/").headers["Content-Type"] == "application/json"


def test_hello_json_does_not_escape_slashes(app: webtest.TestApp) -> None:
    assert b"http://localhost/v1/" in app.get("/").body


def test_hello_answers_head(app: webtest.TestApp) -> None:
    response = app.head("/")
    assert response.status_code == 200
    assert response.body == b""
