"""The permission conformance suite, run against the Redis backend.

Each xdist worker uses its own key prefix in database 6, and only that
prefix is flushed. Without a Redis server the tests are skipped, except
under ``CI`` where they fail.
"""

import os
from collections.abc import Iterator

import pytest

from strato.permission.redis import RedisPermission
from strato.permission.testing import PermissionTest
from strato.storage.errors import BackendError

REDIS_URL = os.environ.get("STRATO_TEST_REDIS_URL", "redis://127.0.0.1:6379") + "/6"
PREFIX = f"test-permission-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:"


def _require(backend: RedisPermission) -> None:
    try:
        backend.flush()
    except BackendError as exc:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"Redis is required when CI is set: {exc}", pytrace=False)
        pytest.skip(f"Redis is not available: {exc}")


class TestRedisPermission(PermissionTest):
    @pytest.fixture
    def permission(self) -> Iterator[RedisPermission]:
        backend = RedisPermission(url=REDIS_URL, key_prefix=PREFIX)
        _require(backend)
        yield backend
        backend.flush()
        backend.client.close()
