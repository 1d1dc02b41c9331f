"""Fixture contract and helpers shared by the storage conformance suite."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any, ClassVar, TypeVar

import pytest

from strato.storage import IntegrityError, StorageBase, UnicityError

__all__ = [
    "StorageTestBase",
    "dummy_request",
    "ids",
    "retry_on_conflict",
    "run_in_threads",
]

_T = TypeVar("_T")

#: Any timestamp a backend assigns today is above this (2020-01-01, in ms).
EPOCH_2020_MS = 1_577_836_800_000
#: Far enough ahead of any timestamp the clock could give during a test run.
FAR_FUTURE_OFFSET_MS = 10**8


class StorageTestBase:
    """Root of every topic class of the suite.

    A backend's test class provides the ``storage`` fixture: it yields a
    ready, empty backend instance and cleans up afterwards (``flush()``).
    Tests write to the collection named by :attr:`resource_name` and
    :attr:`parent_id` unless they need several.
    """

    resource_name: ClassVar[str] = "test"
    parent_id: ClassVar[str] = "1234"
    other_parent_id: ClassVar[str] = "5678"

    @pytest.fixture
    def storage(self) -> StorageBase:
        pytest.fail(f"{type(self).__name__} must define a 'storage' fixture yielding the backend")

    @property
    def kw(self) -> dict[str, Any]:
        """Keyword arguments naming the default collection."""
        return {"resource_name": self.resource_name, "parent_id": self.parent_id}

    def create(
        self, storage: StorageBase, obj: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Create ``obj`` (default ``{"foo": "bar"}``) in the default collection."""
        return storage.create(obj={"foo": "bar"} if obj is None else obj, **{**self.kw, **kwargs})

    def create_many(
        self, storage: StorageBase, objects: Iterable[dict[str, Any]], **kwargs: Any
    ) -> list[dict[str, Any]]:
        """Create each object in turn (so their timestamps increase in that order)."""
        return [self.create(storage, obj, **kwargs) for obj in objects]

    def list_ids(self, storage: StorageBase, **kwargs: Any) -> list[str]:
        """Ids returned by ``list_all`` on the default collection, in order."""
        return ids(storage.list_all(**{**self.kw, **kwargs}))


def ids(objects: Iterable[dict[str, Any]]) -> list[str]:
    """The ``id`` of each object, in order."""
    return [obj["id"] for obj in objects]


def dummy_request(**settings: Any) -> Any:
    """A request stand-in carrying only ``registry.settings``, for heartbeat checks."""
    return SimpleNamespace(registry=SimpleNamespace(settings=settings))


def retry_on_conflict(func: Callable[[], _T], attempts: int = 100) -> _T:
    """Call ``func`` again while it raises a (retryable) :class:`IntegrityError`.

    Backends may reject one of two colliding concurrent writes this way; a
    :class:`UnicityError` is a real answer and is not retried.
    """
    for _ in range(attempts - 1):
        try:
            return func()
        except UnicityError:
            raise
        except IntegrityError:
            continue
    return func()


def run_in_threads(count: int, target: Callable[[int], _T]) -> list[_T]:
    """Run ``target(i)`` for ``i`` in ``range(count)``, each in its own thread.

    The threads wait on a barrier so they start together; the results come
    back in index order and the first exception raised by any thread is
    re-raised here.
    """
    barrier = threading.Barrier(count)

    def start(index: int) -> _T:
        barrier.wait()
        return target(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(start, index) for index in range(count)]
        return [future.result() for future in futures]
