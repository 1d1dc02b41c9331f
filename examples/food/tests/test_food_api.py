"""The food tutorial service, through its own paste ``main`` factory."""

from __future__ import annotations

import food
import pytest
import webtest

from strato.testing import assert_formatted_error, get_user_headers

SETTINGS = {
    "storage_backend": "strato.storage.memory",
    "permission_backend": "strato.permission.memory",
    "cache_backend": "strato.cache.memory",
    "userid_hmac_secret": "food-tests",
    "multiauth.policies": "basicauth",
}
MARY = get_user_headers("mary")
JOHN = get_user_headers("john")


@pytest.fixture
def app():
    return webtest.TestApp(food.main({}, **SETTINGS))


def test_hello_names_the_service(app):
    hello = app.get("/v0/").json
    assert hello["project_name"] == "food"
    assert hello["project_version"] == food.__version__


def test_crud(app):
    created = app.post_json("/v0/food", {"data": {"food": "apple"}}, headers=MARY, status=201)
    apple = created.json["data"]
    assert apple["food"] == "apple"
    assert apple["taste"] == ""

    listed = app.get("/v0/food", headers=MARY).json["data"]
    assert listed == [apple]

    patched = app.patch_json(
        f"/v0/food/{apple['id']}", {"data": {"taste": "sweet"}}, headers=MARY
    ).json["data"]
    assert patched["taste"] == "sweet"
    assert patched["last_modified"] > apple["last_modified"]

    replaced = app.put_json(
        f"/v0/food/{apple['id']}", {"data": {"food": "pear"}}, headers=MARY
    ).json["data"]
    assert replaced["food"] == "pear" and replaced["taste"] == ""

    deleted = app.delete(f"/v0/food/{apple['id']}", headers=MARY).json["data"]
    assert deleted["deleted"] is True
    app.get(f"/v0/food/{apple['id']}", headers=MARY, status=404)
    assert app.get("/v0/food", headers=MARY).json["data"] == []


def test_food_is_required(app):
    response = app.post_json("/v0/food", {"data": {"taste": "bland"}}, headers=MARY, status=400)
    assert_formatted_error(response, 400, 107, message="food")


def test_each_user_sees_their_own_food(app):
    apple = app.post_json("/v0/food", {"data": {"food": "apple"}}, headers=MARY).json["data"]
    app.post_json("/v0/food", {"data": {"food": "kiwi"}}, headers=JOHN)

    assert [f["food"] for f in app.get("/v0/food", headers=MARY).json["data"]] == ["apple"]
    assert [f["food"] for f in app.get("/v0/food", headers=JOHN).json["data"]] == ["kiwi"]
    app.get(f"/v0/food/{apple['id']}", headers=JOHN, status=404)
    app.patch_json(f"/v0/food/{apple['id']}", {"data": {"taste": "x"}}, headers=JOHN, status=404)
    app.delete("/v0/food", headers=JOHN)
    assert len(app.get("/v0/food", headers=MARY).json["data"]) == 1


def test_anonymous_callers_must_authenticate(app):
    response = app.get("/v0/food", status=401)
    assert_formatted_error(response, 401, 104)
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_filters_sorting_and_pages(app):
    for name, taste in (("apple", "sweet"), ("lemon", "sour"), ("cherry", "sweet")):
        app.post_json("/v0/food", {"data": {"food": name, "taste": taste}}, headers=MARY)
    sweet = app.get("/v0/food?taste=sweet&_sort=food", headers=MARY).json["data"]
    assert [f["food"] for f in sweet] == ["apple", "cherry"]
    first = app.get("/v0/food?_sort=food&_limit=2", headers=MARY)
    assert [f["food"] for f in first.json["data"]] == ["apple", "cherry"]
    rest = app.get(first.headers["Next-Page"].replace("http://localhost", ""), headers=MARY)
    assert [f["food"] for f in rest.json["data"]] == ["lemon"]
