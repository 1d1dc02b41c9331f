"""The permission conformance suite, run against the SQL backend on SQLite."""

from collections.abc import Iterator

import pytest

from strato.permission.sql import SQLPermission
from strato.permission.testing import PermissionTest
from strato.sql import SQLClient
from tests.sql import module_sqlite_client


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLClient]:
    yield from module_sqlite_client(tmp_path_factory.mktemp("sqlite-permission"))


class TestSQLitePermission(PermissionTest):
    @pytest.fixture
    def permission(self, client: SQLClient) -> Iterator[SQLPermission]:
        backend = SQLPermission(client)
        yield backend
        backend.flush()
