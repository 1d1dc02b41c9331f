"""The cache conformance suite, run against the SQL backend on PostgreSQL.

Skipped without a server, except under ``CI`` where it fails (see
:mod:`tests.sql`).
"""

from collections.abc import Iterator

import pytest

from strato.cache.sql import SQLCache
from strato.cache.testing import CacheTest
from strato.sql import SQLClient
from tests.sql import module_postgresql_client


@pytest.fixture(scope="module")
def client() -> Iterator[SQLClient]:
    yield from module_postgresql_client()


class TestPostgreSQLCache(CacheTest):
    @pytest.fixture
    def cache(self, client: SQLClient) -> Iterator[SQLCache]:
        backend = SQLCache(client, cache_prefix="test:")
        yield backend
        backend.flush()
