"""Who may do what: actor x action matrices, and the ``permissions`` envelope.

Actors: the owner (creator), a reader and a writer (named in the object's
ACL), a group member (the group is a writer), an authenticated stranger
and an anonymous caller. Actions: object GET, PUT, PATCH, DELETE; plural
GET (list), HEAD, DELETE and POST.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import webtest

from strato.testing import assert_formatted_error

from .testapp import headers, make_app, permission_backend, userid

ACTORS = ("owner", "reader", "writer", "member", "stranger", "anonymous")
ACTIONS = ("get", "list", "head", "put", "patch", "delete", "plural_delete", "post")
USERS = {
    "owner": "alice",
    "reader": "rita",
    "writer": "walt",
    "member": "meg",
    "stranger": "sam",
    "anonymous": None,
}
GROUP = "group:editors"


@dataclass
class World:
    app: webtest.TestApp
    shared: str
    private: str
    plural: str
    ids: dict[str, str] = field(default_factory=dict)

    def uri(self, object_id: str) -> str:
        return f"{self.plural}/{object_id}"

    def owner_view(self, object_id: str) -> Any:
        return self.app.get(self.uri(object_id), headers=headers("alice"), expect_errors=True)

    def owner_ids(self) -> set[str]:
        listing = self.app.get(self.plural, headers=headers("alice")).json["data"]
        return {o["id"] for o in listing}


def run(world: World, actor: str, action: str) -> webtest.TestResponse:
    app, user = world.app, USERS[actor]
    h = headers(user)
    target = world.uri(world.shared)
    if action == "get":
        return app.get(target, headers=h, expect_errors=True)
    if action == "list":
        return app.get(world.plural, headers=h, expect_errors=True)
    if action == "head":
        return app.head(world.plural, headers=h, expect_errors=True)
    if action == "put":
        return app.put_json(target, {"data": {"title": "put"}}, headers=h, expect_errors=True)
    if action == "patch":
        body = {"data": {"title": "patched"}}
        return app.patch_json(target, body, headers=h, expect_errors=True)
    if action == "delete":
        return app.delete(target, headers=h, expect_errors=True)
    if action == "plural_delete":
        return app.delete(world.plural, headers=h, expect_errors=True)
    assert action == "post"
    return app.post_json(world.plural, {"data": {"title": "new"}}, headers=h, expect_errors=True)


def assert_refused(response: webtest.TestResponse, status: int) -> None:
    assert_formatted_error(response, status, 104 if status == 401 else 121)


# ShareableResource ---------------------------------------------------------------


@pytest.fixture
def shareable() -> World:
    app = make_app()
    permission_backend(app).add_user_principal(userid("meg"), GROUP)
    permissions = {"read": [userid("rita")], "write": [userid("walt"), GROUP]}
    created = app.post_json(
        "/articles",
        {"data": {"title": "shared"}, "permissions": permissions},
        headers=headers("alice"),
    )
    private = app.post_json("/articles", {"data": {"title": "private"}}, headers=headers("alice"))
    return World(app, created.json["data"]["id"], private.json["data"]["id"], "/articles")


ALL_OK = {a: 200 for a in ACTIONS} | {"post": 201}
SHAREABLE = {
    "owner": ALL_OK,
    "reader": ALL_OK | {"put": 403, "patch": 403, "delete": 403},
    "writer": ALL_OK,
    "member": ALL_OK,
    "stranger": ALL_OK | {"get": 403, "put": 403, "patch": 403, "delete": 403},
    "anonymous": {a: 401 for a in ACTIONS},
}
#: What each actor finds in the list (the owner's unshared object included).
SHAREABLE_VISIBLE = {
    "owner": {"shared", "private"},
    "reader": {"shared"},
    "writer": {"shared"},
    "member": {"shared"},
    "stranger": set(),
}
#: What each actor's plural DELETE removes.
SHAREABLE_DELETABLE = {
    "owner": {"shared", "private"},
    "reader": set(),
    "writer": {"shared"},
    "member": {"shared"},
    "stranger": set(),
}
WRITERS = ("owner", "writer", "member")


@pytest.mark.parametrize(
    ("actor", "action", "status"),
    [(actor, action, SHAREABLE[actor][action]) for actor in ACTORS for action in ACTIONS],
)
def test_shareable_matrix(shareable: World, actor: str, action: str, status: int) -> None:
    world = shareable
    names = {world.shared: "shared", world.private: "private"}
    before = world.owner_ids()
    response = run(world, actor, action)
    assert response.status_int == status, response.text

    if status in (401, 403):
        if action != "head":
            assert_refused(response, status)
        # Nothing changed.
        assert world.owner_ids() == before
        assert world.owner_view(world.shared).json["data"]["title"] == "shared"
        return

    if action == "get":
        body = response.json
        assert body["data"]["title"] == "shared"
        if actor in WRITERS:
            assert body["permissions"] == {
                "read": [userid("rita")],
                "write": sorted([userid("alice"), userid("walt"), GROUP]),
            }
        else:
            assert body["permissions"] == {}
    elif action == "list":
        listed = {names[o["id"]] for o in response.json["data"]}
        assert listed == SHAREABLE_VISIBLE[actor]
        assert all("permissions" not in o for o in response.json["data"])
    elif action == "head":
        assert response.body == b""
        assert response.headers["Total-Objects"] == str(len(SHAREABLE_VISIBLE[actor]))
    elif action in ("put", "patch"):
        expected = "put" if action == "put" else "patched"
        assert response.json["data"]["title"] == expected
        assert world.owner_view(world.shared).json["data"]["title"] == expected
        # The ACL is kept, and the writer is (still) a writer.
        writers = response.json["permissions"]["write"]
        assert userid(USERS[actor]) in writers or (actor == "member" and GROUP in writers)
        assert response.json["permissions"]["read"] == [userid("rita")]
    elif action == "delete":
        assert response.json["data"]["deleted"] is True
        assert world.owner_view(world.shared).status_int == 404
    elif action == "plural_delete":
        deleted = {names[o["id"]] for o in response.json["data"]}
        assert deleted == SHAREABLE_DELETABLE[actor]
        remaining = {names[i] for i in world.owner_ids()}
        assert remaining == {"shared", "private"} - deleted
    else:
        assert response.json["permissions"] == {"write": [userid(USERS[actor])]}
        assert response.json["data"]["id"] not in before


# UserResource -----------------------------------------------------------------------


@pytest.fixture
def user_scoped() -> World:
    app = make_app()
    backend = permission_backend(app)
    backend.add_user_principal(userid("meg"), GROUP)
    created = app.post_json("/memos", {"data": {"title": "shared"}}, headers=headers("alice"))
    private = app.post_json("/memos", {"data": {"title": "private"}}, headers=headers("alice"))
    memo = created.json["data"]["id"]
    # ACEs naming the other users on the memo's URI must change nothing:
    # user-scoped objects have no ACL.
    backend.add_principal_to_ace(f"/memos/{memo}", "read", userid("rita"))
    backend.add_principal_to_ace(f"/memos/{memo}", "write", userid("walt"))
    backend.add_principal_to_ace(f"/memos/{memo}", "write", GROUP)
    return World(app, memo, private.json["data"]["id"], "/memos")


OTHERS = ALL_OK | {"get": 404, "put": 201, "patch": 404, "delete": 404}
USER_SCOPED = {
    "owner": ALL_OK,
    "reader": OTHERS,
    "writer": OTHERS,
    "member": OTHERS,
    "stranger": OTHERS,
    "anonymous": {a: 401 for a in ACTIONS},
}


@pytest.mark.parametrize(
    ("actor", "action", "status"),
    [(actor, action, USER_SCOPED[actor][action]) for actor in ACTORS for action in ACTIONS],
)
def test_user_resource_matrix(user_scoped: World, actor: str, action: str, status: int) -> None:
    world = user_scoped
    before = world.owner_ids()
    response = run(world, actor, action)
    assert response.status_int == status, response.text
    owner = actor == "owner"

    if status == 401:
        if action != "head":
            assert_refused(response, 401)
    elif status == 404:
        assert_formatted_error(response, 404, 110)
    elif action == "get":
        assert response.json["data"]["title"] == "shared"
        assert "permissions" not in response.json or response.json["permissions"] == {}
    elif action == "list":
        listed = {o["id"] for o in response.json["data"]}
        assert listed == (before if owner else set())
    elif action == "head":
        assert response.headers["Total-Objects"] == str(len(before) if owner else 0)
    elif action == "put" and not owner:
        # The caller's own object with that id, not the owner's.
        assert response.json["data"]["title"] == "put"
        theirs = world.app.get(world.uri(world.shared), headers=headers(USERS[actor]))
        assert theirs.json["data"]["title"] == "put"
    elif action == "plural_delete":
        deleted = {o["id"] for o in response.json["data"]}
        assert deleted == (before if owner else set())
    elif action == "post":
        assert response.json["data"]["id"] not in before

    if owner:
        return
    # Whatever another caller did, the owner's objects are as they were.
    assert world.owner_ids() == before
    assert world.owner_view(world.shared).json["data"]["title"] == "shared"


# The permissions envelope ------------------------------------------------------------


ALICE, BOB, CAROL, DAVE, EVE = (userid(n) for n in ("alice", "bob", "carol", "dave", "eve"))


@pytest.fixture
def app() -> webtest.TestApp:
    return make_app()


def acl_of(app: webtest.TestApp, object_id: str) -> dict[str, list[str]]:
    response = app.get(f"/articles/{object_id}", headers=headers("alice"))
    return response.json["permissions"]  # type: ignore[no-any-return]


def make_article(app: webtest.TestApp, **permissions: list[str]) -> str:
    body = {"data": {"title": "t"}, "permissions": permissions}
    return str(app.post_json("/articles", body, headers=headers("alice")).json["data"]["id"])


def test_post_sets_the_given_acl_plus_the_writer(app: webtest.TestApp) -> None:
    body = {"data": {}, "permissions": {"read": [BOB]}}
    response = app.post_json("/articles", body, headers=headers("alice"))
    assert response.json["permissions"] == {"read": [BOB], "write": [ALICE]}


def test_unknown_permission_names_are_400(app: webtest.TestApp) -> None:
    body = {"data": {}, "permissions": {"admin": [BOB]}}
    response = app.post_json("/articles", body, headers=headers("alice"), status=400)
    assert_formatted_error(response, 400, 107, message='"admin" is not one of read, write')
    assert response.json["details"][0]["name"] == "permissions.admin"


def test_put_with_permissions_replaces_the_whole_acl(app: webtest.TestApp) -> None:
    article = make_article(app, read=[BOB], write=[CAROL])
    body = {"data": {"title": "x"}, "permissions": {"write": [DAVE]}}
    response = app.put_json(f"/articles/{article}", body, headers=headers("alice"))
    assert response.json["permissions"] == {"write": sorted([ALICE, DAVE])}
    assert acl_of(app, article) == {"write": sorted([ALICE, DAVE])}


def test_put_without_permissions_keeps_the_acl(app: webtest.TestApp) -> None:
    article = make_article(app, read=[BOB], write=[CAROL])
    app.put_json(f"/articles/{article}", {"data": {"title": "x"}}, headers=headers("carol"))
    assert acl_of(app, article) == {"read": [BOB], "write": sorted([ALICE, CAROL])}


def test_put_with_only_permissions_keeps_the_data(app: webtest.TestApp) -> None:
    article = make_article(app)
    body = {"permissions": {"read": [EVE]}}
    response = app.put_json(f"/articles/{article}", body, headers=headers("alice"))
    assert response.json["data"]["title"] == "t"
    assert response.json["permissions"] == {"read": [EVE], "write": [ALICE]}


def test_patch_replaces_only_the_given_aces(app: webtest.TestApp) -> None:
    article = make_article(app, read=[BOB], write=[CAROL])
    body = {"permissions": {"read": [EVE]}}
    app.patch_json(f"/articles/{article}", body, headers=headers("alice"))
    assert acl_of(app, article) == {"read": [EVE], "write": sorted([ALICE, CAROL])}


def test_patch_ignores_null_aces(app: webtest.TestApp) -> None:
    article = make_article(app, read=[BOB])
    app.patch_json(
        f"/articles/{article}", {"permissions": {"read": None}}, headers=headers("alice")
    )
    assert acl_of(app, article)["read"] == [BOB]


def test_merge_patch_null_removes_an_ace(app: webtest.TestApp) -> None:
    article = make_article(app, read=[BOB], write=[CAROL])
    app.patch(
        f"/articles/{article}",
        '{"permissions": {"read": null}}',
        headers={**headers("alice"), "Content-Type": "application/merge-patch+json"},
    )
    assert acl_of(app, article) == {"write": sorted([ALICE, CAROL])}


def test_json_patch_adds_and_removes_principals(app: webtest.TestApp) -> None:
    article = make_article(app, read=[BOB], write=[CAROL])
    operations = [
        {"op": "add", "path": f"/permissions/read/{EVE}"},
        {"op": "remove", "path": f"/permissions/write/{CAROL}"},
    ]
    app.patch_json(
        f"/articles/{article}",
        operations,
        headers={**headers("alice"), "Content-Type": "application/json-patch+json"},
    )
    assert acl_of(app, article) == {"read": sorted([BOB, EVE]), "write": [ALICE]}


def test_the_writer_is_always_re_added(app: webtest.TestApp) -> None:
    article = make_article(app, write=[CAROL])
    body = {"permissions": {"write": [BOB]}}
    response = app.patch_json(f"/articles/{article}", body, headers=headers("carol"))
    assert response.json["permissions"]["write"] == sorted([BOB, CAROL])
    # Alice was dropped by Carol: she may no longer read it.
    app.get(f"/articles/{article}", headers=headers("alice"), status=403)


def test_without_explicit_permissions_the_writer_is_not_added() -> None:
    app = make_app({"explicit_permissions": "false"})
    response = app.post_json("/articles", {"data": {}}, headers=headers("alice"))
    article = response.json["data"]["id"]
    assert response.json["permissions"] == {}
    app.get(f"/articles/{article}", headers=headers("alice"), status=403)
    body = {"data": {}, "permissions": {"write": [ALICE]}}
    kept = app.post_json("/articles", body, headers=headers("alice"))
    assert kept.json["permissions"] == {"write": [ALICE]}


def test_deleting_an_object_deletes_its_acl(app: webtest.TestApp) -> None:
    article = make_article(app, read=[BOB])
    app.delete(f"/articles/{article}", headers=headers("alice"))
    app.put_json(f"/articles/{article}", {"data": {}}, headers=headers("alice"), status=201)
    # Re-created: Bob's old grant is gone.
    app.get(f"/articles/{article}", headers=headers("bob"), status=403)


def test_fields_drop_the_permissions(app: webtest.TestApp) -> None:
    article = make_article(app)
    response = app.get(f"/articles/{article}?_fields=title", headers=headers("alice"))
    assert "permissions" not in response.json


def test_user_resources_refuse_permissions(app: webtest.TestApp) -> None:
    body = {"data": {}, "permissions": {"read": [BOB]}}
    response = app.post_json("/memos", body, headers=headers("alice"), status=400)
    assert_formatted_error(response, 400, 107)
