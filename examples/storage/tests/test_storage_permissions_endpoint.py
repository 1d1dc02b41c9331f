"""``GET /permissions``: what the caller holds permissions on."""

from __future__ import annotations

import pytest

from strato.components import get_components


@pytest.fixture
def alice(auth):
    return auth("alice")


@pytest.fixture
def shared(app, alice, basic_userid):
    bob = basic_userid("bob")
    app.put_json("/v1/buckets/b1", {"permissions": {"read": [bob]}}, headers=alice)
    app.put_json("/v1/buckets/b1/collections/c1", {}, headers=alice)
    app.put_json(
        "/v1/buckets/b1/collections/c1/records/r1",
        {"permissions": {"write": [bob]}},
        headers=alice,
    )
    app.put_json("/v1/buckets/b1/groups/g1", {}, headers=alice)
    app.put_json("/v1/buckets/b2", {"permissions": {"collection:create": [bob]}}, headers=alice)
    return app


def entries(app, headers, query=""):
    return app.get(f"/v1/permissions{query}", headers=headers).json["data"]


def by_uri(items):
    return {item["uri"]: item for item in items}


def test_capability_and_switch(app, make_app):
    assert "permissions_endpoint" in app.get("/v1/").json["capabilities"]
    off = make_app(experimental_permissions_endpoint="false")
    off.get("/v1/permissions", status=404)
    assert "permissions_endpoint" not in off.get("/v1/").json["capabilities"]


def test_entries_name_the_object_and_its_parents(shared, auth):
    found = by_uri(entries(shared, auth("bob")))
    assert found["/buckets/b1"]["permissions"] == ["read"]
    record = found["/buckets/b1/collections/c1/records/r1"]
    assert record["resource_name"] == "record"
    assert record["permissions"] == ["read", "write"]
    assert (record["bucket_id"], record["collection_id"], record["record_id"]) == (
        "b1",
        "c1",
        "r1",
    )
    assert record["id"] == "r1"
    assert found["/buckets/b2"]["permissions"] == ["collection:create"]
    assert found["/"] == {
        "uri": "/",
        "resource_name": "root",
        "permissions": [
            "account:create",
            "bucket:create",
        ],
    }
    assert "/buckets/b1/groups/g1" not in found


def test_write_implies_the_other_permissions_of_the_object(shared, alice):
    found = by_uri(entries(shared, alice))
    assert found["/buckets/b1"]["permissions"] == [
        "collection:create",
        "group:create",
        "read",
        "write",
    ]
    assert found["/buckets/b1/collections/c1"]["permissions"] == ["read", "record:create", "write"]
    assert found["/buckets/b1/groups/g1"]["resource_name"] == "group"


def test_anonymous_callers_see_what_everyone_may_do(shared, alice):
    # Anyone may sign up (account_create_principals = system.Everyone).
    assert entries(shared, {}) == [
        {"uri": "/", "resource_name": "root", "permissions": ["account:create"]}
    ]
    shared.patch_json(
        "/v1/buckets/b2", {"permissions": {"read": ["system.Everyone"]}}, headers=alice
    )
    assert [e["uri"] for e in entries(shared, {})] == ["/buckets/b2", "/"]


def test_filters_sort_and_pagination(shared, auth):
    bob = auth("bob")
    buckets = entries(shared, bob, "?resource_name=bucket&_sort=id")
    assert [e["id"] for e in buckets] == ["b1", "b2"]
    assert [e["uri"] for e in entries(shared, bob, "?exclude_resource_name=bucket,root")] == [
        "/buckets/b1/collections/c1/records/r1"
    ]
    seen, url = [], "/v1/permissions?_limit=1&_sort=uri"
    while url:
        resp = shared.get(url, headers=bob)
        seen += [e["uri"] for e in resp.json["data"]]
        url = resp.headers.get("Next-Page")
    assert seen == sorted(seen) and len(seen) == 4
    shared.get("/v1/permissions?unknown=1", headers=bob, status=400)
    resp = shared.head("/v1/permissions?resource_name=bucket", headers=bob)
    assert resp.headers["Total-Objects"] == "2"


def test_one_backend_query_per_page(shared, auth):
    permission = get_components(shared.app.registry).permission
    calls = []
    original = permission.get_accessible_objects

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    permission.get_accessible_objects = counting
    try:
        shared.get("/v1/permissions?_limit=2", headers=auth("bob"))
    finally:
        del permission.get_accessible_objects
    assert len(calls) == 1


def test_permissions_granted_by_settings_are_listed(make_app, alice, auth):
    app = make_app(bucket_read_principals="system.Authenticated")
    app.put_json("/v1/buckets/b1", {}, headers=alice)
    app.put_json("/v1/buckets/b2", {}, headers=alice)
    found = by_uri(entries(app, auth("carol")))
    assert found["/buckets/b1"]["permissions"] == ["read"]
    assert "/buckets/b2" in found


def test_collections_granted_by_settings_are_listed(make_app, alice, auth):
    app = make_app(collection_write_principals="system.Authenticated")
    app.put_json("/v1/buckets/b1", {}, headers=alice)
    app.put_json("/v1/buckets/b1/collections/c1", {}, headers=alice)
    found = by_uri(entries(app, auth("carol")))
    assert found["/buckets/b1/collections/c1"]["permissions"] == ["read", "record:create", "write"]


def test_readers_are_set_by_settings(make_app, auth):
    app = make_app(permissions_read_principals="account:admin")
    app.get("/v1/permissions", headers=auth("bob"), status=403)
