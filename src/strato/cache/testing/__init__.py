"""Conformance suite for cache backends.

Every backend, ours and third parties', proves it honours
:class:`~strato.cache.CacheBase` by passing :class:`CacheTest` unchanged.
Subclass it in a test module and provide a ``cache`` fixture that returns
an empty backend and cleans up after the test::

    import pytest

    from strato.cache.memory import MemoryCache
    from strato.cache.testing import CacheTest


    class TestMemoryCache(CacheTest):
        @pytest.fixture
        def cache(self):
            return MemoryCache()

Expiry is tested with zero or negative TTLs, never by sleeping, so the
suite is fast and free of timing flakes. Tests that only hold for some
backends skip on the backend's capability flags, never on its name.
"""

from __future__ import annotations

from typing import Any

import pytest
from pyramid.registry import Registry
from pyramid.request import Request

from strato.cache import CacheBase, heartbeat

__all__ = ["CacheTest"]

_ROUND_TRIP_VALUES: list[Any] = [
    "text",
    "",
    "unicode: é ü 漢字 🙂",
    0,
    -42,
    3.25,
    True,
    False,
    [1, "two", None, [3.5]],
    {"nested": {"list": [1, 2], "flag": False, "none": None}},
    [],
    {},
]


class CacheTest:
    """Every behaviour a cache backend must show; inherit it to test a backend."""

    @pytest.fixture
    def cache(self) -> CacheBase:
        """Override with a fixture returning an empty backend (and cleaning up)."""
        raise NotImplementedError(
            "subclass strato.cache.testing.CacheTest and define a `cache` fixture "
            "returning the backend under test"
        )

    def test_backend_implements_the_interface(self, cache: CacheBase) -> None:
        assert isinstance(cache, CacheBase)
        assert isinstance(cache.prefix, str)

    @pytest.mark.parametrize("flag", ["persistent", "may_evict_early"])
    def test_capability_flags_are_declared(self, cache: CacheBase, flag: str) -> None:
        assert isinstance(getattr(type(cache), flag, None), bool)

    def test_initialize_schema_can_run_twice(self, cache: CacheBase) -> None:
        cache.initialize_schema()
        cache.set("key", "value", 60)
        cache.initialize_schema()
        cache.initialize_schema(dry_run=True)
        assert cache.get("key") == "value"

    def test_get_missing_key(self, cache: CacheBase) -> None:
        assert cache.get("missing") is None

    @pytest.mark.parametrize("value", _ROUND_TRIP_VALUES, ids=repr)
    def test_values_round_trip(self, cache: CacheBase, value: Any) -> None:
        cache.set("key", value, 60)
        assert cache.get("key") == value
        assert type(cache.get("key")) is type(value)

    def test_tuples_come_back_as_lists(self, cache: CacheBase) -> None:
        cache.set("key", {"pair": (1, 2)}, 60)
        assert cache.get("key") == {"pair": [1, 2]}

    def test_set_replaces_the_value(self, cache: CacheBase) -> None:
        cache.set("key", "old", 60)
        cache.set("key", {"new": True}, 60)
        assert cache.get("key") == {"new": True}

    def test_keys_are_independent(self, cache: CacheBase) -> None:
        cache.set("a", 1, 60)
        cache.set("b", 2, 60)
        cache.set("ab", 3, 60)
        assert (cache.get("a"), cache.get("b"), cache.get("ab")) == (1, 2, 3)

    def test_stored_value_is_a_copy(self, cache: CacheBase) -> None:
        value = {"items": [1]}
        cache.set("key", value, 60)
        value["items"].append(2)
        assert cache.get("key") == {"items": [1]}

    def test_returned_value_is_a_copy(self, cache: CacheBase) -> None:
        cache.set("key", {"items": [1]}, 60)
        cache.get("key")["items"].append(2)
        assert cache.get("key") == {"items": [1]}

    @pytest.mark.parametrize(
        "value",
        [b"raw", bytearray(b"raw"), {1, 2}, object()],
        ids=["bytes", "bytearray", "set", "object"],
    )
    def test_unserializable_values_are_refused(self, cache: CacheBase, value: Any) -> None:
        cache.set("key", "before", 60)
        with pytest.raises(TypeError):
            cache.set("key", value, 60)
        assert cache.get("key") == "before"

    def test_nan_is_refused(self, cache: CacheBase) -> None:
        with pytest.raises(ValueError):
            cache.set("key", float("nan"), 60)
        assert cache.get("key") is None

    def test_ttl_is_mandatory(self, cache: CacheBase) -> None:
        with pytest.raises(TypeError):
            cache.set("key", "value", None)  # type: ignore[arg-type]
        assert cache.get("key") is None

    def test_ttl_of_a_fresh_key(self, cache: CacheBase) -> None:
        cache.set("key", "value", 3600)
        # A generous lower bound: the suite asserts no timing, only that
        # the TTL was applied and not rounded to something unrelated.
        assert 3000 < cache.ttl("key") <= 3600

    def test_ttl_of_a_missing_key(self, cache: CacheBase) -> None:
        assert cache.ttl("missing") < 0

    def test_expire_changes_the_ttl(self, cache: CacheBase) -> None:
        cache.set("key", "value", 10)
        cache.expire("key", 3600)
        assert 3000 < cache.ttl("key") <= 3600
        assert cache.get("key") == "value"

    @pytest.mark.parametrize("ttl", [0, -1])
    def test_expire_now_makes_the_key_vanish(self, cache: CacheBase, ttl: int) -> None:
        cache.set("key", "value", 60)
        cache.expire("key", ttl)
        assert cache.get("key") is None
        assert cache.ttl("key") < 0
        assert cache.delete("key") is None

    def test_expire_does_not_create_keys(self, cache: CacheBase) -> None:
        cache.expire("missing", 60)
        assert cache.get("missing") is None
        assert cache.ttl("missing") < 0

    @pytest.mark.parametrize("ttl", [0, -5])
    def test_set_with_elapsed_ttl_stores_nothing(self, cache: CacheBase, ttl: int) -> None:
        cache.set("key", "old", 60)
        cache.set("key", "value", ttl)
        assert cache.get("key") is None

    def test_delete_returns_the_old_value(self, cache: CacheBase) -> None:
        cache.set("key", {"a": 1}, 60)
        assert cache.delete("key") == {"a": 1}
        assert cache.get("key") is None
        assert cache.delete("key") is None

    def test_delete_missing_key(self, cache: CacheBase) -> None:
        assert cache.delete("missing") is None

    def test_flush_removes_everything(self, cache: CacheBase) -> None:
        cache.set("a", 1, 60)
        cache.set("b", 2, 60)
        cache.flush()
        assert cache.get("a") is None
        assert cache.get("b") is None

    def test_many_entries_are_kept(self, cache: CacheBase) -> None:
        if type(cache).may_evict_early:
            pytest.skip("the backend may evict entries before they expire")
        value = "x" * 1024
        for index in range(1024):
            cache.set(f"key-{index}", value, 60)
        assert all(cache.get(f"key-{index}") == value for index in range(1024))

    def test_heartbeat_succeeds_and_leaves_nothing(self, cache: CacheBase) -> None:
        request = Request.blank("/__heartbeat__")
        request.registry = Registry("heartbeat-test")
        request.registry.settings = {}
        assert heartbeat(cache)(request) is True
        assert cache.get("__heartbeat__") is None
