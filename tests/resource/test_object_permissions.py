"""``ShareableResource``: the ``permissions`` envelope and ACLs kept in the permission backend."""

from __future__ import annotations

import pytest

from strato.testing import assert_formatted_error

from .testapp import ALICE, BOB, components, create, make_app

EVERYONE = "system.Everyone"


@pytest.fixture
def app():
    return make_app()


def userid(app, headers):
    return app.get("/", headers=headers).json["user"]["id"]


def acl(app, object_id):
    backend = components(app).permission
    return {
        k: sorted(v) for k, v in backend.get_object_permissions(f"/mushrooms/{object_id}").items()
    }


def test_post_stores_the_acl_and_adds_the_writer(app):
    bob = userid(app, BOB)
    response = app.post_json(
        "/mushrooms", {"data": {"a": 1}, "permissions": {"read": [EVERYONE]}}, headers=BOB
    )
    object_id = response.json["data"]["id"]
    assert response.json["permissions"] == {"read": [EVERYONE], "write": [bob]}
    assert acl(app, object_id) == {"read": [EVERYONE], "write": [bob]}


def test_writer_is_readded_even_when_left_out(app):
    bob = userid(app, BOB)
    response = app.post_json(
        "/mushrooms", {"data": {}, "permissions": {"write": ["alice"]}}, headers=BOB
    )
    assert response.json["permissions"]["write"] == sorted(["alice", bob])


def test_explicit_permissions_off_does_not_add_the_writer():
    app = make_app({"explicit_permissions": "false"})
    response = app.post_json(
        "/mushrooms", {"data": {}, "permissions": {"read": ["alice"]}}, headers=BOB
    )
    object_id = response.json["data"]["id"]
    assert acl(app, object_id) == {"read": ["alice"]}
    # The writer is not an explicit writer: it is not shown the ACL.
    assert response.json["permissions"] == {}


def test_anonymous_writer_is_everyone():
    app = make_app({"mushroom_create_principals": EVERYONE})
    response = app.post_json("/mushrooms", {"data": {}})
    assert response.json["permissions"] == {"write": [EVERYONE]}


def test_get_shows_the_acl_to_writers_only(app):
    obj = app.post_json(
        "/mushrooms", {"data": {}, "permissions": {"read": ["system.Authenticated"]}}, headers=BOB
    ).json["data"]
    as_bob = app.get(f"/mushrooms/{obj['id']}", headers=BOB)
    assert set(as_bob.json["permissions"]) == {"read", "write"}
    as_alice = app.get(f"/mushrooms/{obj['id']}", headers=ALICE)
    assert as_alice.json["permissions"] == {}
    assert as_alice.json["data"] == as_bob.json["data"]


def test_lists_and_deletions_carry_no_permissions(app):
    obj = create(app, "/mushrooms", {"a": 1})
    listed = app.get("/mushrooms", headers=BOB)
    assert set(listed.json) == {"data"}
    assert "__permissions__" not in listed.json["data"][0]
    deleted = app.delete(f"/mushrooms/{obj['id']}", headers=BOB)
    assert set(deleted.json) == {"data"}


def test_put_with_permissions_replaces_the_whole_acl(app):
    bob = userid(app, BOB)
    obj = app.post_json(
        "/mushrooms",
        {"data": {}, "permissions": {"read": ["alice"], "write": ["carol"]}},
        headers=BOB,
    ).json["data"]
    response = app.put_json(
        f"/mushrooms/{obj['id']}",
        {"data": {"b": 1}, "permissions": {"write": ["dave"]}},
        headers=BOB,
    )
    assert response.json["permissions"] == {"write": sorted(["dave", bob])}
    assert acl(app, obj["id"]) == {"write": sorted(["dave", bob])}


def test_put_without_permissions_keeps_the_acl(app):
    bob = userid(app, BOB)
    obj = app.post_json(
        "/mushrooms", {"data": {}, "permissions": {"read": ["alice"]}}, headers=BOB
    ).json["data"]
    app.put_json(f"/mushrooms/{obj['id']}", {"data": {"b": 1}}, headers=BOB)
    assert acl(app, obj["id"]) == {"read": ["alice"], "write": [bob]}


def test_patch_permissions_only(app):
    obj = create(app, "/mushrooms", {"a": 1})
    response = app.patch_json(
        f"/mushrooms/{obj['id']}", {"permissions": {"read": ["alice"]}}, headers=BOB
    )
    assert response.json["data"]["a"] == 1
    assert response.json["permissions"]["read"] == ["alice"]
    assert response.json["data"]["last_modified"] > obj["last_modified"]


def test_patch_readds_the_writer(app):
    bob = userid(app, BOB)
    obj = create(app, "/mushrooms", {"a": 1})
    response = app.patch_json(
        f"/mushrooms/{obj['id']}", {"permissions": {"write": ["alice"]}}, headers=BOB
    )
    assert response.json["permissions"]["write"] == sorted(["alice", bob])


def test_principals_are_deduplicated_and_sorted(app):
    response = app.post_json(
        "/mushrooms", {"data": {}, "permissions": {"read": ["b", "a", "b"]}}, headers=BOB
    )
    assert response.json["permissions"]["read"] == ["a", "b"]


def test_deleting_an_object_deletes_its_acl(app):
    obj = app.post_json(
        "/mushrooms", {"data": {}, "permissions": {"read": ["alice"]}}, headers=BOB
    ).json["data"]
    app.delete(f"/mushrooms/{obj['id']}", headers=BOB)
    assert acl(app, obj["id"]) == {}


def test_plural_delete_deletes_the_acls(app):
    objects = [create(app, "/mushrooms", {"n": n}) for n in range(3)]
    app.delete("/mushrooms", headers=BOB)
    assert all(acl(app, o["id"]) == {} for o in objects)


@pytest.mark.parametrize(
    ("permissions", "message"),
    [
        ({"admin": ["alice"]}, '"admin" is not one of read, write'),
        ({"read": "alice"}, "read"),
        ({"read": [1]}, "read"),
        ({"read": [""]}, "read"),
        ({"read": ["x" * 300]}, "read"),
        (["read"], "permissions"),
        ("read", "permissions"),
    ],
)
def test_invalid_permissions_are_a_400(app, permissions, message):
    response = app.post_json(
        "/mushrooms", {"data": {}, "permissions": permissions}, headers=BOB, status=400
    )
    assert_formatted_error(response, 400, 107, message=message)
    assert app.get("/mushrooms", headers=BOB).json["data"] == []


def test_unknown_permission_message(app):
    response = app.post_json(
        "/mushrooms", {"data": {}, "permissions": {"admin": ["x"]}}, headers=BOB, status=400
    )
    assert response.json["message"] == (
        'permissions.admin in body: "admin" is not one of read, write'
    )


def test_non_writers_cannot_change_the_acl(app):
    obj = app.post_json(
        "/mushrooms", {"data": {}, "permissions": {"read": ["system.Authenticated"]}}, headers=BOB
    ).json["data"]
    app.patch_json(
        f"/mushrooms/{obj['id']}",
        {"permissions": {"write": ["system.Everyone"]}},
        headers=ALICE,
        status=403,
    )
    assert EVERYONE not in acl(app, obj["id"]).get("write", [])
