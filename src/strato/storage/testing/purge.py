"""``purge_deleted`` (tombstones only) and ``trim_objects`` (history logs)."""

from __future__ import annotations

import pytest

from strato.storage import COMPARISON, Filter, StorageBase
from strato.storage.testing.support import StorageTestBase, ids

__all__ = ["PurgeTests", "TrimTests"]


class PurgeTests(StorageTestBase):
    """Tombstones go away only through ``purge_deleted``; live objects never do."""

    def tombstones(self, storage: StorageBase, **kwargs: str) -> list[str]:
        objects = storage.list_all(include_deleted=True, **{**self.kw, **kwargs})
        return sorted(o["id"] for o in objects if o.get("deleted") is True)

    def make_tombstones(self, storage: StorageBase, count: int, **kwargs: str) -> list[int]:
        """Create then delete ``count`` objects t0..tN; return the deletion timestamps."""
        self.create_many(storage, [{"id": f"t{n}"} for n in range(count)], **kwargs)
        kw = {**self.kw, **kwargs}
        return [storage.delete(object_id=f"t{n}", **kw)["last_modified"] for n in range(count)]

    def test_purge_removes_tombstones_only(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 3)
        self.create(storage, {"id": "alive"})
        assert storage.purge_deleted(**self.kw) == 3
        assert self.tombstones(storage) == []
        assert self.list_ids(storage, include_deleted=True) == ["alive"]

    def test_purge_of_nothing(self, storage: StorageBase) -> None:
        self.create(storage)
        assert storage.purge_deleted(**self.kw) == 0

    def test_purge_before_is_strict(self, storage: StorageBase) -> None:
        stamps = self.make_tombstones(storage, 4)
        assert storage.purge_deleted(before=stamps[2], **self.kw) == 2
        assert self.tombstones(storage) == ["t2", "t3"]

    def test_purge_before_keeps_live_objects(self, storage: StorageBase) -> None:
        old = self.create(storage, {"id": "old"})
        self.make_tombstones(storage, 1)
        assert storage.purge_deleted(before=old["last_modified"] + 10**9, **self.kw) == 1
        assert self.list_ids(storage) == ["old"]

    def test_purge_keeps_the_newest(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 5)
        assert storage.purge_deleted(max_retained=2, **self.kw) == 3
        assert self.tombstones(storage) == ["t3", "t4"]

    def test_purge_keeps_the_newest_of_each_collection(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 3, parent_id="p1")
        self.make_tombstones(storage, 1, parent_id="p2")
        removed = storage.purge_deleted(
            resource_name=self.resource_name, parent_id="p*", max_retained=1
        )
        assert removed == 2
        assert self.tombstones(storage, parent_id="p1") == ["t2"]
        assert self.tombstones(storage, parent_id="p2") == ["t0"]

    def test_purge_keeping_none(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 2)
        assert storage.purge_deleted(max_retained=0, **self.kw) == 2
        assert self.tombstones(storage) == []

    def test_purge_refuses_before_and_max_retained(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 2)
        with pytest.raises(ValueError):
            storage.purge_deleted(before=1, max_retained=1, **self.kw)
        assert self.tombstones(storage) == ["t0", "t1"]

    def test_purge_every_resource_of_a_parent(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 2)
        self.make_tombstones(storage, 1, resource_name="other")
        self.make_tombstones(storage, 1, parent_id=self.other_parent_id)
        assert storage.purge_deleted(resource_name=None, parent_id=self.parent_id) == 3
        assert self.tombstones(storage, resource_name="other") == []
        assert self.tombstones(storage, parent_id=self.other_parent_id) == ["t0"]

    def test_purge_with_a_parent_pattern(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 1, parent_id="/b/1")
        self.make_tombstones(storage, 1, parent_id="/b/2")
        self.make_tombstones(storage, 1, parent_id="/c/1")
        assert storage.purge_deleted(resource_name=self.resource_name, parent_id="/b/*") == 2
        assert self.tombstones(storage, parent_id="/c/1") == ["t0"]

    def test_purge_does_not_move_timestamps(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 2)
        alive = self.create(storage)
        storage.purge_deleted(**self.kw)
        assert storage.resource_timestamp(**self.kw) == alive["last_modified"]
        assert self.create(storage)["last_modified"] > alive["last_modified"]

    def test_purging_everything_forgets_empty_collections(self, storage: StorageBase) -> None:
        self.make_tombstones(storage, 2, parent_id="/b/1")
        self.create(storage, parent_id="/b/2")
        storage.delete_all(resource_name=self.resource_name, parent_id="/b/*", with_deleted=False)
        storage.resource_timestamp(resource_name=self.resource_name, parent_id="/b/3")
        kept = self.create(storage, parent_id="/c/1")
        storage.purge_deleted(resource_name=None, parent_id="/b/*")
        assert storage.all_resources_timestamps(self.resource_name) == {
            "/c/1": kept["last_modified"]
        }

    def test_purging_everything_keeps_timestamps_of_live_collections(
        self, storage: StorageBase
    ) -> None:
        self.make_tombstones(storage, 1)
        alive = self.create(storage)
        storage.purge_deleted(**self.kw)
        assert storage.all_resources_timestamps(self.resource_name) == {
            self.parent_id: alive["last_modified"]
        }


class TrimTests(StorageTestBase):
    """``trim_objects`` keeps the newest matching objects, without tombstones."""

    def test_trim_keeps_the_newest(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": f"o{n}"} for n in range(5)])
        assert storage.trim_objects(filters=None, max_objects=2, **self.kw) == 3
        assert sorted(self.list_ids(storage, include_deleted=True)) == ["o3", "o4"]

    def test_trim_only_considers_matching_objects(self, storage: StorageBase) -> None:
        objects = [{"id": f"o{n}", "kind": "log" if n % 2 else "keep"} for n in range(6)]
        self.create_many(storage, objects)
        removed = storage.trim_objects(
            filters=[Filter("kind", "log", COMPARISON.EQ)], max_objects=1, **self.kw
        )
        assert removed == 2
        assert sorted(self.list_ids(storage)) == ["o0", "o2", "o4", "o5"]

    def test_trim_within_the_limit_removes_nothing(self, storage: StorageBase) -> None:
        self.create_many(storage, [{}, {}])
        assert storage.trim_objects(filters=None, max_objects=2, **self.kw) == 0
        assert storage.trim_objects(filters=[], max_objects=5, **self.kw) == 0
        assert storage.count_all(**self.kw) == 2

    def test_trim_to_zero(self, storage: StorageBase) -> None:
        self.create_many(storage, [{}, {}, {}])
        assert storage.trim_objects(filters=None, max_objects=0, **self.kw) == 3
        assert storage.list_all(include_deleted=True, **self.kw) == []

    def test_trim_refuses_a_negative_limit(self, storage: StorageBase) -> None:
        self.create(storage)
        with pytest.raises(ValueError):
            storage.trim_objects(filters=None, max_objects=-1, **self.kw)
        assert storage.count_all(**self.kw) == 1

    def test_trim_ignores_tombstones_and_other_collections(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a"}, {"id": "b"}, {"id": "c"}])
        storage.delete(object_id="c", **self.kw)
        self.create_many(storage, [{"id": "x"}, {"id": "y"}], parent_id=self.other_parent_id)
        assert storage.trim_objects(filters=None, max_objects=1, **self.kw) == 1
        assert sorted(self.list_ids(storage, include_deleted=True)) == ["b", "c"]
        assert sorted(self.list_ids(storage, parent_id=self.other_parent_id)) == ["x", "y"]

    def test_trim_does_not_move_the_collection_timestamp(self, storage: StorageBase) -> None:
        created = self.create_many(storage, [{}, {}, {}])
        storage.trim_objects(filters=None, max_objects=1, **self.kw)
        assert storage.resource_timestamp(**self.kw) == created[-1]["last_modified"]
        assert ids(storage.list_all(**self.kw)) == [created[-1]["id"]]
