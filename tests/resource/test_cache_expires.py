"""Client caching headers (PROTOCOL §5.10).

``<resource>_cache_expires_seconds`` by default, or what a resource's
``get_cache_expires`` hook answers.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pyramid.config import Configurator

from strato import resource
from strato.testing import make_webtest

from .testapp import BASE_SETTINGS, BOB, create, make_app


@pytest.fixture
def app():
    return make_app(
        {"toadstool_cache_expires_seconds": "3600", "label_cache_expires_seconds": "0"}
    )


@pytest.fixture
def obj(app):
    return create(app, "/toadstools", {"n": 1})


@pytest.mark.parametrize("method", ["get", "head"])
def test_anonymous_reads_are_cacheable(app, obj, method):
    for url in ("/toadstools", f"/toadstools/{obj['id']}"):
        response = getattr(app, method)(url)
        assert response.headers["Cache-Control"] == "max-age=3600"
        assert "Expires" in response.headers


@pytest.mark.parametrize("method", ["get", "head"])
def test_authenticated_reads_are_not_cached(app, obj, method):
    for url in ("/toadstools", f"/toadstools/{obj['id']}"):
        response = getattr(app, method)(url, headers=BOB)
        assert response.headers["Cache-Control"] == "no-cache, no-store"
        assert "Expires" not in response.headers


def test_resources_without_the_setting_are_not_cached(app):
    for url in ("/psilos", "/labels"):
        response = app.get(url)
        assert response.headers["Cache-Control"] == "no-cache, no-store"
        assert "Expires" not in response.headers


def test_writes_carry_no_cache_expiry(app, obj):
    response = app.patch_json(f"/toadstools/{obj['id']}", {"data": {"n": 2}})
    assert "Expires" not in response.headers
    assert "max-age" not in response.headers.get("Cache-Control", "")


def test_setting_can_be_turned_off():
    app = make_app()
    response = app.get("/toadstools")
    assert response.headers["Cache-Control"] == "no-cache, no-store"


# The ``get_cache_expires`` hook ---------------------------------------------------


class Forecast(resource.Resource):
    """Cached for a minute in ``eu``, never in ``none``, else as the setting says."""

    asked: ClassVar[list[str]] = []

    def get_parent_id(self, request: Any) -> str:
        return str(request.matchdict["region"])

    def get_cache_expires(self) -> int | None:
        self.asked.append(self.model.parent_id)
        if self.model.parent_id == "eu":
            return 60
        if self.model.parent_id == "none":
            return None
        return super().get_cache_expires()


def forecasts(config: Configurator) -> None:
    resource.register_resource(
        config,
        Forecast,
        name="forecast",
        plural_path="/regions/{region}/forecasts",
        object_path="/regions/{region}/forecasts/{id}",
    )


@pytest.fixture
def forecast_app():
    Forecast.asked.clear()
    return make_webtest(
        forecasts,
        {**BASE_SETTINGS, "forecast_cache_expires_seconds": "3600"},
        version="0.1.0",
    )


@pytest.mark.parametrize("method", ["get", "head"])
@pytest.mark.parametrize(("region", "expected"), [("eu", 60), ("us", 3600)])
def test_the_hook_decides_per_request(forecast_app, method, region, expected):
    obj = create(forecast_app, f"/regions/{region}/forecasts", {"rain": True})
    for url in (f"/regions/{region}/forecasts", f"/regions/{region}/forecasts/{obj['id']}"):
        response = getattr(forecast_app, method)(url)
        assert response.headers["Cache-Control"] == f"max-age={expected}"
        assert "Expires" in response.headers


def test_the_hook_may_refuse_caching(forecast_app):
    response = forecast_app.get("/regions/none/forecasts")
    assert response.headers["Cache-Control"] == "no-cache, no-store"
    assert Forecast.asked == ["none"]


def test_the_hook_is_not_asked_for_authenticated_reads(forecast_app):
    obj = create(forecast_app, "/regions/eu/forecasts", {"rain": True})
    for url in ("/regions/eu/forecasts", f"/regions/eu/forecasts/{obj['id']}"):
        response = forecast_app.get(url, headers=BOB)
        assert response.headers["Cache-Control"] == "no-cache, no-store"
    assert Forecast.asked == []


def test_the_hook_is_not_asked_for_writes(forecast_app):
    obj = create(forecast_app, "/regions/eu/forecasts", {"rain": True})
    forecast_app.patch_json(f"/regions/eu/forecasts/{obj['id']}", {"data": {"rain": False}})
    forecast_app.delete(f"/regions/eu/forecasts/{obj['id']}")
    assert Forecast.asked == []


@pytest.mark.parametrize("value", ["", "soon", "0"])
def test_the_default_ignores_unusable_settings(value):
    app = make_app({"toadstool_cache_expires_seconds": value})
    response = app.get("/toadstools")
    assert response.headers["Cache-Control"] == "no-cache, no-store"
