"""The ``Resource`` classes and their hooks (PROTOCOL §4.2, §4.5)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from strato import events, resource
from strato.authorization import RouteFactory
from strato.resource.viewset import register_resource
from strato.storage.generators import Generator
from strato.testing import assert_formatted_error, make_webtest

from .testapp import ALICE, BASE_SETTINGS, BOB, components, create, make_app, storage_state

SEEN: list[tuple[dict[str, Any], dict[str, Any] | None]] = []


class Stamped(resource.Resource):
    """Records what ``process_object`` receives, and stamps the writer."""

    def process_object(self, new, old=None):
        SEEN.append((dict(new), dict(old) if old else None))
        new["writer"] = self.request.prefixed_userid
        new["version"] = (old or {}).get("version", 0) + 1
        return new


class ByTeam(resource.Resource):
    """Objects grouped by the ``X-Team`` header."""

    def get_parent_id(self, request):
        return "team:" + request.headers.get("X-Team", "none")


class Picky(resource.Resource):
    """Schemaless, but only ``color`` may be queried."""

    def is_known_field(self, field):
        return field.split(".")[0] in {"id", "last_modified", "color"}


class Shared(RouteFactory):
    """A route factory sharing only some objects with everyone."""

    visible: ClassVar[list[str]] = ["shared-a", "shared-b"]

    def check_permission(self, principals, permission="dynamic"):
        if self.on_plural_endpoint and self.request.method in ("GET", "HEAD", "DELETE"):
            self.shared_ids = list(self.visible)
        return True


class Limited(resource.Resource):
    pass


class EvenGenerator(Generator):
    """Ids made of an even number of digits."""

    regexp = r"^([0-9]{2})+$"
    counter = 10

    def __call__(self):
        EvenGenerator.counter += 1
        return str(EvenGenerator.counter)


class Feed(resource.ShareableResource):
    """Shareable, with no object endpoint."""


def includeme(config):
    register_resource(config, Feed, name="feed", object_path=None)
    register_resource(config, Stamped, name="stamped")
    register_resource(config, ByTeam, name="byteam")
    register_resource(config, Picky, name="picky")
    register_resource(config, Limited, name="limited", factory=Shared)


@pytest.fixture
def app():
    SEEN.clear()
    return make_webtest(
        includeme,
        {
            **BASE_SETTINGS,
            "limited_id_generator": "strato.storage.generators.NameGenerator",
            "feed_create_principals": "system.Authenticated",
        },
        version="0.1.0",
    )


def test_process_object_sees_new_and_old(app):
    obj = app.post_json("/stampeds", {"data": {"a": 1}}, headers=BOB).json["data"]
    assert obj["writer"].startswith("basicauth:")
    assert obj["version"] == 1
    assert SEEN[-1] == ({"a": 1}, None)

    app.put_json(f"/stampeds/{obj['id']}", {"data": {"b": 2}}, headers=BOB)
    new, old = SEEN[-1]
    assert new["b"] == 2 and new["id"] == obj["id"]
    assert old["a"] == 1 and old["version"] == 1

    patched = app.patch_json(f"/stampeds/{obj['id']}", {"data": {"c": 3}}, headers=BOB)
    assert patched.json["data"]["version"] == 3
    new, old = SEEN[-1]
    assert new["c"] == 3 and old["b"] == 2


def test_get_parent_id_scopes_the_collection(app):
    red = app.post_json("/byteams", {"data": {"a": 1}}, headers={"X-Team": "red"}).json["data"]
    assert app.get("/byteams", headers={"X-Team": "blue"}).json["data"] == []
    app.get(f"/byteams/{red['id']}", headers={"X-Team": "blue"}, status=404)
    assert app.get("/byteams", headers={"X-Team": "red"}).json["data"] == [red]
    assert components(app).storage.list_all("byteam", "team:red")[0]["id"] == red["id"]


def test_is_known_field_decides_querystring_names(app):
    app.get("/pickys?color=red&_sort=color&_fields=color", status=200)
    for query in ("size=1", "_sort=size", "_fields=size"):
        app.get(f"/pickys?{query}", status=400)


def test_context_shared_ids_restrict_lists(app):
    for object_id in ("shared-a", "shared-b", "private"):
        app.post_json("/limiteds", {"data": {"id": object_id}})
    listed = app.get("/limiteds").json["data"]
    assert sorted(o["id"] for o in listed) == ["shared-a", "shared-b"]
    assert app.head("/limiteds").headers["Total-Objects"] == "2"
    deleted = app.delete("/limiteds").json["data"]
    assert sorted(o["id"] for o in deleted) == ["shared-a", "shared-b"]
    assert components(app).storage.get("limited", "", "private")["id"] == "private"


def test_shared_ids_do_not_invalidate_pagination_tokens(app, monkeypatch):
    for object_id in ("shared-a", "shared-b", "shared-c"):
        app.post_json("/limiteds", {"data": {"id": object_id}})
    monkeypatch.setattr(Shared, "visible", ["shared-a", "shared-b"])
    first = app.get("/limiteds?_limit=1&_sort=id")
    # Between two pages, one more object is shared with the caller.
    monkeypatch.setattr(Shared, "visible", ["shared-a", "shared-b", "shared-c"])
    seen = [o["id"] for o in first.json["data"]]
    url = first.headers["Next-Page"]
    while url:
        page = app.get(url.replace("http://localhost", ""))
        seen.extend(o["id"] for o in page.json["data"])
        url = page.headers.get("Next-Page")
    assert seen == ["shared-a", "shared-b", "shared-c"]


def test_shareable_resource_without_object_endpoint(app):
    response = app.post_json(
        "/feeds", {"data": {"a": 1}, "permissions": {"read": ["alice"]}}, headers=BOB
    )
    object_id = response.json["data"]["id"]
    assert response.json["permissions"]["read"] == ["alice"]
    acl = components(app).permission.get_object_permissions(f"/feeds/{object_id}")
    assert acl["read"] == {"alice"}


# Id generators ---------------------------------------------------------------------


def test_default_ids_are_uuid4():
    app = make_app()
    obj = create(app, "/toadstools", {})
    assert len(obj["id"]) == 36 and obj["id"][14] == "4"


@pytest.mark.parametrize(
    "bad_id", ["abc", "2EF3A1C8-98A2-4B5A-9A5B-7B7F3BBD1E57", "2ef3a1c898a24b5a9a5b7b7f3bbd1e57"]
)
def test_ids_not_matching_the_generator_are_a_400(bad_id):
    app = make_app()
    before = storage_state(app)
    for response in (
        app.get(f"/toadstools/{bad_id}", headers=BOB, status=400),
        app.put_json(f"/toadstools/{bad_id}", {"data": {}}, headers=BOB, status=400),
        app.patch_json(f"/toadstools/{bad_id}", {"data": {}}, headers=BOB, status=400),
        app.delete(f"/toadstools/{bad_id}", headers=BOB, status=400),
        app.post_json("/toadstools", {"data": {"id": bad_id}}, headers=BOB, status=400),
    ):
        assert_formatted_error(response, 400, 107, message="Invalid object id")
        assert response.json["details"] == [
            {"location": "path", "name": None, "description": "Invalid object id"}
        ]
    assert storage_state(app) == before


@pytest.mark.parametrize("bad_id", [12, True, ["a"], {"a": 1}, ""])
def test_posted_ids_must_be_strings(bad_id):
    app = make_app()
    response = app.post_json("/labels", {"data": {"id": bad_id}}, headers=BOB, status=400)
    assert_formatted_error(response, 400, 107, message="Invalid object id")


def test_per_resource_generator_setting():
    app = make_app()
    label = create(app, "/labels", {})
    assert len(label["id"]) == 8 and label["id"].isalnum()
    app.put_json("/labels/my-blog_2", {"data": {}}, headers=BOB, status=201)
    app.put_json("/labels/-dash", {"data": {}}, headers=BOB, status=400)


def test_default_generator_setting():
    app = make_app({"id_generator": f"{__name__}.EvenGenerator"})
    obj = create(app, "/toadstools", {})
    assert obj["id"].isdigit() and len(obj["id"]) % 2 == 0
    app.put_json("/toadstools/1234", {"data": {}}, headers=BOB, status=201)
    app.put_json("/toadstools/123", {"data": {}}, headers=BOB, status=400)
    # The per-resource setting wins over the default one.
    assert len(create(app, "/labels", {})["id"]) == 8


def test_ids_longer_than_256_characters_are_refused():
    app = make_app()
    app.put_json(f"/labels/{'a' * 256}", {"data": {}}, headers=BOB, status=201)
    app.put_json(f"/labels/{'a' * 257}", {"data": {}}, headers=BOB, status=400)


# User resources ----------------------------------------------------------------------


def test_user_resource_refuses_anonymous_callers():
    app = make_app()
    for response in (
        app.get("/notes", status=401),
        app.post_json("/notes", {"data": {}}, status=401),
        app.get("/notes/2ef3a1c8-98a2-4b5a-9a5b-7b7f3bbd1e57", status=401),
    ):
        assert_formatted_error(response, 401, 104)
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_user_resource_parent_is_the_user_id():
    app = make_app()
    note = create(app, "/notes", {"text": "x"}, headers=ALICE)
    alice = app.get("/", headers=ALICE).json["user"]["id"]
    assert components(app).storage.get("note", alice, note["id"])["text"] == "x"


def test_user_resource_isolation():
    app = make_app()
    mine = create(app, "/notes", {"text": "bob"}, headers=BOB)
    create(app, "/notes", {"text": "alice"}, headers=ALICE)
    assert [n["text"] for n in app.get("/notes", headers=BOB).json["data"]] == ["bob"]
    app.put_json(f"/notes/{mine['id']}", {"data": {"text": "mine now"}}, headers=ALICE, status=201)
    assert app.get(f"/notes/{mine['id']}", headers=BOB).json["data"]["text"] == "bob"
    app.delete("/notes", headers=ALICE)
    assert len(app.get("/notes", headers=BOB).json["data"]) == 1


def test_resource_classes():
    assert issubclass(resource.UserResource, resource.Resource)
    assert issubclass(resource.ShareableResource, resource.Resource)
    assert resource.ShareableResource.shareable and not resource.Resource.shareable
    assert resource.Resource.permissions == ("read", "write")
    assert resource.Resource.default_model is resource.Model


# Readonly storage --------------------------------------------------------------------


def test_readonly_storage_cannot_create_a_collection_timestamp():
    app = make_app({"readonly": "true"})
    response = app.get("/toadstools", headers=BOB, status=503)
    assert_formatted_error(response, 503, 201, message="readonly")
    assert "Retry-After" in response.headers


@pytest.mark.parametrize("module", [resource, events])
def test_public_names_match_all(module):
    exported = set(module.__all__)
    assert all(hasattr(module, name) for name in exported)
    defined_here = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and getattr(value, "__module__", "").startswith(module.__name__.rsplit(".", 1)[0])
        and not isinstance(value, type(module))
    }
    assert defined_here <= exported
