"""Tombstones, hard deletes and ``delete_all``."""

from __future__ import annotations

import pytest

from strato.storage import COMPARISON, MISSING, Filter, ObjectNotFoundError, Sort, StorageBase
from strato.storage.testing.support import StorageTestBase, ids

__all__ = ["DeletedObjectsTests"]


class DeletedObjectsTests(StorageTestBase):
    """What deletions leave behind and how ``delete_all`` selects objects."""

    def test_tombstones_are_listed_only_on_request(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a"}, {"id": "b"}])
        storage.delete(object_id="a", **self.kw)
        assert self.list_ids(storage) == ["b"]
        assert sorted(self.list_ids(storage, include_deleted=True)) == ["a", "b"]

    def test_listed_tombstones_have_only_id_timestamp_and_flag(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "a", "secret": "s"})
        tombstone = storage.delete(object_id="a", **self.kw)
        assert storage.list_all(include_deleted=True, **self.kw) == [tombstone]
        assert tombstone == {
            "id": "a",
            "last_modified": tombstone["last_modified"],
            "deleted": True,
        }

    def test_count_ignores_tombstones(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a"}, {"id": "b"}])
        storage.delete(object_id="a", **self.kw)
        assert storage.count_all(**self.kw) == 1

    def test_create_replaces_a_tombstone(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "a", "v": 1})
        storage.delete(object_id="a", **self.kw)
        created = self.create(storage, {"id": "a", "v": 2})
        assert storage.get(object_id="a", **self.kw) == created
        assert storage.list_all(include_deleted=True, **self.kw) == [created]

    def test_update_revives_a_tombstone(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "a"})
        storage.delete(object_id="a", **self.kw)
        updated = storage.update(object_id="a", obj={"v": 2}, **self.kw)
        assert storage.list_all(include_deleted=True, **self.kw) == [updated]
        storage.delete(object_id="a", **self.kw)

    def test_hard_delete_leaves_no_tombstone(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "a"})
        tombstone = storage.delete(object_id="a", with_deleted=False, **self.kw)
        assert tombstone["id"] == "a" and tombstone["deleted"] is True
        assert storage.list_all(include_deleted=True, **self.kw) == []
        with pytest.raises(ObjectNotFoundError):
            storage.delete(object_id="a", **self.kw)

    def test_hard_delete_removes_an_older_tombstone_too(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "a"})
        storage.delete(object_id="a", **self.kw)
        self.create(storage, {"id": "a"})
        storage.delete(object_id="a", with_deleted=False, **self.kw)
        assert storage.list_all(include_deleted=True, **self.kw) == []

    def test_delete_all_returns_tombstones(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a", "v": 1}, {"id": "b", "v": 2}])
        tombstones = storage.delete_all(sorting=[Sort("id", 1)], **self.kw)
        assert ids(tombstones) == ["a", "b"]
        for tombstone in tombstones:
            assert set(tombstone) == {"id", "last_modified", "deleted"}
            assert tombstone["deleted"] is True
        listed = storage.list_all(include_deleted=True, sorting=[Sort("id", 1)], **self.kw)
        assert listed == tombstones
        assert storage.list_all(**self.kw) == []

    def test_delete_all_of_nothing(self, storage: StorageBase) -> None:
        assert storage.delete_all(**self.kw) == []

    def test_delete_all_timestamps_increase_in_order(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"n": n} for n in range(10)])
        tombstones = storage.delete_all(sorting=[Sort("n", -1)], **self.kw)
        stamps = [t["last_modified"] for t in tombstones]
        assert stamps == sorted(stamps) and len(set(stamps)) == 10

    def test_delete_all_without_tombstones(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a"}, {"id": "b"}])
        tombstones = storage.delete_all(with_deleted=False, **self.kw)
        assert sorted(ids(tombstones)) == ["a", "b"]
        assert storage.list_all(include_deleted=True, **self.kw) == []

    def test_delete_all_applies_filters(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": str(n), "n": n} for n in range(6)])
        deleted = storage.delete_all(filters=[Filter("n", 3, COMPARISON.MIN)], **self.kw)
        assert sorted(ids(deleted)) == ["3", "4", "5"]
        assert sorted(self.list_ids(storage)) == ["0", "1", "2"]

    def test_delete_all_applies_sorting_and_limit(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": str(n), "n": n} for n in range(6)])
        deleted = storage.delete_all(sorting=[Sort("n", -1)], limit=2, **self.kw)
        assert ids(deleted) == ["5", "4"]
        assert storage.count_all(**self.kw) == 4

    def test_delete_all_applies_pagination_rules(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": str(n), "n": n} for n in range(6)])
        rules = [[Filter("n", 1, COMPARISON.LT)], [Filter("n", 4, COMPARISON.GT)]]
        deleted = storage.delete_all(pagination_rules=rules, sorting=[Sort("n", 1)], **self.kw)
        assert ids(deleted) == ["0", "5"]

    def test_delete_all_is_not_capped_by_max_fetch_size(
        self, storage: StorageBase, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.create_many(storage, [{} for _ in range(5)])
        monkeypatch.setattr(storage, "max_fetch_size", 2)
        assert len(storage.delete_all(**self.kw)) == 5
        assert storage.count_all(**self.kw) == 0

    def test_delete_all_skips_tombstones(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a"}, {"id": "b"}])
        first = storage.delete(object_id="a", **self.kw)
        assert ids(storage.delete_all(**self.kw)) == ["b"]
        listed = storage.list_all(include_deleted=True, **self.kw)
        assert first in listed

    def test_delete_all_only_touches_its_collection(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "mine"})
        self.create(storage, {"id": "cousin"}, parent_id=self.other_parent_id)
        self.create(storage, {"id": "sibling"}, resource_name="other")
        assert ids(storage.delete_all(**self.kw)) == ["mine"]
        assert self.list_ids(storage, parent_id=self.other_parent_id) == ["cousin"]
        assert self.list_ids(storage, resource_name="other") == ["sibling"]

    def test_delete_all_of_every_resource_of_a_parent(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "a"})
        self.create(storage, {"id": "b"}, resource_name="other")
        self.create(storage, {"id": "c"}, parent_id=self.other_parent_id)
        deleted = storage.delete_all(resource_name=None, parent_id=self.parent_id)
        assert sorted(ids(deleted)) == ["a", "b"]
        assert self.list_ids(storage, resource_name="other") == []
        assert self.list_ids(storage, parent_id=self.other_parent_id) == ["c"]

    def test_filter_on_the_deleted_flag_selects_tombstones(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a"}, {"id": "b"}])
        storage.delete(object_id="a", **self.kw)
        only_deleted = [Filter("deleted", True, COMPARISON.EQ)]
        assert self.list_ids(storage, filters=only_deleted, include_deleted=True) == ["a"]
        assert self.list_ids(storage, filters=only_deleted) == []

    def test_tombstones_miss_every_data_field(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a", "v": 1}, {"id": "b", "v": 2}])
        storage.delete(object_id="a", **self.kw)
        not_two = [Filter("v", 2, COMPARISON.NOT)]
        assert self.list_ids(storage, filters=not_two, include_deleted=True) == ["a"]
        has_v = [Filter("v", True, COMPARISON.HAS)]
        assert self.list_ids(storage, filters=has_v, include_deleted=True) == ["b"]
        missing = [Filter("v", MISSING, COMPARISON.EQ)]
        assert self.list_ids(storage, filters=missing, include_deleted=True) == ["a"]

    def test_tombstones_sort_with_missing_values(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a", "v": 2}, {"id": "b", "v": 1}, {"id": "c"}])
        storage.delete(object_id="a", **self.kw)
        asc = [Sort("v", 1), Sort("id", 1)]
        assert self.list_ids(storage, sorting=asc, include_deleted=True) == ["b", "a", "c"]
        desc = [Sort("v", -1), Sort("id", 1)]
        assert self.list_ids(storage, sorting=desc, include_deleted=True) == ["a", "c", "b"]
