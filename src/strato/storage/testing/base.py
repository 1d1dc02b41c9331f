"""Single-object operations, listing, counting, JSON handling and the heartbeat."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from strato.storage import (
    COMPARISON,
    HEARTBEAT_RESOURCE,
    BackendError,
    Filter,
    ObjectNotFoundError,
    StorageBase,
    UnicityError,
    heartbeat,
)
from strato.storage.testing.support import StorageTestBase, dummy_request, ids

__all__ = ["BaseTests", "HeartbeatTests", "SerializationTests"]

OBJECT_ID = "472be9ec-26fe-461b-8282-9c4e4b207ab3"


class BaseTests(StorageTestBase):
    """create, get, update, delete, list_all, count_all, flush."""

    def test_initialize_schema_is_idempotent(self, storage: StorageBase) -> None:
        storage.initialize_schema()
        storage.initialize_schema()
        storage.initialize_schema(dry_run=True)
        assert storage.list_all(**self.kw) == []

    def test_create_assigns_an_id_and_a_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        assert isinstance(created["id"], str) and created["id"]
        assert isinstance(created["last_modified"], int)
        assert created["foo"] == "bar"

    def test_create_returns_what_get_returns(self, storage: StorageBase) -> None:
        created = self.create(storage, {"foo": "bar", "n": 1})
        assert storage.get(object_id=created["id"], **self.kw) == created

    def test_create_keeps_a_given_id(self, storage: StorageBase) -> None:
        created = self.create(storage, {"id": OBJECT_ID})
        assert created["id"] == OBJECT_ID
        assert storage.get(object_id=OBJECT_ID, **self.kw)["id"] == OBJECT_ID

    def test_create_uses_the_id_generator(self, storage: StorageBase) -> None:
        created = self.create(storage, id_generator=lambda: "generated-1")
        assert created["id"] == "generated-1"

    def test_create_prefers_the_given_id_over_the_generator(self, storage: StorageBase) -> None:
        created = self.create(storage, {"id": "given"}, id_generator=lambda: "generated")
        assert created["id"] == "given"

    def test_create_generates_distinct_ids_by_default(self, storage: StorageBase) -> None:
        created = [self.create(storage) for _ in range(20)]
        assert len(set(ids(created))) == 20

    def test_create_does_not_modify_the_given_object(self, storage: StorageBase) -> None:
        obj = {"foo": "bar", "nested": {"a": 1}}
        self.create(storage, obj)
        assert obj == {"foo": "bar", "nested": {"a": 1}}

    def test_create_raises_unicity_error_on_a_live_id(self, storage: StorageBase) -> None:
        first = self.create(storage, {"id": OBJECT_ID, "v": 1})
        with pytest.raises(UnicityError) as caught:
            self.create(storage, {"id": OBJECT_ID, "v": 2})
        assert caught.value.field == "id"
        assert caught.value.existing == first
        assert storage.get(object_id=OBJECT_ID, **self.kw) == first

    def test_same_id_in_other_collections_is_independent(self, storage: StorageBase) -> None:
        self.create(storage, {"id": OBJECT_ID, "where": "here"})
        self.create(storage, {"id": OBJECT_ID, "where": "parent"}, parent_id=self.other_parent_id)
        self.create(storage, {"id": OBJECT_ID, "where": "resource"}, resource_name="other")
        assert storage.get(object_id=OBJECT_ID, **self.kw)["where"] == "here"
        got = storage.get(object_id=OBJECT_ID, resource_name="other", parent_id=self.parent_id)
        assert got["where"] == "resource"

    def test_unicode_names_ids_and_values(self, storage: StorageBase) -> None:
        kw: dict[str, Any] = {"resource_name": "ressourcé", "parent_id": "/buckets/Rémy"}
        created = storage.create(obj={"id": "Émile", "name": "Zoë ☃ 日本"}, **kw)
        assert storage.get(object_id="Émile", **kw) == created
        assert ids(storage.list_all(**kw)) == ["Émile"]

    def test_get_raises_when_unknown(self, storage: StorageBase) -> None:
        with pytest.raises(ObjectNotFoundError):
            storage.get(object_id=OBJECT_ID, **self.kw)

    def test_get_is_scoped_to_its_collection(self, storage: StorageBase) -> None:
        self.create(storage, {"id": OBJECT_ID})
        with pytest.raises(ObjectNotFoundError):
            storage.get(object_id=OBJECT_ID, resource_name="test", parent_id=self.other_parent_id)
        with pytest.raises(ObjectNotFoundError):
            storage.get(object_id=OBJECT_ID, resource_name="other", parent_id=self.parent_id)

    def test_update_replaces_the_whole_object(self, storage: StorageBase) -> None:
        created = self.create(storage, {"a": 1, "b": 2})
        updated = storage.update(object_id=created["id"], obj={"b": 3, "c": 4}, **self.kw)
        stored = storage.get(object_id=created["id"], **self.kw)
        assert stored == updated
        assert {k: v for k, v in stored.items() if k not in ("id", "last_modified")} == {
            "b": 3,
            "c": 4,
        }

    def test_update_creates_the_object_when_absent(self, storage: StorageBase) -> None:
        updated = storage.update(object_id=OBJECT_ID, obj={"a": 1}, **self.kw)
        assert updated["id"] == OBJECT_ID
        assert storage.get(object_id=OBJECT_ID, **self.kw) == updated

    def test_update_forces_the_object_id(self, storage: StorageBase) -> None:
        created = self.create(storage)
        updated = storage.update(object_id=created["id"], obj={"id": "ignored", "a": 1}, **self.kw)
        assert updated["id"] == created["id"]
        with pytest.raises(ObjectNotFoundError):
            storage.get(object_id="ignored", **self.kw)

    def test_update_bumps_last_modified(self, storage: StorageBase) -> None:
        created = self.create(storage)
        updated = storage.update(object_id=created["id"], obj={"a": 1}, **self.kw)
        assert updated["last_modified"] > created["last_modified"]

    def test_delete_removes_the_object(self, storage: StorageBase) -> None:
        created = self.create(storage)
        storage.delete(object_id=created["id"], **self.kw)
        with pytest.raises(ObjectNotFoundError):
            storage.get(object_id=created["id"], **self.kw)
        assert storage.list_all(**self.kw) == []

    def test_delete_returns_a_tombstone(self, storage: StorageBase) -> None:
        created = self.create(storage, {"secret": "gone"})
        tombstone = storage.delete(object_id=created["id"], **self.kw)
        assert set(tombstone) == {"id", "last_modified", "deleted"}
        assert tombstone["id"] == created["id"]
        assert tombstone["deleted"] is True
        assert tombstone["last_modified"] > created["last_modified"]

    def test_delete_raises_when_unknown(self, storage: StorageBase) -> None:
        with pytest.raises(ObjectNotFoundError):
            storage.delete(object_id=OBJECT_ID, **self.kw)

    def test_delete_raises_when_already_deleted(self, storage: StorageBase) -> None:
        created = self.create(storage)
        storage.delete(object_id=created["id"], **self.kw)
        with pytest.raises(ObjectNotFoundError):
            storage.delete(object_id=created["id"], **self.kw)

    def test_delete_only_touches_its_collection(self, storage: StorageBase) -> None:
        self.create(storage, {"id": OBJECT_ID})
        self.create(storage, {"id": OBJECT_ID}, parent_id=self.other_parent_id)
        storage.delete(object_id=OBJECT_ID, **self.kw)
        assert storage.get(object_id=OBJECT_ID, resource_name="test", parent_id="5678")

    def test_list_all_returns_the_live_objects(self, storage: StorageBase) -> None:
        created = self.create_many(storage, [{"n": n} for n in range(5)])
        listed = storage.list_all(**self.kw)
        assert sorted(listed, key=lambda o: o["n"]) == created

    def test_list_all_of_an_empty_collection(self, storage: StorageBase) -> None:
        assert storage.list_all(**self.kw) == []
        assert storage.list_all(include_deleted=True, **self.kw) == []

    def test_list_all_is_scoped_to_its_collection(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "mine"})
        self.create(storage, {"id": "cousin"}, parent_id=self.other_parent_id)
        self.create(storage, {"id": "sibling"}, resource_name="other")
        assert self.list_ids(storage) == ["mine"]

    def test_list_all_honours_limit(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"n": n} for n in range(10)])
        assert len(storage.list_all(limit=3, **self.kw)) == 3
        assert len(storage.list_all(limit=0, **self.kw)) == 10
        assert len(storage.list_all(limit=None, **self.kw)) == 10
        assert len(storage.list_all(limit=20, **self.kw)) == 10

    def test_list_all_is_capped_by_max_fetch_size(
        self, storage: StorageBase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.create_many(storage, [{"n": n} for n in range(6)])
        monkeypatch.setattr(storage, "max_fetch_size", 4)
        assert len(storage.list_all(**self.kw)) == 4
        assert len(storage.list_all(limit=5, **self.kw)) == 4
        assert len(storage.list_all(limit=2, **self.kw)) == 2

    def test_count_all_counts_live_objects(self, storage: StorageBase) -> None:
        assert storage.count_all(**self.kw) == 0
        created = self.create_many(storage, [{"n": n} for n in range(4)])
        storage.delete(object_id=created[0]["id"], **self.kw)
        self.create(storage, parent_id=self.other_parent_id)
        assert storage.count_all(**self.kw) == 3

    def test_count_all_applies_filters(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"n": n} for n in range(10)])
        assert storage.count_all(filters=[Filter("n", 5, COMPARISON.MIN)], **self.kw) == 5

    def test_count_all_is_not_capped(
        self, storage: StorageBase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.create_many(storage, [{"n": n} for n in range(5)])
        monkeypatch.setattr(storage, "max_fetch_size", 2)
        assert storage.count_all(**self.kw) == 5

    def test_flush_removes_everything(self, storage: StorageBase) -> None:
        created = self.create(storage)
        self.create(storage)
        storage.delete(object_id=created["id"], **self.kw)
        storage.flush()
        assert storage.list_all(include_deleted=True, **self.kw) == []
        assert storage.all_resources_timestamps(self.resource_name) == {}

    def test_custom_field_names(self, storage: StorageBase) -> None:
        fields: dict[str, Any] = {"id_field": "name", "modified_field": "stamp"}
        created = storage.create(obj={"name": "rex", "kind": "dog"}, **fields, **self.kw)
        assert created["name"] == "rex" and isinstance(created["stamp"], int)
        assert storage.get(object_id="rex", **fields, **self.kw) == created
        tombstone = storage.delete(object_id="rex", deleted_field="gone", **fields, **self.kw)
        assert tombstone == {"name": "rex", "stamp": tombstone["stamp"], "gone": True}


class SerializationTests(StorageTestBase):
    """Objects are JSON: stored copies are independent of what callers hold."""

    def test_changing_the_input_after_create_changes_nothing(self, storage: StorageBase) -> None:
        obj: dict[str, Any] = {"tags": ["a"], "nested": {"k": "v"}}
        created = self.create(storage, obj)
        obj["tags"].append("b")
        obj["nested"]["k"] = "changed"
        obj["new"] = 1
        stored = storage.get(object_id=created["id"], **self.kw)
        assert stored["tags"] == ["a"] and stored["nested"] == {"k": "v"} and "new" not in stored

    def test_changing_the_input_after_update_changes_nothing(self, storage: StorageBase) -> None:
        obj: dict[str, Any] = {"tags": ["a"]}
        storage.update(object_id="x", obj=obj, **self.kw)
        obj["tags"].append("b")
        assert storage.get(object_id="x", **self.kw)["tags"] == ["a"]

    def test_changing_returned_objects_changes_nothing(self, storage: StorageBase) -> None:
        created = self.create(storage, {"tags": ["a"], "nested": {"k": "v"}})
        created["tags"].append("from-create")
        got = storage.get(object_id=created["id"], **self.kw)
        got["nested"]["k"] = "from-get"
        listed = storage.list_all(**self.kw)
        listed[0]["tags"].append("from-list")
        stored = storage.get(object_id=created["id"], **self.kw)
        assert stored["tags"] == ["a"] and stored["nested"] == {"k": "v"}

    def test_changing_a_unicity_error_object_changes_nothing(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "x", "tags": ["a"]})
        with pytest.raises(UnicityError) as caught:
            self.create(storage, {"id": "x"})
        assert caught.value.existing is not None
        caught.value.existing["tags"].append("b")
        assert storage.get(object_id="x", **self.kw)["tags"] == ["a"]

    def test_json_values_round_trip(self, storage: StorageBase) -> None:
        obj = {
            "string": 'Zoë ☃ "quoted" \\ back',
            "empty": "",
            "int": 2**53,
            "negative": -7,
            "float": 3.25,
            "true": True,
            "false": False,
            "null": None,
            "list": [1, "two", None, [3], {"four": 4}],
            "empty_list": [],
            "object": {"a": {"b": {"c": [True]}}},
            "empty_object": {},
        }
        created = self.create(storage, obj)
        stored = storage.get(object_id=created["id"], **self.kw)
        assert {k: stored[k] for k in obj} == obj
        assert stored["true"] is True and stored["null"] is None
        assert isinstance(stored["int"], int) and isinstance(stored["float"], float)

    def test_tuples_are_stored_as_lists(self, storage: StorageBase) -> None:
        created = self.create(storage, {"pair": (1, 2)})
        assert storage.get(object_id=created["id"], **self.kw)["pair"] == [1, 2]

    def test_bytes_are_rejected_by_create(self, storage: StorageBase) -> None:
        with pytest.raises(TypeError):
            self.create(storage, {"raw": b"\x00\x01"})
        with pytest.raises(TypeError):
            self.create(storage, {"nested": {"deep": [b"x"]}})
        assert storage.list_all(include_deleted=True, **self.kw) == []

    def test_bytes_are_rejected_by_update(self, storage: StorageBase) -> None:
        created = self.create(storage, {"v": 1})
        with pytest.raises(TypeError):
            storage.update(object_id=created["id"], obj={"raw": b"x"}, **self.kw)
        assert storage.get(object_id=created["id"], **self.kw) == created


class HeartbeatTests(StorageTestBase):
    """The ``heartbeat(backend)`` check used by ``__heartbeat__``."""

    heartbeat_kw: ClassVar[dict[str, Any]] = {
        "resource_name": HEARTBEAT_RESOURCE,
        "parent_id": HEARTBEAT_RESOURCE,
    }

    def test_heartbeat_succeeds(self, storage: StorageBase) -> None:
        assert heartbeat(storage)(dummy_request()) is True

    def test_heartbeat_leaves_nothing_behind(self, storage: StorageBase) -> None:
        check = heartbeat(storage)
        for _ in range(3):
            assert check(dummy_request(readonly="false")) is True
        assert storage.list_all(include_deleted=True, **self.heartbeat_kw) == []

    def test_heartbeat_only_reads_in_readonly_mode(self, storage: StorageBase) -> None:
        assert heartbeat(storage)(dummy_request(readonly="true")) is True
        assert storage.all_resources_timestamps(HEARTBEAT_RESOURCE) == {}

    def test_heartbeat_reports_failures(
        self, storage: StorageBase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(*args: object, **kwargs: object) -> None:
            raise BackendError(message="down")

        monkeypatch.setattr(storage, "create", broken)
        monkeypatch.setattr(storage, "list_all", broken)
        assert heartbeat(storage)(dummy_request()) is False
        assert heartbeat(storage)(dummy_request(readonly=True)) is False
