"""``Model``: one collection for one caller, between the views and the backends."""

from __future__ import annotations

import pytest

from strato.permission.memory import MemoryPermission
from strato.resource import Model
from strato.storage import COMPARISON, Filter, ObjectNotFoundError, Sort
from strato.storage.memory import MemoryStorage

BOB = "basicauth:bob"


@pytest.fixture
def storage():
    return MemoryStorage()


@pytest.fixture
def permission():
    return MemoryPermission()


def make_model(storage, permission=None, **kw):
    defaults = {
        "resource_name": "mushroom",
        "parent_id": "/gardens/g1",
        "current_principal": BOB,
        "prefixed_principals": [BOB, "system.Authenticated", "system.Everyone"],
        "get_object_uri": lambda object_id: f"/gardens/g1/mushrooms/{object_id}",
    }
    return Model(storage, permission, **{**defaults, **kw})


def test_field_names():
    assert (
        Model.id_field,
        Model.modified_field,
        Model.deleted_field,
        Model.permissions_field,
    ) == ("id", "last_modified", "deleted", "__permissions__")


def test_crud_without_permissions(storage):
    model = make_model(storage)
    created = model.create_object({"a": 1})
    assert model.get_object(created["id"]) == created
    updated = model.update_object({**created, "a": 2})
    assert updated["a"] == 2 and updated["last_modified"] > created["last_modified"]
    tombstone = model.delete_object(updated)
    assert tombstone["deleted"] is True
    with pytest.raises(ObjectNotFoundError):
        model.get_object(created["id"])
    assert model.timestamp() == tombstone["last_modified"]


def test_objects_live_under_the_model_parent(storage):
    mine = make_model(storage)
    other = make_model(storage, parent_id="/gardens/g2")
    created = mine.create_object({"a": 1})
    assert other.get_objects() == []
    assert [o["id"] for o in mine.get_objects()] == [created["id"]]
    assert other.get_objects(parent_id="/gardens/g1")[0]["id"] == created["id"]
    assert storage.list_all("mushroom", "/gardens/g1")[0]["id"] == created["id"]


def test_id_generator_is_used(storage):
    model = make_model(storage, id_generator=lambda: "fixed-id")
    assert model.create_object({})["id"] == "fixed-id"


def test_listing_counting_and_deleting_with_filters(storage):
    model = make_model(storage)
    for n in range(5):
        model.create_object({"n": n})
    big = [Filter("n", 2, COMPARISON.GT)]
    assert [o["n"] for o in model.get_objects(filters=big, sorting=[Sort("n", 1)])] == [3, 4]
    assert model.count_objects(filters=big) == 2
    assert len(model.get_objects(limit=2)) == 2
    deleted = model.delete_objects(filters=big)
    assert len(deleted) == 2
    assert model.count_objects() == 3
    assert len(model.get_objects(include_deleted=True)) == 5


def test_create_sets_the_acl_and_adds_the_writer(storage, permission):
    model = make_model(storage, permission)
    created = model.create_object({"a": 1, "__permissions__": {"read": ["alice"]}})
    assert created["__permissions__"] == {"read": ["alice"], "write": [BOB]}
    uri = f"/gardens/g1/mushrooms/{created['id']}"
    assert permission.get_object_permissions(uri) == {"read": {"alice"}, "write": {BOB}}
    assert "__permissions__" not in storage.get("mushroom", "/gardens/g1", created["id"])


def test_explicit_perm_off_adds_nobody(storage, permission):
    model = make_model(storage, permission, explicit_perm=False)
    created = model.create_object({"__permissions__": {"read": ["alice"]}})
    assert created["__permissions__"] == {}
    uri = f"/gardens/g1/mushrooms/{created['id']}"
    assert permission.get_object_permissions(uri) == {"read": {"alice"}}


def test_acl_is_shown_to_explicit_writers_only(storage, permission):
    model = make_model(storage, permission)
    created = model.create_object({"__permissions__": {"read": ["alice"]}})
    reader = make_model(
        storage,
        permission,
        current_principal="alice",
        prefixed_principals=["alice", "system.Everyone"],
    )
    assert reader.get_object(created["id"])["__permissions__"] == {}
    group_writer = make_model(
        storage,
        permission,
        current_principal="carol",
        prefixed_principals=["carol", "group:admins"],
    )
    model.update_object({"id": created["id"], "__permissions__": {"write": ["group:admins"]}})
    assert group_writer.get_object(created["id"])["__permissions__"]["write"] == [
        BOB,
        "group:admins",
    ]


def test_update_replaces_given_aces_and_keeps_the_others(storage, permission):
    model = make_model(storage, permission)
    created = model.create_object({"__permissions__": {"read": ["alice"], "write": ["carol"]}})
    updated = model.update_object({"id": created["id"], "__permissions__": {"read": ["dave"]}})
    assert updated["__permissions__"] == {"read": ["dave"], "write": [BOB, "carol"]}


def test_update_with_replace_permissions_clears_the_others(storage, permission):
    model = make_model(storage, permission)
    created = model.create_object({"__permissions__": {"read": ["alice"], "write": ["carol"]}})
    updated = model.update_object(
        {"id": created["id"], "__permissions__": {"read": ["dave"]}}, replace_permissions=True
    )
    assert updated["__permissions__"] == {"read": ["dave"], "write": [BOB]}


def test_delete_removes_acls(storage, permission):
    model = make_model(storage, permission)
    one = model.create_object({"__permissions__": {"read": ["alice"]}})
    two = model.create_object({"__permissions__": {"read": ["alice"]}})
    model.delete_object(one)
    assert permission.get_object_permissions(f"/gardens/g1/mushrooms/{one['id']}") == {}
    model.delete_objects()
    assert permission.get_object_permissions(f"/gardens/g1/mushrooms/{two['id']}") == {}


def test_conditional_update(storage):
    from strato.storage import ObjectModifiedError

    model = make_model(storage)
    created = model.create_object({"a": 1})
    with pytest.raises(ObjectModifiedError):
        model.update_object({**created, "a": 2}, if_match=created["last_modified"] - 1)
    model.update_object({**created, "a": 2}, if_match=created["last_modified"])
