"""The storage conformance suite, run against the memory backend."""

from collections.abc import Iterator

import pytest

from strato.storage.memory import MemoryStorage
from strato.storage.testing import StorageTest


class TestMemoryStorage(StorageTest):
    @pytest.fixture
    def storage(self) -> Iterator[MemoryStorage]:
        backend = MemoryStorage()
        yield backend
        backend.flush()
