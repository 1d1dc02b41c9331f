"""Buckets, groups, collections and records at Kinto's paths, and cascading deletes."""

from __future__ import annotations

import pytest
from storage_service.views.buckets import delete_bucket_contents

from strato.components import get_components


@pytest.fixture
def alice(auth):
    return auth("alice")


@pytest.fixture
def filled(app, alice):
    """A bucket with a group, two collections and records."""
    app.put_json("/v1/buckets/blog", {}, headers=alice)
    app.put_json("/v1/buckets/blog/groups/editors", {"data": {"members": []}}, headers=alice)
    for cid in ("posts", "drafts"):
        app.put_json(f"/v1/buckets/blog/collections/{cid}", {}, headers=alice)
        for rid in ("r1", "r2"):
            app.put_json(
                f"/v1/buckets/blog/collections/{cid}/records/{rid}",
                {"data": {"title": rid}, "permissions": {"read": ["system.Everyone"]}},
                headers=alice,
            )
    return app


def test_hello_speaks_kinto_api_1_23(app):
    body = app.get("/v1/").json
    assert body["http_api_version"] == "1.23"
    assert body["url"].endswith("/v1/")
    for capability in ("default_bucket", "accounts", "schema", "permissions_endpoint"):
        assert capability in body["capabilities"]


def test_each_level_has_its_plural_and_object_paths(app, alice):
    assert app.post_json("/v1/buckets", {"data": {"id": "b"}}, headers=alice).status_code == 201
    created = app.post_json("/v1/buckets/b/groups", {"data": {}}, headers=alice).json
    assert created["data"]["members"] == []
    assert len(created["data"]["id"]) == 8
    collection = app.post_json("/v1/buckets/b/collections", {}, headers=alice).json["data"]
    records = f"/v1/buckets/b/collections/{collection['id']}/records"
    record = app.post_json(records, {"data": {"a": 1}}, headers=alice).json["data"]
    assert len(record["id"]) == 36
    assert app.get(f"{records}/{record['id']}", headers=alice).json["data"]["a"] == 1
    assert [r["id"] for r in app.get(records, headers=alice).json["data"]] == [record["id"]]


def test_record_ids_may_be_chosen_by_clients(app, alice):
    app.put_json("/v1/buckets/b", {}, headers=alice)
    app.put_json("/v1/buckets/b/collections/c", {}, headers=alice)
    resp = app.put_json("/v1/buckets/b/collections/c/records/my-note_1", {}, headers=alice)
    assert resp.json["data"]["id"] == "my-note_1"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/buckets/a*b",
        "/v1/buckets/-bad",
        "/v1/buckets/b/collections/x.y",
        "/v1/buckets/b/groups/*",
    ],
)
def test_ids_outside_the_pattern_are_rejected(app, alice, path):
    app.put_json("/v1/buckets/b", {}, headers=alice)
    resp = app.put_json(path, {}, headers=alice, status=400)
    assert resp.json["errno"] == 107
    assert resp.json["message"] == "path: Invalid object id"


def test_parent_ids_outside_the_pattern_are_404(app, alice):
    resp = app.get("/v1/buckets/a*b/collections", headers=alice, status=404)
    assert resp.json["errno"] == 111
    assert resp.json["details"] == {"id": "a*b", "resource_name": "bucket"}
    resp = app.get("/v1/buckets/b/collections/a*/records", headers=alice, status=404)
    assert resp.json["details"] == {"id": "a*", "resource_name": "collection"}


def test_record_in_a_missing_collection_is_404_with_details(app, alice):
    app.put_json("/v1/buckets/b", {}, headers=alice)
    for method, path in (
        ("post_json", "/v1/buckets/b/collections/nope/records"),
        ("put_json", "/v1/buckets/b/collections/nope/records/r1"),
    ):
        resp = getattr(app, method)(path, {"data": {}}, headers=alice, status=404)
        assert resp.json["errno"] == 111
        assert resp.json["details"] == {"id": "nope", "resource_name": "collection"}
    resp = app.get("/v1/buckets/b/collections/nope/records", headers=alice, status=404)
    assert resp.json["errno"] == 111


def test_a_missing_collection_is_not_revealed_to_strangers(app, alice, auth):
    app.put_json("/v1/buckets/b", {}, headers=alice)
    app.post_json(
        "/v1/buckets/b/collections/nope/records", {"data": {}}, headers=auth("eve"), status=403
    )


def test_collections_and_groups_need_an_existing_bucket(make_app, auth):
    app = make_app(collection_create_principals="system.Authenticated")
    resp = app.put_json("/v1/buckets/ghost/collections/c", {}, headers=auth("bob"), status=404)
    assert resp.json["details"] == {"id": "ghost", "resource_name": "bucket"}


def test_anonymous_cannot_create_buckets_authenticated_can(app, alice):
    resp = app.put_json("/v1/buckets/b", {}, status=401)
    assert resp.json["errno"] == 104
    assert app.put_json("/v1/buckets/b", {}, headers=alice).status_code == 201


def test_bucket_creation_principals_come_from_settings(make_app, alice, auth):
    app = make_app(bucket_create_principals="account:admin")
    app.put_json("/v1/buckets/b", {}, headers=alice, status=403)


def test_deleting_a_bucket_deletes_everything_below(filled, alice, basic_userid):
    app = filled
    permission = get_components(app.app.registry).permission
    app.delete("/v1/buckets/blog", headers=alice)
    app.put_json("/v1/buckets/blog", {}, headers=alice)
    assert app.get("/v1/buckets/blog/collections", headers=alice).json["data"] == []
    assert app.get("/v1/buckets/blog/groups", headers=alice).json["data"] == []
    # No tombstone of the old children either.
    since = app.get("/v1/buckets/blog/collections?_since=0", headers=alice).json["data"]
    assert since == []
    app.put_json("/v1/buckets/blog/collections/posts", {}, headers=alice)
    records = app.get("/v1/buckets/blog/collections/posts/records?_since=0", headers=alice)
    assert records.json["data"] == []
    assert permission.get_object_permissions("/buckets/blog/collections/posts/records/r1") == {}
    assert permission.get_object_permissions("/buckets/blog/groups/editors") == {}


def test_deleting_a_bucket_leaves_its_namesakes_alone(filled, alice):
    app = filled
    app.put_json("/v1/buckets/blog2", {}, headers=alice)
    app.put_json("/v1/buckets/blog2/collections/posts", {}, headers=alice)
    app.put_json("/v1/buckets/blog2/collections/posts/records/r1", {}, headers=alice)
    app.delete("/v1/buckets/blog", headers=alice)
    assert len(app.get("/v1/buckets/blog2/collections/posts/records", headers=alice).json["data"])


def test_deleting_buckets_in_bulk_cascades(filled, alice):
    app = filled
    app.delete("/v1/buckets", headers=alice)
    app.put_json("/v1/buckets/blog", {}, headers=alice)
    assert app.get("/v1/buckets/blog/collections", headers=alice).json["data"] == []


def test_cascade_uses_a_bounded_number_of_backend_calls(filled):
    """Whatever the bucket holds, the cascade never iterates over its objects."""
    calls: list[str] = []
    components = get_components(filled.app.registry)

    class Recorder:
        def __init__(self, backend):
            self.backend = backend

        def __getattr__(self, name):
            calls.append(name)
            return getattr(self.backend, name)

    storage, permission = components.storage, components.permission
    components.storage, components.permission = Recorder(storage), Recorder(permission)
    try:

        class Request:
            registry = filled.app.registry

        delete_bucket_contents(Request(), "blog")
    finally:
        components.storage, components.permission = storage, permission
    listing = [c for c in calls if c in ("list_all", "get", "get_all")]
    assert listing == []
    storage_calls = [c for c in calls if c in ("delete_all", "purge_deleted")]
    assert len(storage_calls) == 5


def test_deleting_a_collection_deletes_its_records(filled, alice):
    app = filled
    app.delete("/v1/buckets/blog/collections/posts", headers=alice)
    app.put_json("/v1/buckets/blog/collections/posts", {}, headers=alice)
    assert (
        app.get("/v1/buckets/blog/collections/posts/records?_since=0", headers=alice).json["data"]
        == []
    )
    # The other collection is untouched.
    drafts = app.get("/v1/buckets/blog/collections/drafts/records", headers=alice).json["data"]
    assert len(drafts) == 2
    permission = get_components(app.app.registry).permission
    assert permission.get_object_permissions("/buckets/blog/collections/posts/records/r1") == {}
    assert permission.get_object_permissions("/buckets/blog/collections/drafts/records/r1")


def test_deleted_objects_leave_tombstones_for_sync(filled, alice):
    app = filled
    etag = app.get("/v1/buckets/blog/collections/posts/records", headers=alice).headers["ETag"]
    app.delete("/v1/buckets/blog/collections/posts/records/r1", headers=alice)
    changes = app.get(
        f"/v1/buckets/blog/collections/posts/records?_since={etag.strip(chr(34))}", headers=alice
    ).json["data"]
    assert changes == [{"id": "r1", "last_modified": changes[0]["last_modified"], "deleted": True}]


def test_batch_creates_a_whole_tree(app, alice):
    body = {
        "defaults": {"headers": alice},
        "requests": [
            {"method": "PUT", "path": "/buckets/b"},
            {"method": "PUT", "path": "/buckets/b/collections/c"},
            {"method": "POST", "path": "/buckets/b/collections/c/records", "body": {"data": {}}},
            {"method": "POST", "path": "/buckets/b/collections/z/records", "body": {"data": {}}},
        ],
    }
    responses = app.post_json("/v1/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [201, 201, 201, 404]
    assert responses[3]["body"]["errno"] == 111


def test_a_batch_sees_a_collection_deleted_earlier_in_it(app, alice):
    app.put_json("/v1/buckets/b", {}, headers=alice)
    app.put_json("/v1/buckets/b/collections/c", {}, headers=alice)
    path = "/buckets/b/collections/c/records"
    body = {
        "defaults": {"headers": alice},
        "requests": [
            {"method": "POST", "path": path, "body": {"data": {}}},
            {"method": "DELETE", "path": "/buckets/b/collections/c"},
            {"method": "POST", "path": path, "body": {"data": {}}},
        ],
    }
    responses = app.post_json("/v1/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [201, 200, 404]
