"""Concurrent writers: processes, threads and a poller that must never miss a change.

Runs on SQLite and PostgreSQL. The database serialises writers of one
collection (row lock on PostgreSQL, write lock on SQLite) until they
commit, which is what these tests observe.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest

from strato import transaction
from strato.storage import Filter, IntegrityError, Sort
from strato.storage.sql import SQLStorage
from tests.sql import (
    DIALECTS,
    Database,
    conditional_update,
    create_objects,
    database,
    flush_all,
    run_processes,
)


@pytest.fixture(scope="module", params=DIALECTS)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from database(request.param, tmp_path_factory.mktemp(f"concurrency-{request.param}"))


@pytest.fixture
def storage(db: Database) -> Iterator[SQLStorage]:
    flush_all(db.client)
    client = db.new_client(pool_size=12, max_overflow=0)
    yield SQLStorage(client)
    client.dispose()


def test_writers_in_several_processes_all_succeed(db: Database, storage: SQLStorage) -> None:
    per_process = 50
    results = run_processes(create_objects, [(db.url, "log", per_process)] * 4)
    every = [stamp for stamps in results for stamp in stamps]
    for stamps in results:
        assert len(stamps) == per_process and stamps == sorted(stamps)
    assert len(set(every)) == 4 * per_process
    assert storage.count_all("log", "") == 4 * per_process
    assert storage.resource_timestamp("log", "") == max(every)


def test_one_conditional_update_wins_across_processes(db: Database, storage: SQLStorage) -> None:
    created = storage.create("doc", "", {"by": None})
    version = created["last_modified"]
    outcomes = run_processes(conditional_update, [(db.url, "doc", created["id"], version)] * 8)
    assert sorted(outcomes) == ["modified"] * 7 + ["won"]
    stored = storage.get("doc", "", created["id"])
    assert stored["last_modified"] > version and stored["by"] is not None


def _poll(storage: SQLStorage, since: int) -> list[dict]:
    return storage.list_all(
        "feed",
        "",
        filters=[Filter("last_modified", since, "gt")],
        sorting=[Sort("last_modified", 1)],
        include_deleted=True,
    )


def _poll_elsewhere(storage: SQLStorage, since: int) -> list[dict]:
    """Poll from another thread, hence outside this thread's transaction."""
    found: list[dict] = []
    thread = threading.Thread(target=lambda: found.extend(_poll(storage, since)))
    thread.start()
    thread.join(timeout=30)
    return found


def test_a_writer_waits_for_the_collection_until_the_first_commits(storage: SQLStorage) -> None:
    since = storage.resource_timestamp("feed", "")
    second: dict = {}

    def write_second() -> None:
        with transaction.begin() as tx:
            second.update(storage.create("feed", "", {"id": "second"}))
            tx.commit()

    with transaction.begin() as tx:
        first = storage.create("feed", "", {"id": "first"})
        thread = threading.Thread(target=write_second)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second writer did not wait for the collection lock"
        assert _poll_elsewhere(storage, since) == []
        tx.commit()
    thread.join(timeout=30)
    assert second["last_modified"] > first["last_modified"]
    assert [o["id"] for o in _poll(storage, since)] == ["first", "second"]


def test_polling_never_misses_a_committed_change(storage: SQLStorage) -> None:
    """Writers hold their transaction open a little after writing; a poller
    following ``_since`` must still see every object in the end."""
    writers, per_writer = 6, 15
    since = storage.resource_timestamp("feed", "")
    done = threading.Event()
    seen: set[str] = set()
    polls = 0

    def write(index: int) -> None:
        rng = random.Random(index)
        for n in range(per_writer):
            with transaction.begin() as tx:
                storage.create("feed", "", {"id": f"w{index}-{n}"})
                if n % 4 == 0:
                    storage.delete("feed", "", f"w{index}-{n}")
                time.sleep(rng.random() * 0.004)
                tx.commit()

    def poll() -> None:
        nonlocal since, polls
        while True:
            finished = done.is_set()
            changes = _poll(storage, since)
            polls += 1
            seen.update(o["id"] for o in changes)
            if changes:
                since = changes[-1]["last_modified"]
            if finished:
                return

    poller = threading.Thread(target=poll)
    poller.start()
    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    poller.join(timeout=60)
    expected = {f"w{i}-{n}" for i in range(writers) for n in range(per_writer)}
    assert seen == expected
    assert polls > 2


def test_crossed_writers_are_told_to_retry(db: Database, storage: SQLStorage) -> None:
    """Two transactions writing two collections in opposite orders deadlock;
    PostgreSQL aborts one, reported as a retryable IntegrityError (409)."""
    if db.dialect == "sqlite":
        pytest.skip("one writer at a time on SQLite: writers queue, never deadlock")
    storage.create("left", "", {})
    storage.create("right", "", {})
    barrier = threading.Barrier(2, timeout=30)
    outcomes: dict[str, str] = {}

    def write(name: str, first: str, second: str) -> None:
        try:
            with transaction.begin() as tx:
                storage.create(first, "", {"by": name})
                barrier.wait()
                storage.create(second, "", {"by": name})
                tx.commit()
            outcomes[name] = "committed"
        except IntegrityError:
            outcomes[name] = "retry"

    threads = [
        threading.Thread(target=write, args=("a", "left", "right")),
        threading.Thread(target=write, args=("b", "right", "left")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["committed", "retry"]
    assert storage.count_all("left", "") == 2
    assert storage.count_all("right", "") == 2
