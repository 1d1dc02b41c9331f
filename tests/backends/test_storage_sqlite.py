"""The storage conformance suite, run against the SQL backend on SQLite."""

from collections.abc import Iterator

import pytest

from strato.sql import SQLClient
from strato.storage.sql import SQLStorage
from strato.storage.testing import StorageTest
from tests.sql import module_sqlite_client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLClient]:
    yield from module_sqlite_client(tmp_path_factory.mktemp("sqlite-storage"))


class TestSQLiteStorage(StorageTest):
    @pytest.fixture
    def storage(self, client: SQLClient) -> Iterator[SQLStorage]:
        backend = SQLStorage(client)
        yield backend
        backend.flush()
