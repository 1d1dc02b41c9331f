"""``Resource.hidden_fields``: stored fields that never leave in a response body.

``/lockers`` hides ``secret`` and ``pin``; everything else is ordinary.
"""

from __future__ import annotations

import json

import pytest

from strato.events import ResourceChanged
from strato.testing import assert_formatted_error, make_webtest

from .testapp import ALICE, BASE_SETTINGS, BOB, components, create, includeme, make_app

SECRET = "s3cr3t-value"
HIDDEN = ("secret", "pin")


@pytest.fixture
def app():
    return make_app()


@pytest.fixture
def locker(app):
    return create(app, "/lockers", {"label": "mine", "secret": SECRET, "pin": 1234})


def assert_nothing_hidden(body):
    text = json.dumps(body)
    assert SECRET not in text
    assert "1234" not in text
    for field in HIDDEN:
        assert f'"{field}"' not in text


def stored(app, locker_id):
    storage = components(app).storage
    return storage.get("locker", "", locker_id)


def test_creation_answer_hides_the_fields_but_stores_them(app, locker):
    assert set(locker) == {"id", "last_modified", "label"}
    kept = stored(app, locker["id"])
    assert kept["secret"] == SECRET and kept["pin"] == 1234


def test_posting_an_existing_id_hides_the_fields(app, locker):
    response = app.post_json("/lockers", {"data": {"id": locker["id"]}}, headers=BOB, status=200)
    assert response.json["data"] == locker


def test_single_object_hides_the_fields(app, locker):
    response = app.get(f"/lockers/{locker['id']}", headers=BOB)
    assert response.json["data"] == locker
    assert "permissions" in response.json
    assert_nothing_hidden(response.json)


def test_list_hides_the_fields(app, locker):
    create(app, "/lockers", {"label": "other", "secret": SECRET})
    response = app.get("/lockers", headers=BOB)
    assert len(response.json["data"]) == 2
    assert_nothing_hidden(response.json)


def test_partial_responses_cannot_ask_for_them(app, locker):
    for fields in ("secret", "label,pin", "secret.inner"):
        for url in ("/lockers", f"/lockers/{locker['id']}"):
            response = app.get(url, params={"_fields": fields}, headers=BOB, status=400)
            assert_formatted_error(response, 400, 107)
    partial = app.get(f"/lockers/{locker['id']}?_fields=label", headers=BOB).json["data"]
    assert partial == locker


@pytest.mark.parametrize(
    "query",
    ["secret=s3cr3t-value", "like_secret=s3*", "has_pin=true", "gt_pin=0", "secret.x=1"],
)
def test_they_cannot_be_filtered_on(app, locker, query):
    response = app.get(f"/lockers?{query}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107)
    assert response.json["details"][0]["location"] == "querystring"


@pytest.mark.parametrize("sort", ["secret", "-pin", "label,secret"])
def test_they_cannot_be_sorted_on(app, locker, sort):
    response = app.get(f"/lockers?_sort={sort}", headers=BOB, status=400)
    assert_formatted_error(response, 400, 107)


@pytest.mark.parametrize("method", ["put_json", "patch_json"])
def test_write_answers_hide_the_fields(app, locker, method):
    url = f"/lockers/{locker['id']}"
    body = {"data": {"label": "changed", "secret": "new-" + SECRET}}
    response = getattr(app, method)(url, body, headers=BOB)
    assert response.json["data"]["label"] == "changed"
    assert_nothing_hidden(response.json)
    assert stored(app, locker["id"])["secret"] == "new-" + SECRET


@pytest.mark.parametrize("behavior", ["full", "light", "diff"])
def test_patch_response_behaviors_hide_the_fields(app, locker, behavior):
    response = app.patch_json(
        f"/lockers/{locker['id']}",
        {"data": {"secret": "other", "pin": 1, "label": "x"}},
        headers={**BOB, "Response-Behavior": behavior},
    )
    assert "secret" not in response.json["data"]
    assert "pin" not in response.json["data"]


def test_a_patch_keeps_hidden_fields_it_does_not_send(app, locker):
    app.patch_json(f"/lockers/{locker['id']}", {"data": {"label": "x"}}, headers=BOB)
    assert stored(app, locker["id"])["secret"] == SECRET


def test_creating_with_put_hides_the_fields(app):
    response = app.put_json(
        "/lockers/8d6e4f3c-2b1a-4c5d-9e8f-7a6b5c4d3e2f",
        {"data": {"secret": SECRET}},
        headers=BOB,
        status=201,
    )
    assert_nothing_hidden(response.json)


def test_deletions_answer_no_hidden_field(app, locker):
    single = app.delete(f"/lockers/{locker['id']}", headers=BOB).json
    assert_nothing_hidden(single)
    create(app, "/lockers", {"secret": SECRET})
    plural = app.delete("/lockers", headers=BOB).json
    assert len(plural["data"]) == 1
    assert_nothing_hidden(plural)


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("put_json", {"params": {"data": {"label": "x"}}}),
        ("patch_json", {"params": {"data": {"label": "x"}}}),
        ("delete", {}),
    ],
)
def test_412_details_hide_the_fields(app, locker, method, kwargs):
    url = f"/lockers/{locker['id']}"
    headers = {**BOB, "If-Match": '"1"'}
    response = getattr(app, method)(url, headers=headers, status=412, **kwargs)
    assert_formatted_error(response, 412, 114)
    assert response.json["details"]["existing"] == locker
    assert_nothing_hidden(response.json)


def test_412_of_an_existing_post_hides_the_fields(app, locker):
    response = app.post_json(
        "/lockers",
        {"data": {"id": locker["id"]}},
        headers={**BOB, "If-None-Match": "*"},
        status=412,
    )
    assert response.json["details"]["existing"] == locker


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "copy", "from": "/data/secret", "path": "/data/label"},
        {"op": "move", "from": "/data/pin", "path": "/data/label"},
        {"op": "copy", "from": "/data", "path": "/data/label"},
        {"op": "copy", "from": "", "path": "/data/label"},
        {"op": "test", "path": "/data/secret", "value": SECRET},
        {"op": "test", "path": "/data/secret/0", "value": "s"},
        {"op": "test", "path": "/data", "value": {}},
    ],
)
def test_json_patch_cannot_read_them(app, locker, operation):
    response = app.patch(
        f"/lockers/{locker['id']}",
        json.dumps([operation]),
        headers={**BOB, "Content-Type": "application/json-patch+json"},
        status=400,
    )
    assert_formatted_error(response, 400, 107)
    assert stored(app, locker["id"])["label"] == "mine"


def test_json_patch_may_write_them(app, locker):
    operations = [
        {"op": "replace", "path": "/data/secret", "value": "fresh"},
        {"op": "remove", "path": "/data/pin"},
        {"op": "copy", "from": "/data/label", "path": "/data/copy"},
        {"op": "test", "path": "/data/label", "value": "mine"},
    ]
    response = app.patch(
        f"/lockers/{locker['id']}",
        json.dumps(operations),
        headers={**BOB, "Content-Type": "application/json-patch+json"},
    )
    assert response.json["data"]["copy"] == "mine"
    assert_nothing_hidden(response.json)
    kept = stored(app, locker["id"])
    assert kept["secret"] == "fresh" and "pin" not in kept


def test_batch_answers_hide_the_fields(app, locker):
    response = app.post_json(
        "/batch",
        {
            "defaults": {"headers": BOB},
            "requests": [
                {"path": "/v0/lockers"},
                {"path": f"/v0/lockers/{locker['id']}"},
            ],
        },
        headers=BOB,
    )
    assert [r["status"] for r in response.json["responses"]] == [200, 200]
    assert_nothing_hidden(response.json)


def test_events_keep_the_hidden_fields():
    seen = []

    def wiring(config):
        includeme(config)
        config.add_subscriber(seen.append, ResourceChanged)

    app = make_webtest(wiring, BASE_SETTINGS, version="0.1.0")
    locker = create(app, "/lockers", {"secret": SECRET})
    assert seen[-1].impacted_objects[0]["new"]["secret"] == SECRET
    app.delete(f"/lockers/{locker['id']}", headers=BOB)
    assert seen[-1].impacted_objects[0]["old"]["secret"] == SECRET


def test_other_resources_are_unaffected(app):
    obj = create(app, "/toadstools", {"secret": SECRET, "pin": 1})
    assert obj["secret"] == SECRET
    assert app.get("/toadstools?secret=s3cr3t-value", headers=ALICE).json["data"] == [obj]
