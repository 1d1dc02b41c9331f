"""Conditional writes (``if_match``) and concurrent writers.

Threads share the backend instance the ``storage`` fixture yields. Tests
assert outcomes (uniqueness, order, exactly-one-winner), never durations.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from strato.storage import (
    ObjectModifiedError,
    ObjectNotFoundError,
    Sort,
    StorageBase,
    UnicityError,
)
from strato.storage.testing.support import StorageTestBase, ids, retry_on_conflict, run_in_threads

__all__ = ["ConcurrencyTests", "ConditionalWriteTests"]

THREADS = 8


class ConditionalWriteTests(StorageTestBase):
    """``if_match`` on update and delete."""

    def test_update_with_the_current_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage, {"v": 1})
        updated = storage.update(
            object_id=created["id"], obj={"v": 2}, if_match=created["last_modified"], **self.kw
        )
        assert updated["v"] == 2
        assert storage.get(object_id=created["id"], **self.kw) == updated

    def test_update_with_another_timestamp_fails(self, storage: StorageBase) -> None:
        created = self.create(storage, {"v": 1})
        with pytest.raises(ObjectModifiedError) as caught:
            storage.update(
                object_id=created["id"],
                obj={"v": 2},
                if_match=created["last_modified"] - 1,
                **self.kw,
            )
        assert caught.value.existing == created
        assert storage.get(object_id=created["id"], **self.kw) == created
        assert storage.resource_timestamp(**self.kw) == created["last_modified"]

    def test_update_of_an_absent_object_fails(self, storage: StorageBase) -> None:
        with pytest.raises(ObjectModifiedError) as caught:
            storage.update(object_id="absent", obj={}, if_match=123, **self.kw)
        assert caught.value.existing is None
        assert storage.list_all(include_deleted=True, **self.kw) == []

    def test_update_of_a_deleted_object_fails(self, storage: StorageBase) -> None:
        created = self.create(storage)
        tombstone = storage.delete(object_id=created["id"], **self.kw)
        with pytest.raises(ObjectModifiedError) as caught:
            storage.update(
                object_id=created["id"], obj={}, if_match=tombstone["last_modified"], **self.kw
            )
        assert caught.value.existing is None

    def test_if_match_zero_is_not_special(self, storage: StorageBase) -> None:
        created = self.create(storage)
        with pytest.raises(ObjectModifiedError):
            storage.update(object_id=created["id"], obj={}, if_match=0, **self.kw)
        with pytest.raises(ObjectModifiedError):
            storage.update(object_id="absent", obj={}, if_match=0, **self.kw)
        with pytest.raises(ObjectModifiedError):
            storage.delete(object_id=created["id"], if_match=0, **self.kw)

    def test_delete_with_the_current_timestamp(self, storage: StorageBase) -> None:
        created = self.create(storage)
        tombstone = storage.delete(
            object_id=created["id"], if_match=created["last_modified"], **self.kw
        )
        assert tombstone["deleted"] is True
        with pytest.raises(ObjectNotFoundError):
            storage.get(object_id=created["id"], **self.kw)

    def test_delete_with_another_timestamp_fails(self, storage: StorageBase) -> None:
        created = self.create(storage)
        storage.update(object_id=created["id"], obj={"v": 2}, **self.kw)
        with pytest.raises(ObjectModifiedError) as caught:
            storage.delete(object_id=created["id"], if_match=created["last_modified"], **self.kw)
        assert caught.value.existing is not None
        assert caught.value.existing["v"] == 2
        assert storage.get(object_id=created["id"], **self.kw)["v"] == 2

    def test_delete_of_an_absent_object_is_not_found(self, storage: StorageBase) -> None:
        with pytest.raises(ObjectNotFoundError):
            storage.delete(object_id="absent", if_match=123, **self.kw)

    def test_only_one_of_racing_conditional_updates_wins(self, storage: StorageBase) -> None:
        created = self.create(storage, {"winner": None})

        def attempt(index: int) -> bool:
            try:
                retry_on_conflict(
                    lambda: storage.update(
                        object_id=created["id"],
                        obj={"winner": index},
                        if_match=created["last_modified"],
                        **self.kw,
                    )
                )
            except ObjectModifiedError:
                return False
            return True

        outcomes = run_in_threads(THREADS, attempt)
        assert outcomes.count(True) == 1
        stored = storage.get(object_id=created["id"], **self.kw)
        assert stored["winner"] == outcomes.index(True)


class ConcurrencyTests(StorageTestBase):
    """Several threads writing at once keep timestamps unique and ordered."""

    def test_concurrent_creates_get_unique_increasing_timestamps(
        self, storage: StorageBase
    ) -> None:
        per_thread = 25

        def writer(index: int) -> list[int]:
            stamps = []
            for n in range(per_thread):
                obj = {"thread": index, "n": n}
                created = retry_on_conflict(partial(self.create, storage, obj))
                stamps.append(created["last_modified"])
            return stamps

        results = run_in_threads(THREADS, writer)
        for stamps in results:
            assert stamps == sorted(stamps) and len(set(stamps)) == per_thread
        every = [stamp for stamps in results for stamp in stamps]
        assert len(set(every)) == THREADS * per_thread
        stored = storage.list_all(**self.kw)
        assert len(stored) == THREADS * per_thread
        assert storage.resource_timestamp(**self.kw) == max(every)

    def test_concurrent_mixed_writes(self, storage: StorageBase) -> None:
        rounds = 15

        def worker(index: int) -> list[int]:
            stamps = []
            for n in range(rounds):
                object_id = f"t{index}-{n}"
                created = retry_on_conflict(partial(self.create, storage, {"id": object_id}))
                updated = retry_on_conflict(
                    partial(storage.update, object_id=object_id, obj={"n": n}, **self.kw)
                )
                stamps += [created["last_modified"], updated["last_modified"]]
                storage.list_all(limit=5, sorting=[Sort("last_modified", -1)], **self.kw)
                storage.count_all(**self.kw)
                if n % 3 == 0:
                    tombstone = retry_on_conflict(
                        partial(storage.delete, object_id=object_id, **self.kw)
                    )
                    stamps.append(tombstone["last_modified"])
            return stamps

        results = run_in_threads(THREADS, worker)
        for stamps in results:
            assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
        everything = storage.list_all(include_deleted=True, **self.kw)
        assert len(everything) == THREADS * rounds
        final = [obj["last_modified"] for obj in everything]
        assert len(set(final)) == len(final)
        deleted = [obj for obj in everything if obj.get("deleted")]
        assert len(deleted) == THREADS * len(range(0, rounds, 3))
        assert storage.resource_timestamp(**self.kw) == max(
            stamp for stamps in results for stamp in stamps
        )

    def test_concurrent_writers_in_separate_collections(self, storage: StorageBase) -> None:
        def writer(index: int) -> list[int]:
            parent = f"parent-{index % 2}"
            return [
                retry_on_conflict(lambda: self.create(storage, parent_id=parent))["last_modified"]
                for _ in range(20)
            ]

        run_in_threads(THREADS, writer)
        for parent in ("parent-0", "parent-1"):
            stamps = [
                o["last_modified"] for o in storage.list_all(**{**self.kw, "parent_id": parent})
            ]
            assert len(stamps) == THREADS // 2 * 20 == len(set(stamps))

    def test_concurrent_first_reads_agree(self, storage: StorageBase) -> None:
        def read(_: int) -> int:
            return retry_on_conflict(lambda: storage.resource_timestamp(**self.kw))

        stamps = run_in_threads(THREADS, read)
        assert len(set(stamps)) == 1
        assert storage.resource_timestamp(**self.kw) == stamps[0]

    def test_concurrent_creates_of_one_id_have_one_winner(self, storage: StorageBase) -> None:
        def attempt(index: int) -> dict[str, Any] | None:
            try:
                return retry_on_conflict(lambda: self.create(storage, {"id": "same", "by": index}))
            except UnicityError:
                return None

        outcomes = run_in_threads(THREADS, attempt)
        winners = [o for o in outcomes if o is not None]
        assert len(winners) == 1
        assert storage.get(object_id="same", **self.kw) == winners[0]
        assert ids(storage.list_all(include_deleted=True, **self.kw)) == ["same"]
