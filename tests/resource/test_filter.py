"""Filtering plural endpoints: every operator, nested fields, missing fields (PROTOCOL §5.5)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from strato.testing import assert_formatted_error

from .testapp import BOB, create, make_app

OBJECTS = {
    "a": {
        "title": "Alpha",
        "n": 1,
        "flag": True,
        "tags": ["x", "y"],
        "person": {"name": "Ann", "age": 30},
        "nil": None,
    },
    "b": {
        "title": "beta",
        "n": 2,
        "flag": False,
        "tags": ["y"],
        "person": {"name": "Bob", "age": 40},
    },
    "c": {"title": "Gamma", "n": 3.5, "tags": [], "person": {"name": "Cid"}, "code": "black"},
    "d": {"title": "delta", "n": "3", "flag": True},
    "e": {"n": [1, 2], "misc": {"k": 1}},
}


@pytest.fixture(scope="module")
def app():
    app = make_app()
    for key, data in OBJECTS.items():
        app.post_json("/labels", {"data": {"id": key, **data}}, headers=BOB)
    return app


def ids(app, query, path="/labels"):
    response = app.get(f"{path}?{query}", headers=BOB)
    return sorted(o["id"] for o in response.json["data"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title=Alpha", ["a"]),
        ("eq_title=beta", ["b"]),
        ("n=1", ["a"]),
        ('n="3"', ["d"]),
        ("n=3", []),
        ("n=3.5", ["c"]),
        ("n=[1,2]", ["e"]),
        ("flag=true", ["a", "d"]),
        ("flag=false", ["b"]),
        ("nil=null", ["a"]),
        ("person.name=Bob", ["b"]),
        ('misc={"k":1}', ["e"]),
        ("person.age=30", ["a"]),
        ("title=nobody", []),
    ],
)
def test_equality(app, query, expected):
    assert ids(app, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("not_title=Alpha", ["b", "c", "d", "e"]),
        ("not_flag=true", ["b", "c", "e"]),
        ("not_person.age=30", ["b", "c", "d", "e"]),
    ],
)
def test_not_equal_matches_missing_fields(app, query, expected):
    assert ids(app, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Numbers compare numerically; a string ranks below every number and
        # an array above; a missing field is greater than everything.
        ("gt_n=1", ["b", "c", "e"]),
        ("min_n=2", ["b", "c", "e"]),
        ("lt_n=3.5", ["a", "b", "d"]),
        ("max_n=2", ["a", "b", "d"]),
        ("gt_person.age=30", ["b", "c", "d", "e"]),
        ("min_person.age=40", ["b", "c", "d", "e"]),
        ("lt_person.age=40", ["a"]),
        ("max_person.age=40", ["a", "b"]),
        ("gt_title=beta", ["d", "e"]),
        ("lt_title=beta", ["a", "c"]),
    ],
)
def test_comparisons(app, query, expected):
    assert ids(app, query) == expected


def test_comparisons_are_anded(app):
    assert ids(app, "min_n=1&max_n=2") == ["a", "b"]
    assert ids(app, "min_n=1&max_n=2&flag=false") == ["b"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("in_title=Alpha,beta", ["a", "b"]),
        ('in_n=1,"3"', ["a", "d"]),
        ("in_person.name=Ann,Cid", ["a", "c"]),
        ("in_id=a,c", ["a", "c"]),
        ("exclude_title=Alpha,beta", ["c", "d", "e"]),
        ("exclude_person.name=Ann", ["b", "c", "d", "e"]),
        ("exclude_id=a,b,c", ["d", "e"]),
    ],
)
def test_in_and_exclude(app, query, expected):
    assert ids(app, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("like_title=al", ["a"]),
        ("like_title=ALPHA", ["a"]),
        ("like_title=*ta", ["b", "d"]),
        ("like_title=g*a", ["c"]),
        ("like_title=*", ["a", "b", "c", "d"]),
        ("like_person.name=o", ["b"]),
        ("like_title=%25", []),
        ("like_title=_", []),
    ],
)
def test_like(app, query, expected):
    assert ids(app, query) == expected


def test_like_with_a_number_is_a_400(app):
    response = app.get("/labels?like_n=1", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("has_flag=true", ["a", "b", "d"]),
        ("has_flag=1", ["a", "b", "d"]),
        ("has_flag=false", ["c", "e"]),
        ("has_flag=0", ["c", "e"]),
        ("has_nil=true", ["a"]),
        ("has_person.age=true", ["a", "b"]),
        ("has_person.age=false", ["c", "d", "e"]),
    ],
)
def test_has(app, query, expected):
    assert ids(app, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("contains_tags=y", ["a", "b"]),
        ('contains_tags=["x","y"]', ["a"]),
        ('contains_tags=["x","z"]', []),
        ("contains_any_tags=x", ["a"]),
        ('contains_any_tags=["x","y"]', ["a", "b"]),
        ('contains_any_tags=["z"]', []),
        ("contains_n=1", ["e"]),
        # Strings are not arrays: "black" does not contain "b".
        ("contains_code=b", []),
        ("contains_title=Alpha", []),
    ],
)
def test_contains(app, query, expected):
    assert ids(app, query) == expected


@pytest.mark.parametrize("param", ["contains_id", "contains_any_last_modified"])
def test_contains_on_id_or_last_modified_is_a_400(app, param):
    response = app.get(f"/labels?{param}=1", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="is not an array")


def test_id_filter_with_a_numeric_value_compares_as_string(app):
    app.post_json("/labels", {"data": {"id": "12"}}, headers=BOB)
    try:
        assert ids(app, "id=12") == ["12"]
        assert ids(app, 'id="12"') == ["12"]
    finally:
        app.delete("/labels/12", headers=BOB)


def test_dotted_keys_are_resolved_longest_first(app):
    app.post_json("/labels", {"data": {"id": "dots", "x.y": 1, "x": {"y": 2}}}, headers=BOB)
    try:
        assert ids(app, "x.y=1") == ["dots"]
    finally:
        app.delete("/labels/dots", headers=BOB)


def test_underscore_parameters_are_ignored(app):
    assert ids(app, "_expected=12&_cachebust=1") == ["a", "b", "c", "d", "e"]


def test_unknown_filter_on_a_strict_schema_is_a_400():
    app = make_app()
    response = app.get("/moistures?color=red", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="Unknown filter field 'color'")
    assert response.json["details"][0]["location"] == "querystring"
    app.get("/moistures?name=x&person.age=3&gt_size=1&last_modified=1&id=x", headers=BOB)


def test_bad_prefix_is_a_field_name_on_a_strict_schema():
    app = make_app()
    response = app.get("/moistures?madmax_size=1", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="Unknown filter field 'madmax_size'")


@pytest.mark.parametrize("query", ["na%00me=1", "name=a%00b"])
def test_nul_characters_are_a_400(app, query):
    response = app.get(f"/labels?{query}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="Invalid character 0x00")


@pytest.mark.parametrize(
    "query",
    [
        "last_modified=abc",
        "gt_last_modified=-5",
        "_since=abc",
        "_before=1.5",
        "in_last_modified=a",
        "lt_last_modified=1000000000000000",
    ],
)
def test_invalid_timestamps_are_a_400(app, query):
    response = app.get(f"/labels?{query}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="Invalid value for")


def test_tombstones_need_a_last_modified_filter():
    app = make_app()
    live = create(app, "/toadstools", {"n": 1})
    gone = create(app, "/toadstools", {"n": 2})
    app.delete(f"/toadstools/{gone['id']}", headers=BOB)

    assert ids(app, "", "/toadstools") == [live["id"]]
    assert ids(app, "deleted=true", "/toadstools") == []
    assert sorted(ids(app, "_since=0", "/toadstools")) == sorted([live["id"], gone["id"]])
    assert ids(app, "_since=0&deleted=true", "/toadstools") == [gone["id"]]
    assert ids(app, "gt_last_modified=0&deleted=true", "/toadstools") == [gone["id"]]
    assert ids(app, "min_last_modified=0&has_deleted=false", "/toadstools") == [live["id"]]


def test_filters_apply_to_plural_delete(app):
    local = make_app()
    for n in range(4):
        create(local, "/toadstools", {"n": n})
    deleted = local.delete("/toadstools?in_n=1,3", headers=BOB).json["data"]
    assert len(deleted) == 2
    remaining = local.get("/toadstools?_sort=n", headers=BOB).json["data"]
    assert [o["n"] for o in remaining] == [0, 2]


def test_filters_apply_to_head_counts(app):
    response = app.head("/labels?has_flag=true", headers=BOB)
    assert response.headers["Total-Objects"] == "3"


def test_filter_values_are_data_not_code(app):
    nasty = quote("'; DROP TABLE objects; --")
    assert ids(app, f"title={nasty}") == []
    assert ids(app, f"like_title={nasty}") == []
