"""Registration: paths, services, methods and endpoint switches (PROTOCOL §4.1)."""

from __future__ import annotations

import gc
import weakref

import pytest
from pyramid.config import Configurator
from pyramid.interfaces import IRoutesMapper

import strato
from strato import resource
from strato.errors import ConfigurationError
from strato.resource.viewset import register_resource
from strato.testing import assert_formatted_error, make_webtest

from .testapp import BASE_SETTINGS, BOB, create, make_app


class Shroom(resource.Resource):
    pass


class Named(resource.Resource):
    name = "spore-print"


class Explicit(resource.Resource):
    pass


@resource.register(name="decorated", plural_path="/decorated-things")
class Decorated(resource.Resource):
    pass


def includeme(config):
    register_resource(config, Shroom)
    register_resource(config, Named)
    register_resource(
        config,
        Explicit,
        name="custom",
        plural_path="/my/{parent}/things",
        object_path="/my/{parent}/thing/{id}",
    )


def includeme_scan(config):
    config.scan(__name__)


def route_names(app):
    return {route.name for route in app.app.registry.getUtility(IRoutesMapper).get_routes()}


@pytest.fixture
def app():
    return make_webtest(includeme, BASE_SETTINGS, version="0.1.0")


def test_default_name_and_paths(app):
    assert {"shroom-plural", "shroom-object"} <= route_names(app)
    obj = app.post_json("/shrooms", {"data": {"a": 1}}).json["data"]
    app.get(f"/shrooms/{obj['id']}", status=200)


def test_name_from_the_class_attribute(app):
    assert {"spore-print-plural", "spore-print-object"} <= route_names(app)
    app.get("/spore-prints", status=200)


def test_name_and_paths_from_arguments(app):
    assert {"custom-plural", "custom-object"} <= route_names(app)
    obj = app.post_json("/my/p1/things", {"data": {"a": 1}}).json["data"]
    app.get(f"/my/p1/thing/{obj['id']}", status=200)
    app.get("/customs", status=404)


def test_register_decorator_takes_effect_on_scan():
    app = make_webtest(includeme_scan, BASE_SETTINGS, version="0.1.0")
    app.get("/decorated-things", status=200)
    app.get("/shrooms", status=404)


def test_register_decorator_alone_registers_nothing():
    app = make_webtest(lambda config: None, BASE_SETTINGS, version="0.1.0")
    app.get("/decorated-things", status=404)


def test_object_path_none_registers_no_object_endpoint():
    app = make_app()
    assert "reading-plural" in route_names(app)
    assert "reading-object" not in route_names(app)
    obj = create(app, "/readings", {"v": 1})
    response = app.get(f"/readings/{obj['id']}", status=404)
    assert_formatted_error(response, 404, 111)


def test_plural_methods_limit_the_plural_endpoint():
    app = make_app()
    create(app, "/readings", {"v": 1})
    app.get("/readings", status=200)
    response = app.delete("/readings", status=405)
    assert_formatted_error(response, 405, 115)
    assert "GET" in response.headers["Allow"]
    assert app.get("/readings").json["data"]


def test_object_methods_limit_the_object_endpoint():
    def wiring(config):
        register_resource(config, Shroom, object_methods=("GET",))

    app = make_webtest(wiring, BASE_SETTINGS, version="0.1.0")
    obj = app.post_json("/shrooms", {"data": {}}).json["data"]
    app.get(f"/shrooms/{obj['id']}", status=200)
    app.head(f"/shrooms/{obj['id']}", status=200)
    for method in ("put_json", "patch_json"):
        getattr(app, method)(f"/shrooms/{obj['id']}", {"data": {}}, status=405)
    app.delete(f"/shrooms/{obj['id']}", status=405)


@pytest.mark.parametrize(
    ("setting", "method", "url"),
    [
        ("plural_toadstool_post_enabled", "post_json", "/toadstools"),
        ("plural_toadstool_delete_enabled", "delete", "/toadstools"),
        ("plural_toadstool_get_enabled", "get", "/toadstools"),
        ("object_toadstool_put_enabled", "put_json", "/toadstools/{id}"),
        ("object_toadstool_patch_enabled", "patch_json", "/toadstools/{id}"),
        ("object_toadstool_delete_enabled", "delete", "/toadstools/{id}"),
        ("object_toadstool_get_enabled", "get", "/toadstools/{id}"),
    ],
)
def test_endpoint_switches(setting, method, url):
    enabled = make_app()
    obj = create(enabled, "/toadstools", {})
    disabled = make_app({setting: "false"})
    create(disabled, "/psilos", {})
    path = url.format(id=obj["id"])
    args = (path, {"data": {}}) if method.endswith("_json") else (path,)
    response = getattr(disabled, method)(*args, headers=BOB, status=405)
    assert_formatted_error(response, 405, 115)


def test_readonly_registers_read_views_only():
    app = make_app({"readonly": "true"})
    for method, args in (
        ("post_json", ("/toadstools", {"data": {}})),
        ("delete", ("/toadstools",)),
    ):
        response = getattr(app, method)(*args, headers=BOB, status=405)
        assert_formatted_error(response, 405, 115)


def test_head_and_options_are_available(app):
    app.head("/shrooms", status=200)
    response = app.options(
        "/shrooms",
        headers={"Origin": "http://example.com", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_exposed_headers_per_endpoint(app):
    obj = app.post_json("/shrooms", {"data": {}}).json["data"]
    plural = app.get("/shrooms", headers={"Origin": "http://x"}).headers
    assert "Next-Page" in plural["Access-Control-Expose-Headers"]
    head = app.head("/shrooms", headers={"Origin": "http://x"}).headers
    assert "Total-Objects" in head["Access-Control-Expose-Headers"]
    one = app.get(f"/shrooms/{obj['id']}", headers={"Origin": "http://x"}).headers
    assert "ETag" in one["Access-Control-Expose-Headers"]


def test_registration_needs_a_storage_backend():
    config = Configurator(settings={"storage_backend": ""})
    strato.initialize(config, version="0.1.0", project_name="x", environ={})
    with pytest.raises(ConfigurationError, match="storage"):
        register_resource(config, Shroom)


def test_an_application_is_freed_once_dropped():
    app = make_app()
    create(app, "/toadstools", {})
    registry = weakref.ref(app.app.registry)
    del app
    gc.collect()
    assert registry() is None
