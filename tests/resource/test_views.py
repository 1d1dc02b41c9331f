"""Resource endpoints: envelope, content negotiation, status codes (PROTOCOL §5.1, §5.2)."""

from __future__ import annotations

import pytest

from strato.testing import assert_formatted_error

from .testapp import ALICE, BOB, create, make_app, storage_state


@pytest.fixture
def app():
    return make_app()


# Envelope ---------------------------------------------------------------------


def test_objects_are_wrapped_in_data(app):
    created = app.post_json("/toadstools", {"data": {"name": "amanita"}}, headers=BOB)
    assert set(created.json) == {"data"}
    listed = app.get("/toadstools", headers=BOB)
    assert listed.json == {"data": [created.json["data"]]}
    one = app.get(f"/toadstools/{created.json['data']['id']}", headers=BOB)
    assert one.json == {"data": created.json["data"]}


def test_unknown_top_level_keys_are_refused(app):
    response = app.post_json("/toadstools", {"data": {}, "extra": 1}, headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, "Invalid parameters", "Unrecognized keys")
    assert app.get("/toadstools", headers=BOB).json["data"] == []


@pytest.mark.parametrize("data", [[], "text", 3, None, True])
def test_data_must_be_an_object(app, data):
    response = app.post_json("/toadstools", {"data": data}, headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="data")
    assert response.json["details"][0]["location"] == "body"


@pytest.mark.parametrize("body", [[], [1, 2], "text", 12, True])
def test_body_must_be_an_object(app, body):
    response = app.post_json("/toadstools", body, headers=BOB, status=400)
    assert_formatted_error(response, 400, 107)


def test_invalid_json_is_a_400(app):
    response = app.post(
        "/toadstools",
        "{'not': json}",
        headers={**BOB, "Content-Type": "application/json"},
        status=400,
    )
    assert_formatted_error(response, 400, 107, "Invalid parameters", "Invalid JSON")


def test_data_is_optional_when_the_schema_accepts_an_empty_object(app):
    response = app.post_json("/psilos", {}, headers=BOB, status=201)
    assert response.json["data"]["title"] == "untitled"
    empty = app.post("/psilos", headers=BOB, status=201)
    assert empty.json["data"]["title"] == "untitled"


def test_data_is_required_when_the_schema_has_required_fields(app):
    response = app.post_json("/moistures", {}, headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="data in body: Required")


# Content negotiation -------------------------------------------------------


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
def test_unacceptable_accept_header_is_a_406(app, accept):
    response = app.get("/toadstools", headers={**BOB, "Accept": accept}, status=406)
    assert_formatted_error(response, 406, 107)
    assert response.json["details"][0]["location"] == "header"


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/*", "text/html, */*"])
def test_acceptable_accept_headers(app, accept):
    app.get("/toadstools", headers={**BOB, "Accept": accept}, status=200)


def test_406_on_writes_leaves_nothing_behind(app):
    before = storage_state(app)
    app.post_json(
        "/toadstools", {"data": {"a": 1}}, headers={**BOB, "Accept": "text/html"}, status=406
    )
    assert storage_state(app) == before


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_wrong_content_type_is_a_415(app, method):
    obj = create(app, "/toadstools", {"a": 1})
    path = "/toadstools" if method == "post" else f"/toadstools/{obj['id']}"
    response = getattr(app, method)(
        path,
        '{"data": {"a": 2}}',
        headers={**BOB, "Content-Type": "text/plain"},
        status=415,
    )
    assert_formatted_error(response, 415, 107)
    assert app.get(f"/toadstools/{obj['id']}", headers=BOB).json["data"]["a"] == 1


def test_json_with_charset_is_accepted(app):
    app.post(
        "/toadstools",
        '{"data": {"a": 1}}',
        headers={**BOB, "Content-Type": "application/json; charset=utf-8"},
        status=201,
    )


def test_empty_body_without_content_type_is_accepted(app):
    app.post("/psilos", headers=BOB, status=201)


def test_responses_are_json_without_charset(app):
    response = app.get("/toadstools", headers=BOB)
    assert response.headers["Content-Type"] == "application/json"


# Plural endpoints -----------------------------------------------------------


def test_post_creates_with_201_and_a_generated_id(app):
    response = app.post_json("/toadstools", {"data": {"a": 1}}, headers=BOB, status=201)
    data = response.json["data"]
    assert data["a"] == 1
    assert len(data["id"]) == 36
    assert isinstance(data["last_modified"], int)
    assert response.headers["ETag"] == f'"{data["last_modified"]}"'


def test_post_with_a_chosen_id(app):
    object_id = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    response = app.post_json(
        "/toadstools", {"data": {"id": object_id, "a": 1}}, headers=BOB, status=201
    )
    assert response.json["data"]["id"] == object_id


def test_post_of_an_existing_id_returns_it_unchanged_with_200(app):
    obj = create(app, "/toadstools", {"a": 1})
    response = app.post_json(
        "/toadstools", {"data": {"id": obj["id"], "a": 2}}, headers=BOB, status=200
    )
    assert response.json["data"] == obj
    assert response.headers["ETag"] == f'"{obj["last_modified"]}"'
    assert app.get(f"/toadstools/{obj['id']}", headers=BOB).json["data"]["a"] == 1


def test_post_of_a_deleted_id_creates_it_again(app):
    obj = create(app, "/toadstools", {"a": 1})
    app.delete(f"/toadstools/{obj['id']}", headers=BOB)
    response = app.post_json(
        "/toadstools", {"data": {"id": obj["id"], "a": 2}}, headers=BOB, status=201
    )
    assert response.json["data"]["a"] == 2


def test_get_lists_objects_newest_first(app):
    first = create(app, "/toadstools", {"n": 1})
    second = create(app, "/toadstools", {"n": 2})
    response = app.get("/toadstools", headers=BOB)
    assert [o["id"] for o in response.json["data"]] == [second["id"], first["id"]]


def test_get_does_not_send_totals(app):
    create(app, "/toadstools", {"n": 1})
    response = app.get("/toadstools", headers=BOB)
    assert "Total-Objects" not in response.headers
    assert "Total-Records" not in response.headers


def test_head_sends_totals_and_no_body(app):
    for n in range(3):
        create(app, "/toadstools", {"n": n})
    response = app.head("/toadstools?min_n=1&_limit=1", headers=BOB)
    assert response.body == b""
    assert response.headers["Total-Objects"] == "2"
    assert response.headers["Total-Records"] == "2"
    assert "Next-Page" not in response.headers
    assert response.headers["ETag"] == app.get("/toadstools", headers=BOB).headers["ETag"]


def test_head_counts_ignore_tombstones(app):
    obj = create(app, "/toadstools", {"n": 1})
    create(app, "/toadstools", {"n": 2})
    app.delete(f"/toadstools/{obj['id']}", headers=BOB)
    response = app.head("/toadstools?_since=0", headers=BOB)
    assert response.headers["Total-Objects"] == "1"


def test_plural_delete_returns_tombstones(app):
    a = create(app, "/toadstools", {"n": 1})
    b = create(app, "/toadstools", {"n": 2})
    response = app.delete("/toadstools", headers=BOB)
    tombstones = response.json["data"]
    assert {t["id"] for t in tombstones} == {a["id"], b["id"]}
    assert all(
        t["deleted"] is True and set(t) == {"id", "last_modified", "deleted"} for t in tombstones
    )
    assert response.headers["ETag"] == f'"{max(t["last_modified"] for t in tombstones)}"'
    assert app.get("/toadstools", headers=BOB).json["data"] == []


def test_plural_delete_honours_filters(app):
    create(app, "/toadstools", {"n": 1})
    keep = create(app, "/toadstools", {"n": 2})
    response = app.delete("/toadstools?n=1", headers=BOB)
    assert len(response.json["data"]) == 1
    assert [o["id"] for o in app.get("/toadstools", headers=BOB).json["data"]] == [keep["id"]]


def test_plural_delete_of_nothing_answers_the_collection_timestamp(app):
    create(app, "/toadstools", {"n": 1})
    etag = app.get("/toadstools", headers=BOB).headers["ETag"]
    response = app.delete("/toadstools?n=42", headers=BOB)
    assert response.json == {"data": []}
    assert response.headers["ETag"] == etag


def test_plural_delete_deletes_at_most_a_page(app):
    for n in range(5):
        create(app, "/toadstools", {"n": n})
    response = app.delete("/toadstools?_limit=2", headers=BOB)
    assert len(response.json["data"]) == 2
    assert "Next-Page" in response.headers
    assert len(app.get("/toadstools", headers=BOB).json["data"]) == 3


# Object endpoints ---------------------------------------------------------------


def test_get_unknown_object_is_a_404_with_details(app):
    object_id = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    response = app.get(f"/toadstools/{object_id}", headers=BOB, status=404)
    assert_formatted_error(response, 404, 110, "Not Found")
    assert response.json["details"] == {"id": object_id, "resource_name": "toadstool"}
    assert "message" not in response.json


def test_get_deleted_object_is_a_404(app):
    obj = create(app, "/toadstools", {"n": 1})
    app.delete(f"/toadstools/{obj['id']}", headers=BOB)
    app.get(f"/toadstools/{obj['id']}", headers=BOB, status=404)


def test_head_on_an_object(app):
    obj = create(app, "/toadstools", {"n": 1})
    response = app.head(f"/toadstools/{obj['id']}", headers=BOB)
    assert response.body == b""
    assert response.headers["ETag"] == f'"{obj["last_modified"]}"'


def test_put_creates_with_201(app):
    object_id = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    response = app.put_json(f"/toadstools/{object_id}", {"data": {"a": 1}}, headers=BOB)
    assert response.status_code == 201
    assert response.json["data"]["id"] == object_id
    assert response.json["data"]["a"] == 1


def test_put_replaces_with_200(app):
    obj = create(app, "/toadstools", {"a": 1, "b": 2})
    response = app.put_json(f"/toadstools/{obj['id']}", {"data": {"c": 3}}, headers=BOB)
    assert response.status_code == 200
    data = response.json["data"]
    assert data["c"] == 3
    assert "a" not in data and "b" not in data
    assert data["last_modified"] > obj["last_modified"]


def test_put_without_data_creates_an_empty_object(app):
    object_id = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    response = app.put_json(f"/toadstools/{object_id}", {}, headers=BOB, status=201)
    assert set(response.json["data"]) == {"id", "last_modified"}


def test_put_with_permissions_only_keeps_the_data(app):
    obj = create(app, "/mushrooms", {"a": 1})
    response = app.put_json(
        f"/mushrooms/{obj['id']}", {"permissions": {"read": ["system.Everyone"]}}, headers=BOB
    )
    assert response.json["data"]["a"] == 1
    assert response.json["permissions"]["read"] == ["system.Everyone"]


def test_put_with_another_id_in_the_body_is_refused(app):
    obj = create(app, "/toadstools", {"a": 1})
    other = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    response = app.put_json(
        f"/toadstools/{obj['id']}", {"data": {"id": other}}, headers=BOB, status=400
    )
    assert_formatted_error(response, 400, 107, message="Object id does not match")
    app.get(f"/toadstools/{other}", headers=BOB, status=404)


def test_put_with_the_same_id_in_the_body_is_fine(app):
    obj = create(app, "/toadstools", {"a": 1})
    app.put_json(f"/toadstools/{obj['id']}", {"data": {"id": obj["id"]}}, headers=BOB, status=200)


def test_put_over_a_tombstone_creates_again(app):
    obj = create(app, "/toadstools", {"a": 1})
    deleted = app.delete(f"/toadstools/{obj['id']}", headers=BOB).json["data"]
    response = app.put_json(f"/toadstools/{obj['id']}", {"data": {"a": 2}}, headers=BOB)
    assert response.status_code == 201
    assert response.json["data"]["last_modified"] > deleted["last_modified"]


def test_patch_unknown_object_is_a_404(app):
    object_id = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    response = app.patch_json(
        f"/toadstools/{object_id}", {"data": {"a": 1}}, headers=BOB, status=404
    )
    assert_formatted_error(response, 404, 110)
    app.get(f"/toadstools/{object_id}", headers=BOB, status=404)


def test_patch_needs_data_or_permissions(app):
    obj = create(app, "/toadstools", {"a": 1})
    response = app.patch_json(f"/toadstools/{obj['id']}", {}, headers=BOB, status=400)
    assert_formatted_error(
        response, 400, 107, message="Provide at least one of data or permissions"
    )


def test_patch_answers_the_whole_object(app):
    obj = create(app, "/toadstools", {"a": 1})
    response = app.patch_json(f"/toadstools/{obj['id']}", {"data": {"b": 2}}, headers=BOB)
    assert response.status_code == 200
    assert response.json["data"]["a"] == 1 and response.json["data"]["b"] == 2
    assert response.headers["ETag"] == f'"{response.json["data"]["last_modified"]}"'


def test_delete_answers_the_tombstone(app):
    obj = create(app, "/toadstools", {"a": 1})
    response = app.delete(f"/toadstools/{obj['id']}", headers=BOB)
    tombstone = response.json["data"]
    assert set(response.json) == {"data"}
    assert tombstone == {
        "id": obj["id"],
        "last_modified": tombstone["last_modified"],
        "deleted": True,
    }
    assert tombstone["last_modified"] > obj["last_modified"]
    assert response.headers["ETag"] == f'"{tombstone["last_modified"]}"'


def test_delete_twice_is_a_404(app):
    obj = create(app, "/toadstools", {"a": 1})
    app.delete(f"/toadstools/{obj['id']}", headers=BOB)
    response = app.delete(f"/toadstools/{obj['id']}", headers=BOB, status=404)
    assert_formatted_error(response, 404, 110)


def test_delete_with_a_forced_timestamp(app):
    obj = create(app, "/toadstools", {"a": 1})
    forced = obj["last_modified"] + 1000
    response = app.delete(f"/toadstools/{obj['id']}?last_modified={forced}", headers=BOB)
    assert response.json["data"]["last_modified"] == forced


def test_delete_with_an_older_forced_timestamp_is_bumped(app):
    obj = create(app, "/toadstools", {"a": 1})
    response = app.delete(f"/toadstools/{obj['id']}?last_modified=1", headers=BOB)
    assert response.json["data"]["last_modified"] > obj["last_modified"]


def test_delete_with_a_bad_forced_timestamp_is_a_400(app):
    obj = create(app, "/toadstools", {"a": 1})
    response = app.delete(f"/toadstools/{obj['id']}?last_modified=abc", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107)
    app.get(f"/toadstools/{obj['id']}", headers=BOB, status=200)


def test_plain_resources_refuse_permissions(app):
    response = app.post_json(
        "/toadstools", {"data": {}, "permissions": {"read": ["x"]}}, headers=BOB, status=400
    )
    assert_formatted_error(response, 400, 107, message="permissions")


def test_parent_placeholders_scope_objects(app):
    obj = create(app, "/garden/g1/plants", {"kind": "rose"})
    assert [o["id"] for o in app.get("/garden/g1/plants").json["data"]] == [obj["id"]]
    assert app.get("/garden/g2/plants").json["data"] == []
    app.get(f"/garden/g2/plants/{obj['id']}", status=404)
    app.get(f"/garden/g1/plants/{obj['id']}", status=200)


def test_user_resources_are_private(app):
    note = create(app, "/notes", {"text": "bob's"}, headers=BOB)
    assert app.get("/notes", headers=ALICE).json["data"] == []
    app.get(f"/notes/{note['id']}", headers=ALICE, status=404)
    app.delete(f"/notes/{note['id']}", headers=ALICE, status=404)
    assert app.get("/notes", headers=BOB).json["data"][0]["id"] == note["id"]
