"""Malformed input of every kind: a JSON 4xx with the right errno, never a 500, nothing written."""

from __future__ import annotations

import json

import pytest

from strato.testing import assert_formatted_error

from .testapp import BOB, create, make_app, storage_state


@pytest.fixture(scope="module")
def app():
    app = make_app()
    app.post_json(
        "/moistures",
        {"data": {"id": "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57", "name": "m", "size": 1}},
        headers=BOB,
    )
    app.post_json(
        "/spores",
        {"data": {"id": "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57", "name": "s"}},
        headers=BOB,
    )
    app.post_json(
        "/toadstools",
        {"data": {"id": "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57", "n": 1}},
        headers=BOB,
    )
    return app


OBJECT_ID = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"


def check_error(app, before, response, code, errno=107):
    assert_formatted_error(response, code, errno)
    assert storage_state(app) == before


# Querystring -------------------------------------------------------------------------

BAD_QUERIES = [
    ("/toadstools", "_limit=-1"),
    ("/toadstools", "_limit=abc"),
    ("/toadstools", "_limit=1.5"),
    ("/toadstools", f"_limit={2**64}"),
    ("/moistures", "_sort=color"),
    ("/toadstools", "_sort="),
    ("/toadstools", "_sort=" + ",".join(f"f{i}" for i in range(100))),
    ("/toadstools", "min_x="),
    ("/toadstools", "gt_x="),
    ("/toadstools", "in_x="),
    ("/moistures", "color=red"),
    ("/moistures", "_fields=color"),
    ("/toadstools", "_since=yesterday"),
    ("/toadstools", "_before=-3"),
    ("/toadstools", "_since=99999999999999999999"),
    ("/toadstools", "_token=garbage"),
    ("/toadstools", "like_x=12"),
    ("/toadstools", "x=%00"),
    ("/toadstools", "contains_id=a"),
    ("/toadstools", "in_last_modified=a,b"),
    ("/toadstools", "last_modified=[1]"),
    ("/toadstools", "id={}"),
]


@pytest.mark.parametrize("method", ["get", "head", "delete"])
@pytest.mark.parametrize(("path", "query"), BAD_QUERIES)
def test_malformed_querystrings(app, method, path, query):
    before = storage_state(app)
    response = getattr(app, method)(f"{path}?{query}", headers=BOB, status=400)
    if method == "head":
        assert response.body == b""
        assert storage_state(app) == before
    else:
        check_error(app, before, response, 400)
        assert response.json["details"][0]["location"] == "querystring"


def test_querystring_that_is_not_utf8(app):
    before = storage_state(app)
    response = app.get("/toadstools?name=%FF%FE", headers=BOB, status=400)
    check_error(app, before, response, 400)


def test_bad_delete_timestamp(app):
    before = storage_state(app)
    response = app.delete(f"/toadstools/{OBJECT_ID}?last_modified=soon", headers=BOB, status=400)
    check_error(app, before, response, 400)


# Bodies ----------------------------------------------------------------------------------

ONE_MB = "x" * (1024 * 1024)
MANY_KEYS = {f"k{i}": i for i in range(10_000)}
BAD_BODIES = [
    ("/toadstools", "[]"),
    ("/toadstools", "[1, 2]"),
    ("/toadstools", '"text"'),
    ("/toadstools", "12"),
    ("/toadstools", "null"),
    ("/toadstools", '{"data": []}'),
    ("/toadstools", '{"data": "x"}'),
    ("/toadstools", '{"data": {}, "other": 1}'),
    ("/toadstools", '{"data": {"x": NaN}}'),
    ("/toadstools", '{"data": {"x": Infinity}}'),
    ("/toadstools", '{"data": {"x": -Infinity}}'),
    ("/toadstools", '{"data": {"x": 1e400}}'),
    ("/toadstools", '{"data": {"x": 1' + "0" * 5000 + "}}"),
    ("/toadstools", '{"data": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}"),
    ("/toadstools", '{"data": {"x": 1}'),
    ("/toadstools", "{'data': {}}"),
    ("/toadstools", '{"data": {"id": 12}}'),
    ("/toadstools", '{"data": {"id": "not-a-uuid"}}'),
    ("/toadstools", '{"data": {}, "permissions": {"read": ["x"]}}'),
    ("/moistures", '{"data": {"name": 12}}'),
    ("/moistures", '{"data": {"name": "m", "size": "big"}}'),
    ("/moistures", '{"data": {"name": ["m"]}}'),
    ("/moistures", json.dumps({"data": {"name": MANY_KEYS}})),
    ("/moistures", "{}"),
    ("/spores", json.dumps({"data": {"name": ONE_MB}})),
    ("/mushrooms", json.dumps({"data": {}, "permissions": MANY_KEYS})),
    ("/mushrooms", '{"data": {}, "permissions": {"read": "everyone"}}'),
    ("/toadstools", '{"data": {"x": "nul \\u0000 inside"}}'),
    ("/toadstools", '{"data": {"nul\\u0000key": 1}}'),
    ("/toadstools", '{"data": {"deep": [{"x": ["\\u0000"]}]}}'),
]


@pytest.mark.parametrize(("path", "body"), BAD_BODIES, ids=[b[1][:40] for b in BAD_BODIES])
def test_malformed_bodies_on_post(app, path, body):
    before = storage_state(app)
    headers = {**BOB, "Content-Type": "application/json"}
    response = app.post(path, body, headers=headers, status=400)
    check_error(app, before, response, 400)


OBJECT_BODIES = [
    (p, b) for p, b in BAD_BODIES if "id" not in b and p != "/mushrooms" and b not in ("{}",)
]


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize(("path", "body"), OBJECT_BODIES, ids=[b[1][:40] for b in OBJECT_BODIES])
def test_malformed_bodies_on_object_writes(app, method, path, body):
    before = storage_state(app)
    headers = {**BOB, "Content-Type": "application/json"}
    response = getattr(app, method)(f"{path}/{OBJECT_ID}", body, headers=headers, status=400)
    check_error(app, before, response, 400)


def test_body_that_is_not_utf8(app):
    before = storage_state(app)
    response = app.post(
        "/toadstools",
        b'{"data": {"x": "\xff"}}',
        headers={**BOB, "Content-Type": "application/json"},
        status=400,
    )
    check_error(app, before, response, 400)


def test_readonly_field_change(app):
    before = storage_state(app)
    response = app.patch_json(
        f"/spores/{OBJECT_ID}", {"data": {"name": "other"}}, headers=BOB, status=400
    )
    check_error(app, before, response, 400)


def test_large_values_are_stored_whole_where_the_schema_allows_them():
    app = make_app()
    big = create(app, "/toadstools", {"text": ONE_MB})
    assert app.get(f"/toadstools/{big['id']}", headers=BOB).json["data"]["text"] == ONE_MB
    many = create(app, "/toadstools", MANY_KEYS)
    assert len(app.get(f"/toadstools/{many['id']}", headers=BOB).json["data"]) == 10_002


def test_strict_schema_drops_ten_thousand_unknown_keys():
    app = make_app()
    obj = create(app, "/moistures", {"name": "m", **MANY_KEYS})
    assert set(obj) == {"id", "last_modified", "name"}


# Headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"If-Match": "12"}, 400),
        ({"If-None-Match": '"abc"'}, 400),
        ({"If-Match": '"1"'}, 412),
        ({"Accept": "text/html"}, 406),
        ({"Content-Type": "text/plain"}, 415),
        ({"Content-Type": "application/xml"}, 415),
        ({"Response-Behavior": "everything"}, 400),
    ],
)
def test_malformed_headers(app, headers, code):
    before = storage_state(app)
    errno = 114 if code == 412 else 107
    for method, path in (
        ("patch", f"/toadstools/{OBJECT_ID}"),
        ("put", f"/toadstools/{OBJECT_ID}"),
        ("post", "/toadstools"),
    ):
        if "Response-Behavior" in headers and method != "patch":
            continue
        if method == "post" and "If-Match" in headers:
            expected = 412 if code == 412 else code
        else:
            expected = code
        response = getattr(app, method)(
            path,
            '{"data": {"n": 2}}',
            headers={**BOB, "Content-Type": "application/json", **headers},
            status=expected,
        )
        check_error(app, before, response, expected, errno)


# Paths --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "code", "errno"),
    [
        ("/toadstools/" + "a" * 300, 400, 107),
        ("/toadstools/" + "a" * 10_000, 400, 107),
        ("/labels/" + "a" * 257, 400, 107),
        ("/toadstools/../x", 404, 111),
        ("/toadstools/..", 400, 107),
        ("/labels/%C3%A9t%C3%A9", 400, 107),
        ("/labels/%E6%97%A5%E6%9C%AC", 400, 107),
        ("/labels/a%2Fb", 404, 111),
        ("/labels/a%00b", 400, 107),
        ("/labels/%FF", 400, 107),
        ("/labels/a b", 400, 107),
        ("/toadstools/" + OBJECT_ID + "/extra", 404, 111),
    ],
)
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_malformed_paths(app, path, code, errno, method):
    before = storage_state(app)
    kwargs = {"params": '{"data": {}}'} if method in ("put", "patch") else {}
    response = getattr(app, method)(
        path, headers={**BOB, "Content-Type": "application/json"}, status=code, **kwargs
    )
    check_error(app, before, response, code, errno)
