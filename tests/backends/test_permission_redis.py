"""The permission conformance suite, run against the Redis backend.

Each xdist worker uses its own key prefix in database 6, and only that
prefix is flushed. Without a Redis server the tests are skipped, except
under ``CI`` where they fail.
"""

from collections.abc import Iterator

import pytest

from strato.permission.redis import RedisPermission
from strato.permission.testing import PermissionTest
from strato.storage.errors import BackendError
from tests.services import REDIS_SERVER, WORKER, unavailable

REDIS_URL = f"{REDIS_SERVER}/6"
PREFIX = f"test-permission-{WORKER}:"


def _require(backend: RedisPermission) -> None:
    try:
        backend.flush()
    except BackendError as exc:
        unavailable("Redis", exc)


class TestRedisPermission(PermissionTest):
    @pytest.fixture
    def permission(self) -> Iterator[RedisPermission]:
        backend = RedisPermission(url=REDIS_URL, key_prefix=PREFIX)
        _require(backend)
        yield backend
        backend.flush()
        backend.client.close()
