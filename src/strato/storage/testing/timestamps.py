"""Collection and object timestamps: monotonic, stable, client-given values."""

from __future__ import annotations

from strato.storage import COMPARISON, Filter, Sort, StorageBase
from strato.storage.testing.support import (
    EPOCH_2020_MS,
    FAR_FUTURE_OFFSET_MS,
    StorageTestBase,
    ids,
)

__all__ = ["ClientTimestampsTests", "TimestampsTests"]


class TimestampsTests(StorageTestBase):
    """``resource_timestamp``, ``all_resources_timestamps`` and timestamp bumps."""

    def collection_ts(self, storage: StorageBase, **kwargs: str) -> int:
        return storage.resource_timestamp(**{**self.kw, **kwargs})

    def test_empty_collection_timestamp_is_epoch_milliseconds(self, storage: StorageBase) -> None:
        timestamp = self.collection_ts(storage)
        assert isinstance(timestamp, int) and not isinstance(timestamp, bool)
        assert timestamp > EPOCH_2020_MS

    def test_empty_collection_timestamp_is_stable(self, storage: StorageBase) -> None:
        first = self.collection_ts(storage)
        assert [self.collection_ts(storage) for _ in range(5)] == [first] * 5

    def test_empty_collection_timestamp_is_persisted(self, storage: StorageBase) -> None:
        timestamp = self.collection_ts(storage)
        assert storage.all_resources_timestamps(self.resource_name) == {self.parent_id: timestamp}

    def test_writes_after_a_read_get_a_greater_timestamp(self, storage: StorageBase) -> None:
        before = self.collection_ts(storage)
        created = self.create(storage)
        assert created["last_modified"] > before

    def test_collection_timestamp_is_the_last_write(self, storage: StorageBase) -> None:
        self.create(storage)
        created = self.create(storage)
        assert self.collection_ts(storage) == created["last_modified"]

    def test_update_moves_the_collection_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        updated = storage.update(object_id=created["id"], obj={}, **self.kw)
        assert self.collection_ts(storage) == updated["last_modified"] > created["last_modified"]

    def test_delete_moves_the_collection_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        tombstone = storage.delete(object_id=created["id"], **self.kw)
        assert self.collection_ts(storage) == tombstone["last_modified"]

    def test_hard_delete_moves_the_collection_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        tombstone = storage.delete(object_id=created["id"], with_deleted=False, **self.kw)
        assert tombstone["last_modified"] > created["last_modified"]
        assert self.collection_ts(storage) == tombstone["last_modified"]

    def test_delete_all_moves_the_collection_timestamp(self, storage: StorageBase) -> None:
        self.create_many(storage, [{}, {}])
        tombstones = storage.delete_all(**self.kw)
        assert self.collection_ts(storage) == max(t["last_modified"] for t in tombstones)

    def test_timestamps_strictly_increase_in_a_burst(self, storage: StorageBase) -> None:
        created = self.create_many(storage, [{"n": n} for n in range(100)])
        stamps = [obj["last_modified"] for obj in created]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)

    def test_every_kind_of_write_gets_a_new_timestamp(self, storage: StorageBase) -> None:
        stamps = [self.create(storage, {"id": "a"})["last_modified"]]
        stamps.append(storage.update(object_id="a", obj={}, **self.kw)["last_modified"])
        stamps.append(storage.delete(object_id="a", **self.kw)["last_modified"])
        stamps.append(self.create(storage, {"id": "a"})["last_modified"])
        stamps.append(storage.delete_all(**self.kw)[0]["last_modified"])
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)

    def test_timestamps_are_per_parent(self, storage: StorageBase) -> None:
        self.create(storage)
        other = self.collection_ts(storage, parent_id=self.other_parent_id)
        self.create(storage)
        assert self.collection_ts(storage, parent_id=self.other_parent_id) == other

    def test_timestamps_are_per_resource(self, storage: StorageBase) -> None:
        other = self.collection_ts(storage, resource_name="other")
        self.create(storage)
        assert self.collection_ts(storage, resource_name="other") == other

    def test_all_resources_timestamps_lists_each_parent(self, storage: StorageBase) -> None:
        a = self.create(storage, parent_id="a")["last_modified"]
        b = self.create(storage, parent_id="b")["last_modified"]
        self.create(storage, parent_id="c", resource_name="other")
        assert storage.all_resources_timestamps(self.resource_name) == {"a": a, "b": b}

    def test_all_resources_timestamps_creates_nothing(self, storage: StorageBase) -> None:
        assert storage.all_resources_timestamps(self.resource_name) == {}
        assert storage.all_resources_timestamps(self.resource_name) == {}

    def test_reads_do_not_move_timestamps(self, storage: StorageBase) -> None:
        created = self.create(storage)
        storage.get(object_id=created["id"], **self.kw)
        storage.list_all(include_deleted=True, **self.kw)
        storage.count_all(**self.kw)
        assert self.collection_ts(storage) == created["last_modified"]

    def test_polling_with_gt_last_modified_sees_every_change(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": "a"}, {"id": "b"}, {"id": "c"}])
        since = self.collection_ts(storage)
        storage.update(object_id="b", obj={"v": 2}, **self.kw)
        storage.delete(object_id="a", **self.kw)
        self.create(storage, {"id": "d"})
        changes = storage.list_all(
            filters=[Filter("last_modified", since, COMPARISON.GT)],
            sorting=[Sort("last_modified", 1)],
            include_deleted=True,
            **self.kw,
        )
        assert ids(changes) == ["b", "a", "d"]
        assert changes[1]["deleted"] is True


class ClientTimestampsTests(StorageTestBase):
    """Timestamps given by clients (replication, imports) and their rules."""

    def client_collection_ts(self, storage: StorageBase) -> int:
        return storage.resource_timestamp(**self.kw)

    def test_create_keeps_a_greater_given_timestamp(self, storage: StorageBase) -> None:
        future = self.create(storage)["last_modified"] + FAR_FUTURE_OFFSET_MS
        created = self.create(storage, {"last_modified": future})
        assert created["last_modified"] == future
        assert self.client_collection_ts(storage) == future

    def test_writes_after_a_future_timestamp_are_greater(self, storage: StorageBase) -> None:
        future = self.create(storage)["last_modified"] + FAR_FUTURE_OFFSET_MS
        self.create(storage, {"last_modified": future})
        assert self.create(storage)["last_modified"] > future

    def test_create_bumps_a_given_timestamp_equal_to_the_collection(
        self, storage: StorageBase
    ) -> None:
        current = self.create(storage)["last_modified"]
        created = self.create(storage, {"last_modified": current})
        assert created["last_modified"] > current
        assert self.client_collection_ts(storage) == created["last_modified"]

    def test_create_keeps_a_lower_given_timestamp(self, storage: StorageBase) -> None:
        current = self.create(storage)["last_modified"]
        old = current - 1000
        created = self.create(storage, {"id": "old", "last_modified": old})
        assert created["last_modified"] == old
        assert storage.get(object_id="old", **self.kw)["last_modified"] == old
        assert self.client_collection_ts(storage) == current

    def test_create_ignores_non_integer_timestamps(self, storage: StorageBase) -> None:
        current = self.create(storage)["last_modified"]
        for value in ["12345", None, True, [1]]:
            created = self.create(storage, {"last_modified": value})
            assert isinstance(created["last_modified"], int)
            assert created["last_modified"] > current
            current = created["last_modified"]

    def test_update_keeps_a_greater_given_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        future = created["last_modified"] + FAR_FUTURE_OFFSET_MS
        updated = storage.update(object_id=created["id"], obj={"last_modified": future}, **self.kw)
        assert updated["last_modified"] == future
        assert self.client_collection_ts(storage) == future

    def test_update_ignores_a_lower_or_equal_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        for value in (created["last_modified"], created["last_modified"] - 10):
            previous = self.client_collection_ts(storage)
            updated = storage.update(
                object_id=created["id"], obj={"last_modified": value}, **self.kw
            )
            assert updated["last_modified"] > previous

    def test_delete_uses_a_greater_given_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        future = created["last_modified"] + FAR_FUTURE_OFFSET_MS
        tombstone = storage.delete(object_id=created["id"], last_modified=future, **self.kw)
        assert tombstone["last_modified"] == future
        listed = storage.list_all(include_deleted=True, **self.kw)
        assert listed[0]["last_modified"] == future
        assert self.client_collection_ts(storage) == future

    def test_delete_ignores_a_lower_given_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        tombstone = storage.delete(
            object_id=created["id"], last_modified=created["last_modified"] - 10, **self.kw
        )
        assert tombstone["last_modified"] > created["last_modified"]
