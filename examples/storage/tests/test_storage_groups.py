"""Groups: their members hold the group's URI as a principal."""

from __future__ import annotations

import pytest

from strato.components import get_components

GROUP_URI = "/buckets/b/groups/friends"


@pytest.fixture
def owner(auth):
    return auth("owner")


@pytest.fixture
def bucket(app, owner):
    app.put_json("/v1/buckets/b", {}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {}, headers=owner)
    app.patch_json(
        "/v1/buckets/b/collections/c", {"permissions": {"read": [GROUP_URI]}}, headers=owner
    )
    return app


def principals(app, userid):
    return get_components(app.app.registry).permission.get_user_principals(userid)


def test_members_get_the_group_principal(bucket, owner, auth, basic_userid):
    bob = basic_userid("bob")
    bucket.put_json(f"/v1{GROUP_URI}", {"data": {"members": [bob]}}, headers=owner)
    assert GROUP_URI in principals(bucket, bob)
    assert GROUP_URI in bucket.get("/v1/", headers=auth("bob")).json["user"]["principals"]
    bucket.get("/v1/buckets/b/collections/c", headers=auth("bob"))


def test_members_removed_by_an_update_lose_it(bucket, owner, auth, basic_userid):
    bob, carol = basic_userid("bob"), basic_userid("carol")
    bucket.put_json(f"/v1{GROUP_URI}", {"data": {"members": [bob, carol]}}, headers=owner)
    bucket.patch_json(f"/v1{GROUP_URI}", {"data": {"members": [carol]}}, headers=owner)
    assert GROUP_URI not in principals(bucket, bob)
    assert GROUP_URI in principals(bucket, carol)
    bucket.get("/v1/buckets/b/collections/c", headers=auth("bob"), status=403)


def test_a_deleted_group_is_a_principal_nowhere(bucket, owner, basic_userid):
    bob = basic_userid("bob")
    bucket.put_json(f"/v1{GROUP_URI}", {"data": {"members": [bob]}}, headers=owner)
    bucket.delete(f"/v1{GROUP_URI}", headers=owner)
    assert GROUP_URI not in principals(bucket, bob)
    permission = get_components(bucket.app.registry).permission
    assert permission.get_object_permissions("/buckets/b/collections/c").get("read") is None


def test_group_grants_elsewhere_do_not_survive_their_bucket(bucket, owner, auth, basic_userid):
    """Recreating a deleted bucket and group must not revive old grants."""
    bob = basic_userid("bob")
    bucket.put_json("/v1/buckets/other", {}, headers=owner)
    bucket.patch_json("/v1/buckets/other", {"permissions": {"read": [GROUP_URI]}}, headers=owner)
    bucket.put_json(f"/v1{GROUP_URI}", {"data": {"members": [bob]}}, headers=owner)
    bucket.delete("/v1/buckets/b", headers=owner)
    assert GROUP_URI not in principals(bucket, bob)
    mallory = auth("mallory")
    bucket.put_json("/v1/buckets/b", {}, headers=mallory)
    bucket.put_json(f"/v1{GROUP_URI}", {"data": {"members": []}}, headers=mallory)
    bucket.get("/v1/buckets/other", headers=mallory, status=403)


def test_authenticated_users_may_all_be_members(bucket, owner, auth):
    bucket.put_json(
        f"/v1{GROUP_URI}", {"data": {"members": ["system.Authenticated"]}}, headers=owner
    )
    bucket.get("/v1/buckets/b/collections/c", headers=auth("anyone"))
    bucket.get("/v1/buckets/b/collections/c", status=401)


@pytest.mark.parametrize("member", ["system.Everyone", "/buckets/b/groups/other", ""])
def test_members_must_be_user_principals(bucket, owner, member):
    resp = bucket.put_json(
        f"/v1{GROUP_URI}", {"data": {"members": ["ok", member]}}, headers=owner, status=400
    )
    assert resp.json["errno"] == 107
    assert resp.json["details"][0]["name"] == "data.members.1"


def test_members_must_be_a_list_of_strings(bucket, owner):
    bucket.put_json(f"/v1{GROUP_URI}", {"data": {"members": "bob"}}, headers=owner, status=400)
    bucket.put_json(f"/v1{GROUP_URI}", {"data": {"members": [1]}}, headers=owner, status=400)


def test_group_members_sync_in_a_batch(bucket, owner, basic_userid):
    bob = basic_userid("bob")
    body = {
        "defaults": {"headers": owner},
        "requests": [
            {"method": "PUT", "path": GROUP_URI, "body": {"data": {"members": [bob]}}},
            {
                "method": "PUT",
                "path": "/buckets/b/groups/g2",
                "body": {"data": {"members": [bob]}},
            },
        ],
    }
    bucket.post_json("/v1/batch", body)
    assert {GROUP_URI, "/buckets/b/groups/g2"} <= principals(bucket, bob)
