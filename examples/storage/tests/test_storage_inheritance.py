"""Permissions accepted by each resource, and how they flow down the hierarchy."""

from __future__ import annotations

import pytest
from storage_service.authorization import bound_permissions

BUCKET = "/v1/buckets/b"
COLLECTION = f"{BUCKET}/collections/c"
RECORD = f"{COLLECTION}/records/r"
GROUP = f"{BUCKET}/groups/g"


@pytest.fixture
def owner(auth):
    return auth("owner")


@pytest.fixture
def bob(auth):
    return auth("bob")


@pytest.fixture
def tree(app, owner):
    app.put_json(BUCKET, {}, headers=owner)
    app.put_json(GROUP, {}, headers=owner)
    app.put_json(COLLECTION, {}, headers=owner)
    app.put_json(RECORD, {"data": {"n": 1}}, headers=owner)
    return app


def grant(app, owner, path, permission, principal):
    app.patch_json(path, {"permissions": {permission: [principal]}}, headers=owner)


@pytest.mark.parametrize(
    ("path", "accepted", "refused"),
    [
        (BUCKET, ("read", "write", "collection:create", "group:create"), "record:create"),
        (COLLECTION, ("read", "write", "record:create"), "group:create"),
        (GROUP, ("read", "write"), "collection:create"),
        (RECORD, ("read", "write"), "record:create"),
    ],
)
def test_each_resource_accepts_its_own_permissions(tree, owner, path, accepted, refused):
    body = {"permissions": {name: ["system.Authenticated"] for name in accepted}}
    granted = tree.patch_json(path, body, headers=owner).json["permissions"]
    assert set(granted) == set(accepted)
    resp = tree.patch_json(path, {"permissions": {refused: ["x"]}}, headers=owner, status=400)
    assert resp.json["errno"] == 107


def test_nobody_else_sees_anything_by_default(tree, bob):
    for path in (BUCKET, COLLECTION, RECORD, GROUP):
        tree.get(path, headers=bob, status=403)
    assert tree.get("/v1/buckets", headers=bob).json["data"] == []
    tree.get(f"{COLLECTION}/records", headers=bob, status=403)


def test_bucket_write_gives_write_on_everything_below(tree, owner, bob, basic_userid):
    grant(tree, owner, BUCKET, "write", basic_userid("bob"))
    for path in (COLLECTION, RECORD, GROUP):
        tree.patch_json(path, {"data": {"by": "bob"}}, headers=bob)
    tree.put_json(f"{BUCKET}/collections/new", {}, headers=bob, status=201)
    tree.delete(RECORD, headers=bob)


def test_bucket_read_gives_read_below_but_not_write(tree, owner, bob, basic_userid):
    grant(tree, owner, BUCKET, "read", basic_userid("bob"))
    for path in (BUCKET, COLLECTION, RECORD, GROUP):
        tree.get(path, headers=bob)
    assert len(tree.get(f"{COLLECTION}/records", headers=bob).json["data"]) == 1
    assert len(tree.get(f"{BUCKET}/collections", headers=bob).json["data"]) == 1
    tree.patch_json(RECORD, {"data": {"n": 2}}, headers=bob, status=403)
    tree.put_json(f"{BUCKET}/collections/new", {}, headers=bob, status=403)


def test_collection_write_gives_write_on_its_records(tree, owner, bob, basic_userid):
    grant(tree, owner, COLLECTION, "write", basic_userid("bob"))
    tree.patch_json(RECORD, {"data": {"n": 2}}, headers=bob)
    tree.post_json(f"{COLLECTION}/records", {"data": {}}, headers=bob, status=201)
    tree.get(BUCKET, headers=bob, status=403)
    tree.get(GROUP, headers=bob, status=403)


def test_collection_read_gives_read_on_its_records(tree, owner, bob, basic_userid):
    grant(tree, owner, COLLECTION, "read", basic_userid("bob"))
    assert tree.get(RECORD, headers=bob).json["data"]["n"] == 1
    tree.patch_json(RECORD, {"data": {"n": 2}}, headers=bob, status=403)


def test_record_create_lets_create_and_list_own_records(tree, owner, bob, basic_userid):
    grant(tree, owner, COLLECTION, "record:create", basic_userid("bob"))
    mine = tree.post_json(f"{COLLECTION}/records", {"data": {}}, headers=bob).json["data"]
    listed = tree.get(f"{COLLECTION}/records", headers=bob).json["data"]
    assert [r["id"] for r in listed] == [mine["id"]]
    # Creators may read the collection's attributes, not change them.
    tree.get(COLLECTION, headers=bob)
    tree.patch_json(COLLECTION, {"data": {"x": 1}}, headers=bob, status=403)
    tree.get(RECORD, headers=bob, status=403)


def test_collection_create_lets_read_the_bucket_and_list_own(tree, owner, bob, basic_userid):
    grant(tree, owner, BUCKET, "collection:create", basic_userid("bob"))
    tree.get(BUCKET, headers=bob)
    assert [b["id"] for b in tree.get("/v1/buckets", headers=bob).json["data"]] == ["b"]
    assert tree.get(f"{BUCKET}/collections", headers=bob).json["data"] == []
    tree.put_json(f"{BUCKET}/collections/bobs", {}, headers=bob, status=201)
    listed = tree.get(f"{BUCKET}/collections", headers=bob).json["data"]
    assert [c["id"] for c in listed] == ["bobs"]
    tree.put_json(f"{BUCKET}/groups/bobs", {}, headers=bob, status=403)


def test_group_create_lets_create_groups(tree, owner, bob, basic_userid):
    grant(tree, owner, BUCKET, "group:create", basic_userid("bob"))
    tree.put_json(f"{BUCKET}/groups/bobs", {}, headers=bob, status=201)
    tree.put_json(f"{BUCKET}/collections/bobs", {}, headers=bob, status=403)


def test_shared_records_are_listed_alone(tree, owner, bob, basic_userid):
    tree.put_json(f"{COLLECTION}/records/other", {}, headers=owner)
    grant(tree, owner, RECORD, "read", basic_userid("bob"))
    listed = tree.get(f"{COLLECTION}/records", headers=bob).json["data"]
    assert [r["id"] for r in listed] == ["r"]


def test_everyone_read_on_a_bucket_opens_it_to_anonymous(tree, owner):
    grant(tree, owner, BUCKET, "read", "system.Everyone")
    assert tree.get(f"{COLLECTION}/records").json["data"][0]["id"] == "r"
    tree.patch_json(RECORD, {"data": {}}, status=401)


def test_bound_permissions_of_a_record():
    uri = "/buckets/b/collections/c/records/r"
    assert set(bound_permissions(uri, "write")) == {
        (uri, "write"),
        ("/buckets/b/collections/c", "write"),
        ("/buckets/b", "write"),
    }
    assert ("/buckets/b", "read") in bound_permissions(uri, "read")
    assert ("/buckets/b/collections/c", "record:create") not in bound_permissions(uri, "read")


def test_bound_permissions_of_lists_and_creations():
    assert set(bound_permissions("/buckets/b/collections", "read")) == {
        ("/buckets/b", "read"),
        ("/buckets/b", "write"),
    }
    assert set(bound_permissions("/buckets/b/collections/c", "record:create")) == {
        ("/buckets/b/collections/c", "record:create"),
        ("/buckets/b/collections/c", "write"),
        ("/buckets/b", "write"),
    }
    assert ("/buckets/b", "group:create") in bound_permissions("/buckets/b", "read")
    patterns = bound_permissions("/buckets/*", "read")
    assert ("/buckets/*", "collection:create") in patterns


def test_bound_permissions_of_other_uris_are_the_defaults():
    assert bound_permissions("", "bucket:create") == [("", "bucket:create")]
    assert bound_permissions("/buckets", "read") == [("/buckets", "read"), ("/buckets", "write")]
    assert bound_permissions("/elsewhere/x", "write") == [("/elsewhere/x", "write")]
