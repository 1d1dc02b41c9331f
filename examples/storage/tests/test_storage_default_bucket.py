"""``/buckets/default``: a personal bucket per user, created on first use."""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid

import pytest
import requests

from strato.events import ResourceChanged
from strato.storage import UnicityError


def expected_bucket(userid: str, secret: str = "test-secret") -> str:
    digest = hmac.new(secret.encode(), userid.encode(), hashlib.sha256).hexdigest()
    return str(uuid.UUID(digest[:32]))


@pytest.fixture
def alice(auth):
    return auth("alice")


def test_the_bucket_id_derives_from_the_user_id(app, alice, basic_userid):
    bucket_id = expected_bucket(basic_userid("alice"))
    assert app.get("/v1/", headers=alice).json["user"]["bucket"] == bucket_id
    body = app.get("/v1/buckets/default", headers=alice).json
    assert body["data"]["id"] == bucket_id
    assert body["permissions"]["write"] == [basic_userid("alice")]


def test_a_dedicated_secret_may_be_configured(make_app, alice, basic_userid):
    app = make_app(default_bucket_hmac_secret="other")
    bucket_id = app.get("/v1/buckets/default", headers=alice).json["data"]["id"]
    assert bucket_id == expected_bucket(basic_userid("alice"), "other")


def test_anonymous_callers_get_401(app):
    resp = app.get("/v1/buckets/default", status=401)
    assert resp.json["errno"] == 104
    assert "WWW-Authenticate" in resp.headers
    app.get("/v1/buckets/default/collections/tasks/records", status=401)
    assert "bucket" not in app.get("/v1/").json.get("user", {})


def test_collections_are_created_on_first_use(app, alice):
    records = "/v1/buckets/default/collections/tasks/records"
    assert app.get(records, headers=alice).json["data"] == []
    created = app.post_json(records, {"data": {"todo": "x"}}, headers=alice).json["data"]
    assert app.get(f"{records}/{created['id']}", headers=alice).json["data"]["todo"] == "x"
    bucket_id = app.get("/v1/", headers=alice).json["user"]["bucket"]
    real = app.get(f"/v1/buckets/{bucket_id}/collections/tasks/records", headers=alice)
    assert [r["id"] for r in real.json["data"]] == [created["id"]]


def test_implicit_creations_notify_create_events(app, alice):
    seen = []
    app.app.registry.registerHandler(
        lambda event: seen.append((event.payload["resource_name"], event.payload["action"])),
        (ResourceChanged,),
    )
    app.get("/v1/buckets/default/collections/tasks", headers=alice)
    assert ("bucket", "create") in seen
    assert ("collection", "create") in seen
    seen.clear()
    app.get("/v1/buckets/default/collections/tasks", headers=alice)
    assert seen == []


def test_put_on_the_bucket_or_collection_creates_it_once(app, alice):
    resp = app.put_json("/v1/buckets/default", {"data": {"id": "default", "x": 1}}, headers=alice)
    assert resp.status_code == 201
    assert resp.json["data"]["x"] == 1
    resp = app.put_json("/v1/buckets/default/collections/c", {"data": {"y": 2}}, headers=alice)
    assert resp.status_code == 201


def test_others_cannot_reach_a_personal_bucket(app, alice, auth):
    bucket_id = app.get("/v1/buckets/default", headers=alice).json["data"]["id"]
    app.get(f"/v1/buckets/{bucket_id}", headers=auth("bob"), status=403)
    assert app.get("/v1/buckets/default", headers=auth("bob")).json["data"]["id"] != bucket_id


def test_querystring_and_pagination_are_forwarded(app, alice):
    records = "/v1/buckets/default/collections/tasks/records"
    for n in range(3):
        app.post_json(records, {"data": {"n": n}}, headers=alice)
    resp = app.get(f"{records}?_sort=n&_limit=2", headers=alice)
    assert [r["n"] for r in resp.json["data"]] == [0, 1]
    assert "_limit=2" in resp.headers["Next-Page"]


def test_default_bucket_in_a_batch(app, alice):
    body = {
        "defaults": {"headers": alice},
        "requests": [
            {
                "method": "POST",
                "path": "/buckets/default/collections/c/records",
                "body": {"data": {}},
            },
            {
                "method": "POST",
                "path": "/buckets/default/collections/c/records",
                "body": {"data": {}},
            },
        ],
    }
    responses = app.post_json("/v1/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [201, 201]
    assert (
        len(app.get("/v1/buckets/default/collections/c/records", headers=alice).json["data"]) == 2
    )


def test_errors_of_the_real_bucket_are_answered(app, alice):
    resp = app.get("/v1/buckets/default/collections/tasks/records/nope", headers=alice, status=404)
    assert resp.json["errno"] == 110
    resp = app.put_json("/v1/buckets/default/collections/a*b", {}, headers=alice, status=400)
    assert resp.json["errno"] == 107


def test_preflight_needs_no_credentials(app):
    resp = app.options(
        "/v1/buckets/default/collections/tasks/records",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert resp.headers["Access-Control-Allow-Origin"]


def test_refused_on_readonly_servers(make_app, alice):
    resp = make_app(readonly="true").get("/v1/buckets/default", headers=alice, status=405)
    assert resp.json["errno"] == 115


def test_concurrent_first_uses_create_the_bucket_once(live_server, auth):
    """Simultaneous first requests race to create the bucket: all must succeed."""
    url = live_server()
    headers = auth("racer")
    statuses: list[int] = []

    def first_use() -> None:
        resp = requests.get(f"{url}/buckets/default/collections/c/records", headers=headers)
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    buckets = requests.get(f"{url}/buckets", headers=headers).json()["data"]
    assert len(buckets) == 1


def test_an_existing_bucket_is_not_recreated(app, alice, basic_userid):
    """Creating what already exists fails with a unicity error, which is ignored."""
    from strato.components import get_components

    storage = get_components(app.app.registry).storage
    bucket_id = expected_bucket(basic_userid("alice"))
    storage.create("bucket", "", {"id": bucket_id, "made": "elsewhere"})
    with pytest.raises(UnicityError):
        storage.create("bucket", "", {"id": bucket_id})
    app.get("/v1/buckets/default/collections/c", headers=alice, status=403)
