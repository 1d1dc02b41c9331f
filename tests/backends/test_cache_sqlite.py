"""The cache conformance suite, run against the SQL backend on SQLite."""

from collections.abc import Iterator

import pytest

from strato.cache.sql import SQLCache
from strato.cache.testing import CacheTest
from strato.sql import SQLClient
from tests.sql import module_sqlite_client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLClient]:
    yield from module_sqlite_client(tmp_path_factory.mktemp("sqlite-cache"))


class TestSQLiteCache(CacheTest):
    @pytest.fixture
    def cache(self, client: SQLClient) -> Iterator[SQLCache]:
        backend = SQLCache(client, cache_prefix="test:")
        yield backend
        backend.flush()
