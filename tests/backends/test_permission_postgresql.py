"""The permission conformance suite, run against the SQL backend on PostgreSQL.

Skipped without a server, except under ``CI`` where it fails (see
:mod:`tests.sql`).
"""

from collections.abc import Iterator

import pytest

from strato.permission.sql import SQLPermission
from strato.permission.testing import PermissionTest
from strato.sql import SQLClient
from tests.sql import module_postgresql_client


@pytest.fixture(scope="module")
def client() -> Iterator[SQLClient]:
    yield from module_postgresql_client()


class TestPostgreSQLPermission(PermissionTest):
    @pytest.fixture
    def permission(self, client: SQLClient) -> Iterator[SQLPermission]:
        backend = SQLPermission(client)
        yield backend
        backend.flush()
