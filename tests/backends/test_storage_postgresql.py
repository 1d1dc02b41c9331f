"""The storage conformance suite, run against the SQL backend on PostgreSQL.

Skipped without a server, except under ``CI`` where it fails (see
:mod:`tests.sql`).
"""

from collections.abc import Iterator

import pytest

from strato.sql import SQLClient
from strato.storage.sql import SQLStorage
from strato.storage.testing import StorageTest
from tests.sql import module_postgresql_client


@pytest.fixture(scope="module")
def client() -> Iterator[SQLClient]:
    yield from module_postgresql_client()


class TestPostgreSQLStorage(StorageTest):
    @pytest.fixture
    def storage(self, client: SQLClient) -> Iterator[SQLStorage]:
        backend = SQLStorage(client)
        yield backend
        backend.flush()
