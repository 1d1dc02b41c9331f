"""Client caching headers: ``<resource>_cache_expires_seconds`` (PROTOCOL §5.10)."""

from __future__ import annotations

import pytest

from .testapp import BOB, create, make_app


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
