"""What the conformance suite cannot check on the memory backend: clock, config, readonly."""

import math
import random
import threading
from collections import defaultdict
from types import SimpleNamespace

import pytest
from pyramid.config import Configurator

from strato.storage import ObjectNotFoundError, ReadonlyError, UnicityError, heartbeat
from strato.storage import memory as memory_module
from strato.storage.memory import MemoryStorage, load_from_config

KW = {"resource_name": "test", "parent_id": "1234"}


@pytest.fixture
def storage() -> MemoryStorage:
    return MemoryStorage()


def test_load_from_config_reads_settings() -> None:
    config = Configurator(settings={"storage_max_fetch_size": "7", "readonly": "true"})
    backend = load_from_config(config)
    assert isinstance(backend, MemoryStorage)
    assert backend.max_fetch_size == 7
    assert backend.readonly is True


def test_load_from_config_tolerates_missing_settings() -> None:
    backend = load_from_config(Configurator(settings={}))
    assert backend.max_fetch_size == 10000
    assert backend.readonly is False
    assert load_from_config(Configurator()).max_fetch_size == 10000


def test_instances_do_not_share_data() -> None:
    first, second = MemoryStorage(), MemoryStorage()
    first.create(obj={"id": "a"}, **KW)
    assert second.list_all(**KW) == []


def test_repr() -> None:
    assert repr(MemoryStorage(max_fetch_size=5)) == (
        "MemoryStorage(max_fetch_size=5, readonly=False)"
    )


def test_same_millisecond_writes_still_get_distinct_timestamps(
    storage: MemoryStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory_module, "_now_ms", lambda: 1_700_000_000_000)
    stamps = [storage.create(obj={}, **KW)["last_modified"] for _ in range(3)]
    assert stamps == [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002]


def test_a_clock_going_backwards_does_not_move_timestamps_back(
    storage: MemoryStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory_module, "_now_ms", lambda: 2_000)
    first = storage.create(obj={}, **KW)["last_modified"]
    monkeypatch.setattr(memory_module, "_now_ms", lambda: 1_000)
    assert storage.create(obj={}, **KW)["last_modified"] == first + 1
    assert storage.resource_timestamp(**KW) == first + 1


def test_empty_collection_timestamp_comes_from_the_clock(
    storage: MemoryStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory_module, "_now_ms", lambda: 1_234)
    assert storage.resource_timestamp(**KW) == 1_234
    monkeypatch.setattr(memory_module, "_now_ms", lambda: 5_678)
    assert storage.resource_timestamp(**KW) == 1_234


def test_unsorted_lists_are_newest_first(storage: MemoryStorage) -> None:
    for object_id in ("b", "c", "a"):
        storage.create(obj={"id": object_id}, **KW)
    assert [o["id"] for o in storage.list_all(**KW)] == ["a", "c", "b"]
    assert [o["id"] for o in storage.list_all(sorting=[], **KW)] == ["a", "c", "b"]


def test_non_finite_numbers_are_rejected(storage: MemoryStorage) -> None:
    with pytest.raises(ValueError):
        storage.create(obj={"v": math.nan}, **KW)
    with pytest.raises(ValueError):
        storage.update(object_id="a", obj={"v": math.inf}, **KW)


def test_objects_must_be_json_objects(storage: MemoryStorage) -> None:
    with pytest.raises(TypeError):
        storage.create(obj=["not", "an", "object"], **KW)  # type: ignore[arg-type]


def test_ids_must_be_strings(storage: MemoryStorage) -> None:
    with pytest.raises(TypeError):
        storage.create(obj={"id": 12}, **KW)
    with pytest.raises(TypeError):
        storage.create(obj={}, id_generator=lambda: 12, **KW)  # type: ignore[arg-type,return-value]


def test_negative_limits_are_rejected(storage: MemoryStorage) -> None:
    with pytest.raises(ValueError):
        storage.list_all(limit=-1, **KW)
    with pytest.raises(ValueError):
        storage.purge_deleted(max_retained=-1, **KW)


class TestReadonly:
    @pytest.fixture
    def storage(self) -> MemoryStorage:
        backend = MemoryStorage()
        backend.create(obj={"id": "a"}, **KW)
        backend.readonly = True
        return backend

    def test_reads_work(self, storage: MemoryStorage) -> None:
        assert storage.get(object_id="a", **KW)["id"] == "a"
        assert len(storage.list_all(**KW)) == storage.count_all(**KW) == 1
        assert storage.resource_timestamp(**KW) > 0

    def test_creating_an_empty_collection_timestamp_fails(self, storage: MemoryStorage) -> None:
        with pytest.raises(ReadonlyError):
            storage.resource_timestamp(resource_name="test", parent_id="empty")
        assert storage.all_resources_timestamps("test") == {
            "1234": storage.resource_timestamp(**KW)
        }

    @pytest.mark.parametrize(
        ("method", "kwargs"),
        [
            ("create", {"obj": {}}),
            ("update", {"object_id": "a", "obj": {}}),
            ("delete", {"object_id": "a"}),
            ("delete_all", {}),
            ("purge_deleted", {}),
            ("trim_objects", {"filters": None, "max_objects": 0}),
        ],
    )
    def test_writes_fail(self, storage: MemoryStorage, method: str, kwargs: dict) -> None:
        with pytest.raises(ReadonlyError):
            getattr(storage, method)(**kwargs, **KW)
        assert storage.get(object_id="a", **KW)["id"] == "a"

    def test_heartbeat_in_readonly_mode_reads(self, storage: MemoryStorage) -> None:
        check = heartbeat(storage)
        assert check(SimpleNamespace(registry=SimpleNamespace(settings={"readonly": "true"})))
        assert not check(SimpleNamespace(registry=SimpleNamespace(settings={})))


def test_threads_hammering_one_backend(storage: MemoryStorage) -> None:
    """8 threads mixing every operation on two collections: no error, timestamps stay sane."""
    threads, operations = 8, 300
    parents = ["p1", "p2"]
    seen: list[dict[str, list[int]]] = [defaultdict(list) for _ in range(threads)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(index: int) -> None:
        rng = random.Random(index)
        barrier.wait()
        try:
            for n in range(operations):
                parent = rng.choice(parents)
                kw = {"resource_name": "test", "parent_id": parent}
                object_id = f"o{rng.randrange(20)}"
                action = rng.choice(["create", "update", "delete", "list", "count"])
                if action == "create":
                    try:
                        obj = storage.create(obj={"id": object_id, "n": n}, **kw)
                    except UnicityError:
                        continue
                elif action == "update":
                    obj = storage.update(object_id=object_id, obj={"n": n}, **kw)
                elif action == "delete":
                    try:
                        obj = storage.delete(object_id=object_id, **kw)
                    except ObjectNotFoundError:
                        continue
                else:
                    storage.list_all(**kw) if action == "list" else storage.count_all(**kw)
                    continue
                seen[index][parent].append(obj["last_modified"])
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    for parent in parents:
        everything: list[int] = []
        for per_thread in seen:
            stamps = per_thread[parent]
            assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
            everything += stamps
        assert len(set(everything)) == len(everything)
        assert storage.resource_timestamp(resource_name="test", parent_id=parent) == max(
            everything
        )
        stored = storage.list_all(resource_name="test", parent_id=parent, include_deleted=True)
        assert len({o["last_modified"] for o in stored}) == len(stored)
