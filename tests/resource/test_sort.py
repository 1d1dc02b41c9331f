"""``_sort``: several fields, directions, nested fields, cross-type order (PROTOCOL §5.7)."""

from __future__ import annotations

import pytest

from strato.testing import assert_formatted_error

from .testapp import BOB, make_app

OBJECTS = [
    {"id": "a", "title": "b", "n": 2, "done": True, "p": {"age": 3}},
    {"id": "b", "title": "a", "n": 2, "done": False, "p": {"age": 1}},
    {"id": "c", "title": "c", "n": 1, "p": {"age": 2}},
    {"id": "d", "title": "a", "n": 3, "done": True},
    {"id": "e", "n": 1},
]


@pytest.fixture(scope="module")
def app():
    app = make_app()
    for data in OBJECTS:
        app.post_json("/labels", {"data": data}, headers=BOB)
    return app


def order(app, sort, path="/labels", extra=""):
    response = app.get(f"{path}?_sort={sort}{extra}", headers=BOB)
    return [o["id"] for o in response.json["data"]]


def test_default_order_is_newest_first(app):
    assert [o["id"] for o in app.get("/labels", headers=BOB).json["data"]] == [
        "e",
        "d",
        "c",
        "b",
        "a",
    ]


def test_ascending_and_descending(app):
    assert order(app, "title") == ["d", "b", "a", "c", "e"]
    assert order(app, "-title") == ["e", "c", "a", "d", "b"]
    assert order(app, "+title") == order(app, "title")


def test_ties_are_broken_by_newest_first(app):
    # b and d share title "a": d was written last, so it comes first.
    assert order(app, "title")[:2] == ["d", "b"]


def test_several_fields(app):
    # Missing values come last ascending, first descending.
    assert order(app, "n,-title") == ["e", "c", "a", "b", "d"]
    assert order(app, "-n,title") == ["d", "b", "a", "c", "e"]


def test_explicit_last_modified_replaces_the_tie_breaker(app):
    assert order(app, "last_modified") == ["a", "b", "c", "d", "e"]
    assert order(app, "n,last_modified") == ["c", "e", "a", "b", "d"]


def test_nested_fields(app):
    assert order(app, "p.age") == ["b", "c", "a", "e", "d"]
    assert order(app, "-p.age") == ["e", "d", "a", "c", "b"]


def test_booleans_sort_false_first_and_missing_last(app):
    assert order(app, "done") == ["b", "d", "a", "e", "c"]
    assert order(app, "-done") == ["e", "c", "d", "a", "b"]


def test_id_sort(app):
    assert order(app, "id") == ["a", "b", "c", "d", "e"]
    assert order(app, "-id") == ["e", "d", "c", "b", "a"]


def test_malformed_entries_are_ignored(app):
    assert order(app, "$x,n%3B,title,%20,a-b") == order(app, "title")


def test_mixed_types_follow_the_cross_type_order():
    app = make_app()
    values = {"obj": {"k": 1}, "arr": [1], "bool": True, "num": 3, "str": "x", "null": None}
    for key, value in values.items():
        app.post_json("/labels", {"data": {"id": key, "v": value}}, headers=BOB)
    app.post_json("/labels", {"data": {"id": "missing"}}, headers=BOB)
    assert order(app, "v") == ["null", "str", "num", "bool", "arr", "obj", "missing"]
    assert order(app, "-v") == ["missing", "obj", "arr", "bool", "num", "str", "null"]


def test_tombstones_sort_with_missing_values():
    app = make_app()
    for key, n in (("a", 1), ("b", 2), ("c", 3)):
        app.post_json("/labels", {"data": {"id": key, "n": n}}, headers=BOB)
    app.delete("/labels/b", headers=BOB)
    assert order(app, "n", extra="&_since=0") == ["a", "c", "b"]


def test_unknown_sort_field_on_a_strict_schema_is_a_400():
    app = make_app()
    response = app.get("/moistures?_sort=color", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="Unknown sort field 'color'")
    assert response.json["details"][0]["location"] == "querystring"
    app.get("/moistures?_sort=-size,name,person.age,id,last_modified", headers=BOB)


def test_empty_sort_is_a_400(app):
    response = app.get("/labels?_sort=", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="_sort")


def test_sort_applies_to_plural_delete():
    app = make_app()
    for key, n in (("a", 3), ("b", 1), ("c", 2)):
        app.post_json("/labels", {"data": {"id": key, "n": n}}, headers=BOB)
    deleted = app.delete("/labels?_sort=n&_limit=2", headers=BOB).json["data"]
    assert [t["id"] for t in deleted] == ["b", "c"]
