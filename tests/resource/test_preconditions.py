"""``If-Match`` / ``If-None-Match`` on every endpoint: the table of PROTOCOL §5.4, cell by cell."""

from __future__ import annotations

import pytest

from strato.testing import assert_formatted_error

from .testapp import BOB, create, make_app, storage_state

NEW_ID = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def existing(app):
    create(app, "/mushrooms", {"n": 0})
    return create(app, "/mushrooms", {"n": 1})


def _collection_ts(app):
    return int(app.get("/mushrooms", headers=BOB).headers["ETag"].strip('"'))


# Each column: (how to send the request, which timestamp is "current" for it).
def _plural_get(app, obj, headers):
    return app.get("/mushrooms", headers={**BOB, **headers}, status="*")


def _plural_head(app, obj, headers):
    return app.head("/mushrooms", headers={**BOB, **headers}, status="*")


def _plural_delete(app, obj, headers):
    return app.delete("/mushrooms?n=42", headers={**BOB, **headers}, status="*")


def _post_no_id(app, obj, headers):
    return app.post_json("/mushrooms", {"data": {"n": 2}}, headers={**BOB, **headers}, status="*")


def _post_new_id(app, obj, headers):
    body = {"data": {"id": NEW_ID, "n": 2}}
    return app.post_json("/mushrooms", body, headers={**BOB, **headers}, status="*")


def _post_existing_id(app, obj, headers):
    body = {"data": {"id": obj["id"], "n": 2}}
    return app.post_json("/mushrooms", body, headers={**BOB, **headers}, status="*")


def _get(app, obj, headers):
    return app.get(f"/mushrooms/{obj['id']}", headers={**BOB, **headers}, status="*")


def _put_existing(app, obj, headers):
    path = f"/mushrooms/{obj['id']}"
    return app.put_json(path, {"data": {"n": 2}}, headers={**BOB, **headers}, status="*")


def _put_new(app, obj, headers):
    path = f"/mushrooms/{NEW_ID}"
    return app.put_json(path, {"data": {"n": 2}}, headers={**BOB, **headers}, status="*")


def _patch(app, obj, headers):
    path = f"/mushrooms/{obj['id']}"
    return app.patch_json(path, {"data": {"n": 2}}, headers={**BOB, **headers}, status="*")


def _delete(app, obj, headers):
    return app.delete(f"/mushrooms/{obj['id']}", headers={**BOB, **headers}, status="*")


COLUMNS = {
    "plural GET": (_plural_get, "collection"),
    "plural HEAD": (_plural_head, "collection"),
    "plural DELETE": (_plural_delete, "collection"),
    "POST no id": (_post_no_id, "collection"),
    "POST new id": (_post_new_id, "collection"),
    "POST existing id": (_post_existing_id, "object"),
    "object GET": (_get, "object"),
    "PUT existing": (_put_existing, "object"),
    "PUT new": (_put_new, "collection"),
    "PATCH": (_patch, "object"),
    "DELETE": (_delete, "object"),
}

# Expected status per (header case, column); "ok" is the column's success status.
OK = {
    "plural GET": 200,
    "plural HEAD": 200,
    "plural DELETE": 200,
    "POST no id": 201,
    "POST new id": 201,
    "POST existing id": 200,
    "object GET": 200,
    "PUT existing": 200,
    "PUT new": 201,
    "PATCH": 200,
    "DELETE": 200,
}
TABLE = {
    "If-Match current": {
        "POST no id": 412,
        "POST new id": 412,
        "PUT new": 412,
    },
    "If-Match stale": dict.fromkeys(COLUMNS, 412),
    "If-Match *": {"POST no id": 412, "POST new id": 412, "PUT new": 412},
    "If-None-Match *": {
        "plural GET": 412,
        "plural HEAD": 412,
        "plural DELETE": 412,
        "POST existing id": 412,
        "object GET": 412,
        "PUT existing": 412,
        "PATCH": 412,
        "DELETE": 412,
    },
    "If-None-Match current": {"plural GET": 304, "plural HEAD": 304, "object GET": 304},
    "If-None-Match stale": {},
}

CELLS = [(case, column) for case in TABLE for column in COLUMNS]


def _headers(case, current):
    name, _, value = case.partition(" ")
    if value == "*":
        return {name: "*"}
    if value == "current":
        return {name: f'"{current}"'}
    return {name: f'"{current - 1}"'}


@pytest.mark.parametrize(("case", "column"), CELLS, ids=[f"{c} / {col}" for c, col in CELLS])
def test_precondition_table(app, existing, case, column):
    send, which = COLUMNS[column]
    current = existing["last_modified"] if which == "object" else _collection_ts(app)
    expected = TABLE[case].get(column, OK[column])
    before = storage_state(app)

    response = send(app, existing, _headers(case, current))

    assert response.status_code == expected, response.body
    if expected == 412:
        if column != "plural HEAD":
            assert_formatted_error(response, 412, 114, message="Resource was modified meanwhile")
        assert storage_state(app) == before
    if expected == 304:
        assert response.body == b""
        assert response.headers["ETag"] == f'"{current}"'


@pytest.mark.parametrize("column", ["object GET", "PUT existing", "PATCH", "DELETE"])
def test_412_details_hold_the_current_object_without_permissions(app, existing, column):
    send, _ = COLUMNS[column]
    response = send(app, existing, {"If-Match": '"1"'})
    assert response.status_code == 412
    assert response.json["details"] == {"existing": existing}
    assert response.headers["ETag"] == f'"{existing["last_modified"]}"'
    assert "Last-Modified" in response.headers


def test_412_on_put_with_if_none_match_star_shows_the_existing_object(app, existing):
    response = _put_existing(app, existing, {"If-None-Match": "*"})
    assert response.status_code == 412
    assert response.json["details"]["existing"]["id"] == existing["id"]


@pytest.mark.parametrize("column", ["plural GET", "plural DELETE", "POST no id"])
def test_412_on_plural_endpoints_has_no_details(app, existing, column):
    send, _ = COLUMNS[column]
    response = send(app, existing, {"If-Match": '"1"'})
    assert response.status_code == 412
    assert "details" not in response.json


def test_412_on_plural_carries_the_current_collection_timestamp(app, existing):
    current = _collection_ts(app)
    response = _plural_get(app, existing, {"If-Match": '"1"'})
    assert response.headers["ETag"] == f'"{current}"'


def test_304_carries_timestamp_headers_but_no_cache_headers(app, existing):
    response = _get(app, existing, {"If-None-Match": f'"{existing["last_modified"]}"'})
    assert response.status_code == 304
    assert "Last-Modified" in response.headers
    assert "Cache-Control" not in response.headers
    assert "Expires" not in response.headers


@pytest.mark.parametrize("column", ["object GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("header", [{"If-Match": '"1"'}, {"If-None-Match": "*"}])
def test_404_wins_over_412(app, column, header):
    send, _ = COLUMNS[column]
    response = send(app, {"id": NEW_ID}, header)
    assert_formatted_error(response, 404, 110)


@pytest.mark.parametrize("name", ["If-Match", "If-None-Match"])
@pytest.mark.parametrize(
    "value", ["12", '"abc"', "'12'", '"12', '""', '"-1"', '"1.5"', 'W/"12"', '"1" "2"']
)
@pytest.mark.parametrize("column", ["plural GET", "POST no id", "object GET", "PUT new", "PATCH"])
def test_malformed_precondition_headers_are_a_400(app, existing, name, value, column):
    send, _ = COLUMNS[column]
    before = storage_state(app)
    response = send(app, existing, {name: value})
    assert_formatted_error(
        response, 400, 107, message="The value should be integer between double quotes."
    )
    assert response.json["details"][0]["location"] == "header"
    assert storage_state(app) == before


def test_put_with_if_match_is_atomic_with_the_write(app, existing):
    # A PATCH bumps the timestamp; a PUT conditioned on the old one must fail.
    app.patch_json(f"/mushrooms/{existing['id']}", {"data": {"n": 5}}, headers=BOB)
    response = _put_existing(app, existing, {"If-Match": f'"{existing["last_modified"]}"'})
    assert response.status_code == 412
    assert app.get(f"/mushrooms/{existing['id']}", headers=BOB).json["data"]["n"] == 5
