"""Timestamps, ETag/Last-Modified and polling for changes (PROTOCOL §5.3, §5.6)."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime

import pytest

from strato.testing import assert_formatted_error

from .testapp import ALICE, BOB, create, make_app


@pytest.fixture
def app():
    return make_app()


def etag(response):
    return int(response.headers["ETag"].strip('"'))


def test_timestamps_are_epoch_milliseconds(app):
    obj = create(app, "/toadstools", {"a": 1})
    assert isinstance(obj["last_modified"], int)
    assert obj["last_modified"] > 1_600_000_000_000


def test_timestamps_strictly_increase_within_a_collection(app):
    stamps = [create(app, "/toadstools", {"n": n})["last_modified"] for n in range(30)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


def test_every_write_moves_the_collection_timestamp(app):
    current = etag(app.get("/toadstools", headers=BOB))
    obj = create(app, "/toadstools", {"n": 1})
    assert obj["last_modified"] > current
    updated = app.patch_json(f"/toadstools/{obj['id']}", {"data": {"n": 2}}, headers=BOB)
    assert etag(app.get("/toadstools", headers=BOB)) == etag(updated)
    deleted = app.delete(f"/toadstools/{obj['id']}", headers=BOB)
    assert etag(app.get("/toadstools", headers=BOB)) == etag(deleted)
    assert etag(deleted) > etag(updated)


def test_empty_collection_has_a_stable_timestamp(app):
    first = etag(app.get("/toadstools", headers=BOB))
    assert etag(app.get("/toadstools", headers=BOB)) == first
    assert etag(app.head("/toadstools", headers=BOB)) == first


def test_collections_have_their_own_timestamps(app):
    create(app, "/notes", {"text": "x"}, headers=BOB)
    alice = etag(app.get("/notes", headers=ALICE))
    create(app, "/notes", {"text": "y"}, headers=BOB)
    assert etag(app.get("/notes", headers=ALICE)) == alice


def test_etag_ignores_filters(app):
    create(app, "/toadstools", {"n": 1})
    create(app, "/toadstools", {"n": 2})
    whole = app.get("/toadstools", headers=BOB).headers["ETag"]
    assert app.get("/toadstools?n=1", headers=BOB).headers["ETag"] == whole
    assert app.get("/toadstools?_limit=1", headers=BOB).headers["ETag"] == whole


def test_object_etag_and_last_modified(app):
    obj = create(app, "/toadstools", {"n": 1})
    response = app.get(f"/toadstools/{obj['id']}", headers=BOB)
    assert response.headers["ETag"] == f'"{obj["last_modified"]}"'
    parsed = parsedate_to_datetime(response.headers["Last-Modified"])
    assert int(parsed.timestamp()) == obj["last_modified"] // 1000


def test_if_modified_since_is_ignored(app):
    obj = create(app, "/toadstools", {"n": 1})
    response = app.get(
        f"/toadstools/{obj['id']}",
        headers={**BOB, "If-Modified-Since": "Sun, 01 Jan 2090 00:00:00 GMT"},
    )
    assert response.status_code == 200


def test_client_timestamp_on_create_is_kept(app):
    current = etag(app.get("/toadstools", headers=BOB))
    obj = create(app, "/toadstools", {"last_modified": current + 1000})
    assert obj["last_modified"] == current + 1000
    assert etag(app.get("/toadstools", headers=BOB)) == current + 1000


def test_client_timestamp_equal_to_the_collection_one_is_bumped(app):
    current = etag(app.get("/toadstools", headers=BOB))
    obj = create(app, "/toadstools", {"last_modified": current})
    assert obj["last_modified"] > current


def test_older_client_timestamp_does_not_move_the_collection(app):
    create(app, "/toadstools", {"n": 1})
    current = etag(app.get("/toadstools", headers=BOB))
    obj = create(app, "/toadstools", {"last_modified": 1000})
    assert obj["last_modified"] == 1000
    assert etag(app.get("/toadstools", headers=BOB)) == current


@pytest.mark.parametrize("value", ["123", 1.5, True, None, -5, 2**64, [1]])
def test_invalid_client_timestamps_are_ignored(app, value):
    obj = create(app, "/toadstools", {"last_modified": value})
    assert isinstance(obj["last_modified"], int)
    assert obj["last_modified"] > 1_600_000_000_000


def test_put_ignores_an_older_client_timestamp(app):
    obj = create(app, "/toadstools", {"n": 1})
    response = app.put_json(
        f"/toadstools/{obj['id']}", {"data": {"last_modified": 1}}, headers=BOB
    )
    assert response.json["data"]["last_modified"] > obj["last_modified"]
    newer = obj["last_modified"] + 5000
    response = app.put_json(
        f"/toadstools/{obj['id']}", {"data": {"last_modified": newer}}, headers=BOB
    )
    assert response.json["data"]["last_modified"] == newer


def test_put_creating_keeps_an_older_client_timestamp(app):
    create(app, "/toadstools", {"n": 1})
    current = etag(app.get("/toadstools", headers=BOB))
    object_id = "2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57"
    response = app.put_json(
        f"/toadstools/{object_id}", {"data": {"last_modified": 1000}}, headers=BOB, status=201
    )
    assert response.json["data"]["last_modified"] == 1000
    assert etag(app.get("/toadstools", headers=BOB)) == current


def test_patch_always_bumps_the_timestamp(app):
    obj = create(app, "/toadstools", {"n": 1})
    response = app.patch_json(f"/toadstools/{obj['id']}", {"data": {"n": 1}}, headers=BOB)
    assert response.json["data"]["last_modified"] > obj["last_modified"]


# Polling -------------------------------------------------------------------------


def test_since_lists_changes_including_tombstones(app):
    before = create(app, "/toadstools", {"n": 0})
    mark = before["last_modified"]
    changed = create(app, "/toadstools", {"n": 1})
    gone = create(app, "/toadstools", {"n": 2})
    app.delete(f"/toadstools/{gone['id']}", headers=BOB)

    response = app.get(f"/toadstools?_since={mark}", headers=BOB)
    listed = {o["id"]: o for o in response.json["data"]}
    assert set(listed) == {changed["id"], gone["id"]}
    assert listed[gone["id"]] == {
        "id": gone["id"],
        "last_modified": listed[gone["id"]]["last_modified"],
        "deleted": True,
    }


def test_since_and_before_are_exclusive(app):
    objects = [create(app, "/toadstools", {"n": n}) for n in range(4)]
    first, second, third, _ = (o["last_modified"] for o in objects)
    response = app.get(f"/toadstools?_since={first}&_before={third}", headers=BOB)
    assert [o["last_modified"] for o in response.json["data"]] == [second]


def test_since_accepts_etag_values(app):
    obj = create(app, "/toadstools", {"n": 0})
    later = create(app, "/toadstools", {"n": 1})
    response = app.get(f'/toadstools?_since="{obj["last_modified"]}"', headers=BOB)
    assert [o["id"] for o in response.json["data"]] == [later["id"]]


def test_null_since_means_not_given(app):
    create(app, "/toadstools", {"n": 0})
    assert len(app.get("/toadstools?_since=null", headers=BOB).json["data"]) == 1


def test_to_is_a_deprecated_before(app):
    objects = [create(app, "/toadstools", {"n": n}) for n in range(2)]
    response = app.get(f"/toadstools?_to={objects[1]['last_modified']}", headers=BOB)
    assert [o["id"] for o in response.json["data"]] == [objects[0]["id"]]
    alert = json.loads(response.headers["Alert"])
    assert alert["code"] == "soft-eol"
    assert "_before" in alert["message"]


def test_since_in_the_far_future_is_a_400(app):
    response = app.get("/toadstools?_since=99999999999999", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="_since")


def test_sync_loop(app):
    """What kinto-http does: poll with the last ETag, follow pages, keep the new ETag."""
    response = app.get("/toadstools", headers=BOB)
    last = response.headers["ETag"]
    app.get(
        f"/toadstools?_since={last.strip(chr(34))}",
        headers={**BOB, "If-None-Match": last},
        status=304,
    )

    created = [create(app, "/toadstools", {"n": n}) for n in range(5)]
    app.delete(f"/toadstools/{created[0]['id']}", headers=BOB)

    url = f"/toadstools?_since={last.strip(chr(34))}&_limit=2"
    changes = []
    while url:
        page = app.get(url.replace("http://localhost", ""), headers={**BOB, "If-None-Match": last})
        changes.extend(page.json["data"])
        url = page.headers.get("Next-Page")
    assert sorted(o["id"] for o in changes) == sorted(o["id"] for o in created)
    assert [o for o in changes if o.get("deleted")] == [
        {
            "id": created[0]["id"],
            "last_modified": max(o["last_modified"] for o in changes),
            "deleted": True,
        }
    ]
    new_etag = page.headers["ETag"]
    assert int(new_etag.strip('"')) == max(o["last_modified"] for o in changes)
    app.get(
        f"/toadstools?_since={new_etag.strip(chr(34))}",
        headers={**BOB, "If-None-Match": new_etag},
        status=304,
    )
