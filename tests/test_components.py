"""Typed access to an application's pieces."""

from __future__ import annotations

from collections.abc import Callable

import webtest
from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request

from strato import Service
from strato.components import Components, get_components

Factory = Callable[..., webtest.TestApp]


def test_a_fresh_registry_gets_empty_components() -> None:
    components = get_components(Registry("test"))
    assert components.storage is None
    assert components.permission is None
    assert components.cache is None
    assert components.heartbeats == {}
    assert components.capabilities == {}
    assert components.public_settings == {"batch_max_requests", "readonly", "explicit_permissions"}


def test_the_same_components_are_returned_every_time() -> None:
    registry = Registry("test")
    assert get_components(registry) is get_components(registry)


def test_components_are_per_registry() -> None:
    first, second = get_components(Registry("a")), get_components(Registry("b"))
    first.capabilities["x"] = {}
    first.public_settings.add("paginate_by")
    assert second.capabilities == {}
    assert "paginate_by" not in second.public_settings


def test_components_default_factories_are_not_shared() -> None:
    first, second = Components(), Components()
    first.heartbeats["x"] = lambda r: True
    assert second.heartbeats == {}


probe = Service(name="probe", path="/probe")


@probe.get()
def get_probe(request: Request) -> dict[str, bool]:
    return {"same": get_components(request) is get_components(request.registry)}


def test_a_request_reaches_the_components_of_its_app(make_app: Factory) -> None:
    def includeme(config: Configurator) -> None:
        config.add_cornice_service(probe)

    assert make_app(includeme=includeme).get("/probe").json == {"same": True}


def test_directives_fill_the_components() -> None:
    import strato

    config = Configurator(
        settings={"storage_backend": "", "permission_backend": "", "cache_backend": ""}
    )
    strato.initialize(config, version="1.0", project_name="food", environ={})

    def check(request: object) -> bool:
        return True

    config.add_heartbeat("queue", check)
    config.add_api_capability("queue", description="Queue")
    components = get_components(config.registry)
    assert components.heartbeats == {"queue": check}
    assert components.capabilities["queue"] == {"description": "Queue", "url": ""}
