"""Authorization: principals, groupfinder, route factory decisions, inheritance, settings."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
import webtest
from pyramid.authorization import Allow, Authenticated, Everyone
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationConflictError
from pyramid.interfaces import ISecurityPolicy
from zope.interface.verify import verifyObject

from strato.authorization import (
    AuthorizationPolicy,
    SecurityPolicy,
    default_bound_permissions,
    get_bound_permissions,
)
from strato.components import get_components
from strato.permission import PermissionBase
from strato.permission.memory import MemoryPermission
from strato.storage import COMPARISON
from strato.testing import assert_formatted_error, make_webtest
from tests.auth.testapp import (
    headers,
    includeme,
    make_app,
    permission_backend,
    storage_backend,
    userid,
)

ALICE, BOB, CAROL, DAVE = "alice", "bob", "carol", "dave"


@pytest.fixture
def app() -> webtest.TestApp:
    return make_app()


def create(app: webtest.TestApp, path: str, user: str, **body: Any) -> str:
    body.setdefault("data", {})
    return str(app.post_json(path, body, headers=headers(user)).json["data"]["id"])


def share(app: webtest.TestApp, uri: str, user: str, **permissions: list[str]) -> None:
    app.patch_json(uri, {"permissions": permissions}, headers=headers(user))


# The security policy ----------------------------------------------------------------


def test_security_policy_provides_pyramids_interface() -> None:
    policy = SecurityPolicy([], lambda userid, request: [], AuthorizationPolicy())
    assert verifyObject(ISecurityPolicy, policy)


class Checked:
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[Any] = []

    def check_permission(self, principals: list[str], permission: str) -> bool:
        self.asked.append((list(principals), permission))
        return self.answer


class WithAcl:
    __acl__: ClassVar[list[tuple[str, str, str]]] = [(Allow, "group:x", "view")]


@pytest.mark.parametrize(
    ("context", "principals", "permission", "allowed"),
    [
        (None, [Everyone], "private", False),
        (None, [Everyone, Authenticated, "u"], "private", True),
        (Checked(True), [Everyone], "dynamic", True),
        (Checked(False), [Everyone, Authenticated], "dynamic", False),
        (WithAcl(), [Everyone, "group:x"], "view", True),
        (WithAcl(), [Everyone], "view", False),
        (object(), [Everyone, Authenticated], "admin", False),
    ],
)
def test_authorization_policy_permits(
    context: Any, principals: list[str], permission: str, allowed: bool
) -> None:
    assert AuthorizationPolicy().permits(context, principals, permission) is allowed


def test_contexts_are_asked_with_the_principals() -> None:
    context = Checked(True)
    AuthorizationPolicy().permits(context, ["u", Everyone], "dynamic")
    assert context.asked == [(["u", Everyone], "dynamic")]


def test_default_bound_permissions() -> None:
    assert default_bound_permissions("/a/1", "read") == [("/a/1", "read"), ("/a/1", "write")]
    assert default_bound_permissions("/a/1", "write") == [("/a/1", "write")]
    assert default_bound_permissions("", "a:create") == [("", "a:create")]


# Custom services --------------------------------------------------------------------


def test_private_views_need_any_authenticated_user(app: webtest.TestApp) -> None:
    assert_formatted_error(app.get("/private-area", status=401), 401, 104)
    body = app.get("/private-area", headers=headers(ALICE)).json
    assert body == {"user": userid(ALICE)}


def test_a_permission_nothing_grants_is_refused(app: webtest.TestApp) -> None:
    assert_formatted_error(app.get("/admin-area", status=401), 401, 104)
    response = app.get("/admin-area", headers=headers(ALICE), status=403)
    assert_formatted_error(response, 403, 121, "Forbidden", "This user cannot access")


def test_acl_contexts_see_group_principals(app: webtest.TestApp) -> None:
    app.get("/acl-area", headers=headers(ALICE), status=403)
    permission_backend(app).add_user_principal(userid(ALICE), "group:editors")
    assert app.get("/acl-area", headers=headers(ALICE)).json == {"ok": True}


def test_route_factory_on_a_plain_route_asks_the_backend(app: webtest.TestApp) -> None:
    app.get("/reports", headers=headers(ALICE), status=403)
    permission_backend(app).add_principal_to_ace("/reports", "read", userid(ALICE))
    assert app.get("/reports", headers=headers(ALICE)).json == {"ok": True}
    app.get("/reports", headers=headers(BOB), status=403)


# Groups -----------------------------------------------------------------------------


def test_group_principals_grant_what_the_group_holds(app: webtest.TestApp) -> None:
    article = create(app, "/articles", ALICE, permissions={"read": ["group:readers"]})
    app.get(f"/articles/{article}", headers=headers(BOB), status=403)
    permission_backend(app).add_user_principal(userid(BOB), "group:readers")
    app.get(f"/articles/{article}", headers=headers(BOB), status=200)


def test_principals_of_system_authenticated_are_inherited(app: webtest.TestApp) -> None:
    article = create(app, "/articles", ALICE, permissions={"read": ["group:everyone-logged"]})
    permission_backend(app).add_user_principal(Authenticated, "group:everyone-logged")
    principals = app.get("/", headers=headers(BOB)).json["user"]["principals"]
    assert "group:everyone-logged" in principals
    app.get(f"/articles/{article}", headers=headers(BOB), status=200)
    app.get(f"/articles/{article}", status=401)


class CountingPermission(MemoryPermission):
    calls: int = 0

    def get_user_principals(self, user_id: str) -> set[str]:
        self.calls += 1
        return super().get_user_principals(user_id)


def counting_app() -> tuple[webtest.TestApp, CountingPermission]:
    app = make_app()
    backend = CountingPermission()
    get_components(app.app.registry).permission = backend
    return app, backend


def test_groups_are_looked_up_once_per_request() -> None:
    app, backend = counting_app()
    create(app, "/articles", ALICE)
    backend.calls = 0
    app.get("/articles", headers=headers(ALICE))
    assert backend.calls == 1


def test_groups_are_looked_up_once_per_batch() -> None:
    app, backend = counting_app()
    requests = [{"method": "GET", "path": "/articles"} for _ in range(3)]
    responses = app.post_json("/batch", {"requests": requests}, headers=headers(ALICE)).json
    assert [r["status"] for r in responses["responses"]] == [200, 200, 200]
    assert backend.calls == 1


def test_the_groupfinder_is_pluggable(plugin_module: Callable[..., str]) -> None:
    def finder(prefixed_userid: str, request: Any) -> list[str]:
        return [f"role:{prefixed_userid[-4:]}", "role:staff"]

    module = plugin_module("custom_groupfinders", finder=finder)
    app = make_app({"multiauth.groupfinder": f"{module}.finder"})
    principals = app.get("/", headers=headers(ALICE)).json["user"]["principals"]
    assert principals[3:] == [f"role:{userid(ALICE)[-4:]}", "role:staff"]
    article = create(app, "/articles", ALICE, permissions={"read": ["role:staff"]})
    app.get(f"/articles/{article}", headers=headers(BOB), status=200)


# Only the PermissionBase interface is used -------------------------------------------


class InterfaceOnly(PermissionBase):
    """Delegates the abstract methods, records them, exposes nothing else."""

    persistent = False
    transactional = False

    def __init__(self) -> None:
        self._inner = MemoryPermission()
        self.used: set[str] = set()

    def _call(self, name: str, *args: Any, **kw: Any) -> Any:
        self.used.add(name)
        return getattr(self._inner, name)(*args, **kw)

    def flush(self) -> None:
        self._call("flush")

    def add_user_principal(self, user_id: str, principal: str) -> None:
        self._call("add_user_principal", user_id, principal)

    def remove_user_principal(self, user_id: str, principal: str) -> None:
        self._call("remove_user_principal", user_id, principal)

    def remove_principal(self, principal: str) -> None:
        self._call("remove_principal", principal)

    def purge_principal(self, principal: str) -> None:
        self._call("purge_principal", principal)

    def get_user_principals(self, user_id: str) -> set[str]:
        return self._call("get_user_principals", user_id)  # type: ignore[no-any-return]

    def add_principal_to_ace(self, object_id: str, permission: str, principal: str) -> None:
        self._call("add_principal_to_ace", object_id, permission, principal)

    def remove_principal_from_ace(self, object_id: str, permission: str, principal: str) -> None:
        self._call("remove_principal_from_ace", object_id, permission, principal)

    def get_object_permission_principals(self, object_id: str, permission: str) -> set[str]:
        return self._call(  # type: ignore[no-any-return]
            "get_object_permission_principals", object_id, permission
        )

    def get_accessible_objects(
        self,
        principals: Iterable[str],
        bound_permissions: Iterable[tuple[str, str]] | None = None,
        with_children: bool = True,
    ) -> dict[str, set[str]]:
        return self._call(  # type: ignore[no-any-return]
            "get_accessible_objects", principals, bound_permissions, with_children
        )

    def get_authorized_principals(self, bound_permissions: Iterable[tuple[str, str]]) -> set[str]:
        return self._call("get_authorized_principals", bound_permissions)  # type: ignore[no-any-return]

    def get_objects_permissions(
        self, object_ids: Iterable[str], permissions: Iterable[str] | None = None
    ) -> list[dict[str, set[str]]]:
        return self._call(  # type: ignore[no-any-return]
            "get_objects_permissions", object_ids, permissions
        )

    def replace_object_permissions(
        self, object_id: str, permissions: Mapping[str, Iterable[str]]
    ) -> None:
        self._call("replace_object_permissions", object_id, permissions)

    def delete_object_permissions(self, *object_ids: str) -> None:
        self._call("delete_object_permissions", *object_ids)


def test_authorization_works_on_any_permission_backend() -> None:
    app = make_app()
    backend = InterfaceOnly()
    get_components(app.app.registry).permission = backend
    backend.add_user_principal(userid(CAROL), "group:c")
    folder = create(app, "/folders", ALICE, permissions={"read": ["group:c"]})
    doc = create(app, f"/folders/{folder}/docs", ALICE)
    shared = create(app, "/articles", ALICE, permissions={"read": [userid(BOB)]})
    create(app, "/articles", ALICE)
    assert [o["id"] for o in app.get("/articles", headers=headers(BOB)).json["data"]] == [shared]
    app.get(f"/folders/{folder}/docs/{doc}", headers=headers(CAROL), status=200)
    doc_uri = f"/folders/{folder}/docs/{doc}"
    app.patch_json(doc_uri, {"data": {}}, headers=headers(CAROL), status=403)
    assert {
        "get_user_principals",
        "get_accessible_objects",
        "get_authorized_principals",
    } <= backend.used


# Settings <resource>_<permission>_principals -------------------------------------------


def test_read_principals_setting_opens_every_object() -> None:
    app = make_app({"article_read_principals": userid(DAVE)})
    article = create(app, "/articles", ALICE)
    app.get(f"/articles/{article}", headers=headers(DAVE), status=200)
    assert len(app.get("/articles", headers=headers(DAVE)).json["data"]) == 1
    app.patch_json(f"/articles/{article}", {"data": {}}, headers=headers(DAVE), status=403)
    app.get(f"/articles/{article}", headers=headers(BOB), status=403)


def test_write_principals_setting_also_grants_read() -> None:
    app = make_app({"article_write_principals": "group:admins, group:other"})
    permission_backend(app).add_user_principal(userid(DAVE), "group:admins")
    article = create(app, "/articles", ALICE)
    app.get(f"/articles/{article}", headers=headers(DAVE), status=200)
    app.patch_json(f"/articles/{article}", {"data": {"title": "t"}}, headers=headers(DAVE))
    app.delete("/articles", headers=headers(DAVE))
    app.get(f"/articles/{article}", headers=headers(ALICE), status=404)


def test_create_principals_setting() -> None:
    app = make_app({"article_create_principals": userid(ALICE)})
    create(app, "/articles", ALICE)
    response = app.post_json("/articles", {"data": {}}, headers=headers(BOB), status=403)
    assert_formatted_error(response, 403, 121)
    assert_formatted_error(app.post_json("/articles", {"data": {}}, status=401), 401, 104)


def test_everyone_may_be_granted_creation() -> None:
    app = make_app({"article_create_principals": "system.Everyone"})
    response = app.post_json("/articles", {"data": {}}, status=201)
    assert response.json["permissions"] == {"write": ["system.Everyone"]}


def test_child_create_principals_setting() -> None:
    app = make_app({"doc_create_principals": "system.Authenticated"})
    folder = create(app, "/folders", ALICE)
    app.post_json(f"/folders/{folder}/docs", {"data": {}}, headers=headers(BOB), status=201)


@pytest.mark.parametrize(
    ("settings", "user", "method", "status"),
    [
        ({}, None, "get", 200),
        ({}, None, "post", 201),
        ({"rule_read_principals": "system.Authenticated"}, None, "get", 401),
        ({"rule_read_principals": "system.Authenticated"}, BOB, "get", 200),
        ({"rule_write_principals": "basicauth:admin"}, BOB, "get", 200),
        ({"rule_write_principals": "basicauth:admin"}, BOB, "delete", 403),
        ({"rule_read_principals": "nobody", "rule_write_principals": "{bob}"}, BOB, "get", 200),
        ({"rule_create_principals": "{alice}"}, BOB, "post", 403),
        ({"rule_create_principals": "{alice}"}, ALICE, "post", 201),
        ({"rule_write_principals": "{alice}"}, BOB, "delete", 403),
        ({"rule_write_principals": "{alice}"}, ALICE, "delete", 200),
    ],
)
def test_plain_resources_follow_the_settings(
    settings: dict[str, str], user: str | None, method: str, status: int
) -> None:
    ids = {"alice": userid(ALICE), "bob": userid(BOB)}
    app = make_app({k: v.format(**ids) for k, v in settings.items()})
    if method == "post":
        app.post_json("/rules", {"data": {}}, headers=headers(user), status=status)
    else:
        getattr(app, method)("/rules", headers=headers(user), status=status)


# 401, 403 and the 404 rule -------------------------------------------------------------


def test_401_and_403_on_an_existing_object(app: webtest.TestApp) -> None:
    article = create(app, "/articles", ALICE)
    assert_formatted_error(app.get(f"/articles/{article}", status=401), 401, 104)
    response = app.get(f"/articles/{article}", headers=headers(BOB), status=403)
    assert_formatted_error(response, 403, 121, "Forbidden")
    assert "WWW-Authenticate" not in response.headers


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_missing_objects_are_404_for_who_may_see_the_list(method: str) -> None:
    app = make_app({"article_create_principals": ""})
    permission_backend(app).add_principal_to_ace("/articles", "read", userid(CAROL))
    missing = "/articles/4b1e8b0e-2c1f-4a8e-9a53-1d1c0f9e3c11"
    patch = {"params": '{"data": {}}', "content_type": "application/json"}
    kwargs = patch if method == "patch" else {}
    response = getattr(app, method)(missing, headers=headers(CAROL), status=404, **kwargs)
    assert_formatted_error(response, 404, 110)
    assert response.json["details"]["id"] == missing.rsplit("/", 1)[1]
    getattr(app, method)(missing, headers=headers(BOB), status=403, **kwargs)
    getattr(app, method)(missing, status=401, **kwargs)


def test_missing_objects_are_404_for_who_may_create(app: webtest.TestApp) -> None:
    missing = "/articles/4b1e8b0e-2c1f-4a8e-9a53-1d1c0f9e3c11"
    assert_formatted_error(app.get(missing, headers=headers(BOB), status=404), 404, 110)
    assert_formatted_error(app.get(missing, status=401), 401, 104)


def test_put_on_a_missing_object_needs_create(app: webtest.TestApp) -> None:
    target = "/articles/4b1e8b0e-2c1f-4a8e-9a53-1d1c0f9e3c11"
    app.put_json(target, {"data": {"title": "a"}}, status=401)
    app.put_json(target, {"data": {"title": "a"}}, headers=headers(BOB), status=201)
    closed = make_app({"article_create_principals": ""})
    closed.put_json(target, {"data": {}}, headers=headers(BOB), status=403)


def test_put_if_none_match_star_needs_create() -> None:
    app = make_app({"article_create_principals": ""})
    permission_backend(app).add_principal_to_ace("", "article:create", userid(DAVE))
    existing = create(app, "/articles", DAVE, permissions={"write": [userid(ALICE)]})
    uri = f"/articles/{existing}"
    safe = {"If-None-Match": "*"}
    # A writer who may not create: 403, not a precondition failure.
    app.put_json(uri, {"data": {}}, headers={**safe, **headers(ALICE)}, status=403)
    app.put_json(uri, {"data": {}}, headers=headers(ALICE), status=200)
    # A creator learns the object exists.
    app.put_json(uri, {"data": {}}, headers={**safe, **headers(DAVE)}, status=412)


def test_post_of_an_existing_id_needs_read_on_it(app: webtest.TestApp) -> None:
    article = create(app, "/articles", ALICE, permissions={"read": [userid(CAROL)]})
    payload = {"data": {"id": article, "title": "other"}}
    assert (
        app.post_json("/articles", payload, headers=headers(CAROL), status=200).json["data"]["id"]
        == article
    )
    app.post_json("/articles", payload, headers=headers(BOB), status=403)
    app.post_json("/articles", payload, status=401)


def test_lists_need_read_sharing_or_create() -> None:
    app = make_app({"article_create_principals": ""})
    permission_backend(app).add_principal_to_ace("", "article:create", userid(ALICE))
    create(app, "/articles", ALICE)
    assert_formatted_error(app.get("/articles", headers=headers(BOB), status=403), 403, 121)
    assert_formatted_error(app.get("/articles", status=401), 401, 104)
    assert len(app.get("/articles", headers=headers(ALICE)).json["data"]) == 1


def test_read_on_the_plural_uri_lists_everything(app: webtest.TestApp) -> None:
    create(app, "/articles", ALICE)
    create(app, "/articles", ALICE)
    permission_backend(app).add_principal_to_ace("/articles", "read", userid(CAROL))
    assert len(app.get("/articles", headers=headers(CAROL)).json["data"]) == 2


def test_permission_denials_are_logged_without_secrets(
    app: webtest.TestApp, caplog: pytest.LogCaptureFixture
) -> None:
    article = create(app, "/articles", ALICE)
    caplog.set_level("INFO", logger="strato.authorization")
    app.get(f"/articles/{article}", headers=headers(BOB), status=403)
    [record] = [r for r in caplog.records if r.name == "strato.authorization"]
    message = record.getMessage()
    assert "permission.denied" in message
    assert userid(BOB) in message
    assert f"/articles/{article}" in message


# Shared lists are filtered in the storage query -----------------------------------------


def test_shared_lists_paginate_and_count_only_shared_objects(app: webtest.TestApp) -> None:
    shared = sorted(
        create(app, "/articles", ALICE, permissions={"read": [userid(BOB)]}) for _ in range(3)
    )
    for _ in range(4):
        create(app, "/articles", ALICE)
    seen: list[str] = []
    url = "/articles?_limit=1&_sort=id"
    while url:
        response = app.get(url, headers=headers(BOB))
        seen += [o["id"] for o in response.json["data"]]
        url = response.headers.get("Next-Page", "")
        assert len(seen) <= 3
    assert seen == shared
    head = app.head("/articles", headers=headers(BOB))
    assert head.headers["Total-Objects"] == "3"


def test_the_shared_ids_filter_reaches_the_storage(app: webtest.TestApp) -> None:
    storage = storage_backend(app)
    shared = create(app, "/articles", ALICE, permissions={"write": [userid(BOB)]})
    create(app, "/articles", ALICE)
    seen: list[Any] = []
    original = storage.list_all

    def recording(*args: Any, **kw: Any) -> Any:
        seen.append(kw.get("filters"))
        return original(*args, **kw)

    storage.list_all = recording
    assert [o["id"] for o in app.get("/articles", headers=headers(BOB)).json["data"]] == [shared]
    first = seen[-1][0]
    assert (first.field, first.operator, list(first.value)) == ("id", COMPARISON.IN, [shared])


def test_writers_see_objects_in_lists_and_delete_them(app: webtest.TestApp) -> None:
    writable = create(app, "/articles", ALICE, permissions={"write": [userid(BOB)]})
    other = create(app, "/articles", ALICE)
    assert [o["id"] for o in app.get("/articles", headers=headers(BOB)).json["data"]] == [writable]
    deleted = app.delete("/articles", headers=headers(BOB)).json["data"]
    assert [o["id"] for o in deleted] == [writable]
    app.get(f"/articles/{other}", headers=headers(ALICE), status=200)


def test_a_star_in_a_parent_id_does_not_widen_sharing(app: webtest.TestApp) -> None:
    folder = create(app, "/folders", ALICE)
    doc = create(app, f"/folders/{folder}/docs", ALICE, permissions={"read": [userid(BOB)]})
    # Bob may read that one doc, but listing a folder named "*" must not
    # find it (the list pattern would otherwise match every folder): no
    # folder can be named "*", so there is nothing there.
    listing = app.get("/folders/*/docs", headers=headers(BOB), status=404)
    assert doc not in listing.text


# Inheritance (bound permissions) -------------------------------------------------------


def test_write_on_a_folder_grants_write_on_its_docs(app: webtest.TestApp) -> None:
    folder = create(app, "/folders", ALICE)
    other_folder = create(app, "/folders", ALICE)
    doc = create(app, f"/folders/{folder}/docs", ALICE)
    elsewhere = create(app, f"/folders/{other_folder}/docs", ALICE)
    doc_uri = f"/folders/{folder}/docs/{doc}"

    app.patch_json(doc_uri, {"data": {"x": 1}}, headers=headers(BOB), status=403)
    share(app, f"/folders/{folder}", ALICE, write=[userid(ALICE), userid(BOB)])

    app.patch_json(doc_uri, {"data": {"x": 1}}, headers=headers(BOB), status=200)
    app.get(doc_uri, headers=headers(BOB), status=200)
    listed = app.get(f"/folders/{folder}/docs", headers=headers(BOB)).json["data"]
    assert [o["id"] for o in listed] == [doc]
    app.post_json(f"/folders/{folder}/docs", {"data": {}}, headers=headers(BOB), status=201)
    app.delete(doc_uri, headers=headers(BOB), status=200)

    other_uri = f"/folders/{other_folder}/docs/{elsewhere}"
    app.patch_json(other_uri, {"data": {}}, headers=headers(BOB), status=403)
    app.post_json(f"/folders/{other_folder}/docs", {"data": {}}, headers=headers(BOB), status=403)


def test_read_on_a_folder_grants_read_only_on_its_docs(app: webtest.TestApp) -> None:
    folder = create(app, "/folders", ALICE, permissions={"read": [userid(CAROL)]})
    doc = create(app, f"/folders/{folder}/docs", ALICE)
    doc_uri = f"/folders/{folder}/docs/{doc}"
    app.get(doc_uri, headers=headers(CAROL), status=200)
    assert len(app.get(f"/folders/{folder}/docs", headers=headers(CAROL)).json["data"]) == 1
    app.patch_json(doc_uri, {"data": {}}, headers=headers(CAROL), status=403)
    app.post_json(f"/folders/{folder}/docs", {"data": {}}, headers=headers(CAROL), status=403)


class AuditorsPolicy(AuthorizationPolicy):
    """Whoever holds ``audit`` on ``/`` reads everything."""

    def get_bound_permissions(self, object_id: str, permission: str) -> list[tuple[str, str]]:
        bound = super().get_bound_permissions(object_id, permission)
        if permission == "read":
            bound.append(("/", "audit"))
        return bound


def test_an_authorization_policy_subclass_supplies_inheritance(
    plugin_module: Callable[..., str],
) -> None:
    module = plugin_module("custom_authz", AuditorsPolicy=AuditorsPolicy)
    settings = {"multiauth.authorization_policy": f"{module}.AuditorsPolicy"}
    app = make_app(settings, inheritance=False)
    article = create(app, "/articles", ALICE)
    app.get(f"/articles/{article}", headers=headers(DAVE), status=403)
    permission_backend(app).add_principal_to_ace("/", "audit", userid(DAVE))
    app.get(f"/articles/{article}", headers=headers(DAVE), status=200)
    assert len(app.get("/articles", headers=headers(DAVE)).json["data"]) == 1
    app.patch_json(f"/articles/{article}", {"data": {}}, headers=headers(DAVE), status=403)


def test_the_directive_wins_over_the_policy_method(plugin_module: Callable[..., str]) -> None:
    module = plugin_module("custom_authz_2", AuditorsPolicy=AuditorsPolicy)
    app = make_app({"multiauth.authorization_policy": f"{module}.AuditorsPolicy"})
    assert get_bound_permissions(app.app.registry, "/folders/f/docs/d", "write") == [
        ("/folders/f/docs/d", "write"),
        ("/folders/f", "write"),
    ]
    without = make_app({"multiauth.authorization_policy": f"{module}.AuditorsPolicy"}, False)
    assert ("/", "audit") in get_bound_permissions(without.app.registry, "/x", "read")


def test_two_bound_permissions_hooks_conflict_at_startup() -> None:
    def first(config: Configurator) -> None:
        config.set_bound_permissions(default_bound_permissions)

    def second(config: Configurator) -> None:
        config.set_bound_permissions(default_bound_permissions)

    def both(config: Configurator) -> None:
        config.include(first)
        config.include(second)

    with pytest.raises(ConfigurationConflictError):
        make_webtest(both, {"multiauth.policies": "basicauth"})


def test_the_hook_may_be_given_by_dotted_name() -> None:
    def wiring(config: Configurator) -> None:
        config.set_bound_permissions("tests.auth.testapp.folder_inheritance")

    app = make_webtest(wiring, {"multiauth.policies": "basicauth"})
    assert get_bound_permissions(app.app.registry, "/folders/f/docs", "read") == [
        ("/folders/f/docs", "read"),
        ("/folders/f/docs", "write"),
        ("/folders/f", "write"),
        ("/folders/f", "read"),
    ]


def test_testapp_includeme_is_reusable() -> None:
    # Building the shared test app twice must not conflict with itself.
    make_webtest(includeme, {"multiauth.policies": "basicauth"})
    make_webtest(includeme, {"multiauth.policies": "basicauth"})


# The documented example works ------------------------------------------------------------


def _docs_block(language: str) -> str:
    page = (Path(__file__).resolve().parent.parent / "docs" / "authorization.rst").read_text()
    section = page.split("A complete example", 1)[1]
    block = section.split(f".. code-block:: {language}\n\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line[4:])
    return textwrap.dedent("\n".join(lines))


def test_the_documented_example_works(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "library_example.py").write_text(_docs_block("python"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "library_example", raising=False)
    module = importlib.import_module("library_example")
    settings = dict(
        line.split(" = ", 1) for line in _docs_block("ini").splitlines() if " = " in line
    )
    app = make_webtest(module.includeme, settings)
    body = {
        "data": {},
        "permissions": {"write": [doc_userid(BOB)], "read": [doc_userid(CAROL)]},
    }
    shelf = app.post_json("/shelves", body, headers=headers(ALICE)).json["data"]["id"]
    books = f"/shelves/{shelf}/books"
    book = app.post_json(books, {"data": {}}, headers=headers(BOB), status=201).json["data"]["id"]
    listed = app.get(books, headers=headers(CAROL)).json["data"]
    assert [b["id"] for b in listed] == [book]
    app.patch_json(f"{books}/{book}", {"data": {}}, headers=headers(CAROL), status=403)
    app.get(f"{books}/{book}", headers=headers("eve"), status=403)


def doc_userid(user: str) -> str:
    from strato.authentication import hmac_digest

    secret = "change me to a long random string"
    return "basicauth:" + hmac_digest(secret, f"{user}:secret")
