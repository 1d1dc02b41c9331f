"""``strato.plugins.flush``: ``POST /__flush__`` empties every backend."""

from __future__ import annotations

from pyramid.config import Configurator

from strato.components import get_components
from strato.plugins.flush import ServerFlushed
from strato.testing import make_webtest


def _items(config: Configurator) -> None:
    from strato import resource

    class Item(resource.Resource):
        pass

    resource.register_resource(config, Item)


def test_flush_empties_storage_permission_and_cache():
    app = make_webtest(_items, settings={"includes": "strato.plugins.flush"})
    app.post_json("/items", {"data": {"a": 1}})
    components = get_components(app.app.registry)
    components.permission.add_user_principal("someone", "group")
    components.cache.set("key", "value", 60)

    resp = app.post("/__flush__", status=202)

    assert resp.json == {}
    assert app.get("/items").json["data"] == []
    assert components.permission.get_user_principals("someone") == set()
    assert components.cache.get("key") is None


def test_flush_notifies_server_flushed():
    app = make_webtest(settings={"includes": "strato.plugins.flush"})
    seen = []
    app.app.registry.registerHandler(seen.append, (ServerFlushed,))
    app.post("/__flush__", status=202)
    assert len(seen) == 1
    assert seen[0].request.path == "/v1/__flush__"


def test_flush_is_advertised():
    app = make_webtest(settings={"includes": "strato.plugins.flush"})
    assert "flush_endpoint" in app.get("/").json["capabilities"]


def test_without_the_plugin_there_is_no_flush():
    app = make_webtest()
    resp = app.post("/__flush__", status=404)
    assert resp.json["errno"] == 111
    assert "flush_endpoint" not in app.get("/").json["capabilities"]


def test_only_post_is_accepted():
    app = make_webtest(settings={"includes": "strato.plugins.flush"})
    assert app.get("/__flush__", status=405).json["errno"] == 115


def test_readonly_servers_refuse_to_flush():
    app = make_webtest(settings={"includes": "strato.plugins.flush", "readonly": "true"})
    app.post("/__flush__", status=405)


def test_flush_works_without_backends():
    app = make_webtest(
        settings={
            "includes": "strato.plugins.flush",
            "storage_backend": "",
            "permission_backend": "",
            "cache_backend": "",
        }
    )
    app.post("/__flush__", status=202)
