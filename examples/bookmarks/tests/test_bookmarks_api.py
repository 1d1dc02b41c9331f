"""The bookmarks example service, through its own paste ``main`` factory."""

from __future__ import annotations

import bookmarks
import pytest
import webtest

from strato.testing import assert_formatted_error, get_user_headers

SETTINGS = {
    "storage_backend": "strato.storage.memory",
    "permission_backend": "strato.permission.memory",
    "cache_backend": "strato.cache.memory",
    "userid_hmac_secret": "bookmarks-tests",
    "multiauth.policies": "basicauth",
}
MARY = {**get_user_headers("mary"), "User-Agent": "Firefox/140 (Android)"}
JOHN = {**get_user_headers("john"), "User-Agent": "curl/8.0"}
URL = "https://example.com/recipes"


@pytest.fixture
def app():
    return webtest.TestApp(bookmarks.main({}, **SETTINGS))


def add(app, url=URL, headers=MARY, **extra):
    return app.post_json("/v0/bookmarks", {"data": {"url": url, **extra}}, headers=headers)


def test_crud(app):
    created = add(app, title="Recipes")
    assert created.status_code == 201
    bookmark = created.json["data"]
    assert bookmark["url"] == URL and bookmark["title"] == "Recipes"
    path = f"/v0/bookmarks/{bookmark['id']}"
    assert app.get(path, headers=MARY).json["data"] == bookmark
    renamed = app.patch_json(path, {"data": {"title": "Food"}}, headers=MARY).json["data"]
    assert renamed["title"] == "Food"
    app.delete(path, headers=MARY)
    assert app.get("/v0/bookmarks", headers=MARY).json["data"] == []


def test_url_is_validated_and_stripped(app):
    assert add(app, url=f"  {URL}  ").json["data"]["url"] == URL
    response = app.post_json(
        "/v0/bookmarks", {"data": {"url": "not a url"}}, headers=MARY, status=400
    )
    assert_formatted_error(response, 400, 107, message="url")
    response = app.post_json("/v0/bookmarks", {"data": {"title": "x"}}, headers=MARY, status=400)
    assert_formatted_error(response, 400, 107, message="url")


def test_same_url_twice_for_one_user_is_a_409(app):
    first = add(app).json["data"]
    response = app.post_json("/v0/bookmarks", {"data": {"url": URL}}, headers=MARY, status=409)
    assert_formatted_error(response, 409, 122, message="already exists")
    # Retrying the same duplicate would fail the same way.
    assert "Retry-After" not in response.headers
    assert response.json["details"]["field"] == "url"
    assert response.json["details"]["existing"]["id"] == first["id"]
    assert len(app.get("/v0/bookmarks", headers=MARY).json["data"]) == 1


def test_url_uniqueness_is_checked_on_updates(app):
    add(app)
    other = add(app, url="https://example.com/other").json["data"]
    path = f"/v0/bookmarks/{other['id']}"
    app.patch_json(path, {"data": {"url": URL}}, headers=MARY, status=409)
    app.put_json(path, {"data": {"url": URL}}, headers=MARY, status=409)
    new_id = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    app.put_json(f"/v0/bookmarks/{new_id}", {"data": {"url": URL}}, headers=MARY, status=409)
    assert app.get(path, headers=MARY).json["data"]["url"] == "https://example.com/other"


def test_keeping_the_own_url_is_fine(app):
    bookmark = add(app).json["data"]
    path = f"/v0/bookmarks/{bookmark['id']}"
    app.patch_json(path, {"data": {"url": URL, "title": "t"}}, headers=MARY, status=200)
    app.put_json(path, {"data": {"url": URL}}, headers=MARY, status=200)


def test_deleted_bookmark_frees_its_url(app):
    bookmark = add(app).json["data"]
    app.delete(f"/v0/bookmarks/{bookmark['id']}", headers=MARY)
    add(app)


def test_urls_are_unique_per_user_only(app):
    add(app, headers=MARY)
    add(app, headers=JOHN)
    assert len(app.get("/v0/bookmarks", headers=JOHN).json["data"]) == 1


def test_device_comes_from_the_user_agent(app):
    bookmark = add(app, device="forged").json["data"]
    assert bookmark["device"] == "Firefox/140 (Android)"
    anonymous_agent = {k: v for k, v in JOHN.items() if k != "User-Agent"}
    assert add(app, headers=anonymous_agent).json["data"]["device"] == "unknown"


def test_device_is_readonly(app):
    bookmark = add(app).json["data"]
    path = f"/v0/bookmarks/{bookmark['id']}"
    response = app.patch_json(path, {"data": {"device": "other"}}, headers=MARY, status=400)
    assert_formatted_error(response, 400, 107, message="Cannot modify device")
    # Saving from another device keeps the original one.
    elsewhere = {**MARY, "User-Agent": "Safari/18"}
    updated = app.patch_json(path, {"data": {"title": "t"}}, headers=elsewhere).json["data"]
    assert updated["device"] == "Firefox/140 (Android)"
    replaced = app.put_json(path, {"data": {"url": URL, "device": "x"}}, headers=elsewhere)
    assert replaced.json["data"]["device"] == "Firefox/140 (Android)"


def test_long_user_agents_are_truncated(app):
    headers = {**MARY, "User-Agent": "A" * 1000}
    assert len(add(app, headers=headers).json["data"]["device"]) == 256


def test_bookmarks_are_private(app):
    bookmark = add(app).json["data"]
    app.get(f"/v0/bookmarks/{bookmark['id']}", headers=JOHN, status=404)
    assert app.get("/v0/bookmarks", headers=JOHN).json["data"] == []
    app.get("/v0/bookmarks", status=401)
