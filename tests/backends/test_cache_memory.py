import pytest

from strato.cache.memory import MemoryCache
from strato.cache.testing import CacheTest


class TestMemoryCache(CacheTest):
    @pytest.fixture
    def cache(self) -> MemoryCache:
        return MemoryCache(cache_prefix="test:")
