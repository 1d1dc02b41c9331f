"""The cache conformance suite, run against the Redis backend.

Each xdist worker uses its own key prefix in database 5, and only that
prefix is flushed. Without a Redis server the tests are skipped, except
under ``CI`` where they fail.
"""

import os
from collections.abc import Iterator

import pytest

from strato.cache.redis import RedisCache
from strato.cache.testing import CacheTest
from strato.storage.errors import BackendError

REDIS_URL = os.environ.get("STRATO_TEST_REDIS_URL", "redis://127.0.0.1:6379") + "/5"
PREFIX = f"test-cache-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:"


def _require(backend: RedisCache) -> None:
    try:
        backend.flush()
    except BackendError as exc:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"Redis is required when CI is set: {exc}", pytrace=False)
        pytest.skip(f"Redis is not available: {exc}")


class TestRedisCache(CacheTest):
    @pytest.fixture
    def cache(self) -> Iterator[RedisCache]:
        backend = RedisCache(cache_prefix=PREFIX, url=REDIS_URL)
        _require(backend)
        yield backend
        backend.flush()
        backend.client.close()
