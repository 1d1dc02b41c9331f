"""The cache conformance suite, run against the Redis backend.

Each xdist worker uses its own key prefix in database 5, and only that
prefix is flushed. Without a Redis server the tests are skipped, except
under ``CI`` where they fail.
"""

from collections.abc import Iterator

import pytest

from strato.cache.redis import RedisCache
from strato.cache.testing import CacheTest
from strato.storage.errors import BackendError
from tests.services import REDIS_SERVER, WORKER, unavailable

REDIS_URL = f"{REDIS_SERVER}/5"
PREFIX = f"test-cache-{WORKER}:"


def _require(backend: RedisCache) -> None:
    try:
        backend.flush()
    except BackendError as exc:
        unavailable("Redis", exc)


class TestRedisCache(CacheTest):
    @pytest.fixture
    def cache(self) -> Iterator[RedisCache]:
        backend = RedisCache(cache_prefix=PREFIX, url=REDIS_URL)
        _require(backend)
        yield backend
        backend.flush()
        backend.client.close()
