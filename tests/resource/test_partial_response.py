"""``_fields``: partial responses (PROTOCOL §5.9)."""

from __future__ import annotations

import pytest

from strato.testing import assert_formatted_error

from .testapp import BOB, create, make_app


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def obj(app):
    return create(
        app, "/mushrooms", {"title": "t", "n": 1, "person": {"name": "n", "age": 3, "x": 1}}
    )


def test_fields_on_plural_get(app, obj):
    response = app.get("/mushrooms?_fields=title", headers=BOB)
    assert response.json["data"] == [
        {"id": obj["id"], "last_modified": obj["last_modified"], "title": "t"}
    ]


def test_fields_on_object_get_drop_permissions(app, obj):
    response = app.get(f"/mushrooms/{obj['id']}?_fields=n", headers=BOB)
    assert response.json == {
        "data": {"id": obj["id"], "last_modified": obj["last_modified"], "n": 1}
    }
    assert "permissions" in app.get(f"/mushrooms/{obj['id']}", headers=BOB).json


def test_nested_fields_are_merged(app, obj):
    response = app.get(f"/mushrooms/{obj['id']}?_fields=person.name,person.age", headers=BOB)
    assert response.json["data"]["person"] == {"name": "n", "age": 3}


def test_missing_fields_are_left_out(app, obj):
    response = app.get(f"/mushrooms/{obj['id']}?_fields=nope,person.nope", headers=BOB)
    assert response.json["data"] == {"id": obj["id"], "last_modified": obj["last_modified"]}


def test_fields_drop_the_deleted_flag_of_tombstones(app):
    other = create(app, "/toadstools", {"title": "u"})
    app.delete(f"/toadstools/{other['id']}", headers=BOB)
    response = app.get("/toadstools?_since=0&_fields=title", headers=BOB)
    tombstone = next(o for o in response.json["data"] if o["id"] == other["id"])
    assert tombstone == {"id": other["id"], "last_modified": tombstone["last_modified"]}


def test_fields_on_plural_delete(app, obj):
    response = app.delete("/mushrooms?_fields=title", headers=BOB)
    assert response.json["data"] == [
        {"id": obj["id"], "last_modified": response.json["data"][0]["last_modified"]}
    ]


def test_unknown_fields_on_a_strict_schema_are_a_400(app):
    moisture = create(app, "/moistures", {"name": "m"})
    for url in ("/moistures?_fields=color", f"/moistures/{moisture['id']}?_fields=name,color"):
        response = app.get(url, headers=BOB, status=400)
        assert_formatted_error(response, 400, 107, message="Fields color do not exist")
    app.get("/moistures?_fields=name,person.age,size", headers=BOB, status=200)
