"""Behaviour of the Redis cache beyond the conformance suite.

Uses database 5 with a key prefix per xdist worker, flushing only that
prefix. Tests needing a server skip without one, except under ``CI``.
"""

import threading
import time
from collections.abc import Iterator

import pytest
import redis
from pyramid.config import Configurator
from pyramid.registry import Registry
from pyramid.request import Request

from strato.cache import CacheBase, heartbeat
from strato.cache.redis import DEFAULT_URL, RedisCache, RedisClient, load_from_config, redact_url
from strato.errors import ConfigurationError
from strato.initialization import load_backend
from strato.storage.errors import BackendError
from tests.services import REDIS_SERVER, WORKER, unavailable

SERVER = REDIS_SERVER
REDIS_URL = f"{SERVER}/5"
# Nothing listens on port 1, so connecting is refused at once.
REFUSED_URL = "redis://:hunter2@127.0.0.1:1/0"


def _make(prefix: str = "", **kw) -> RedisCache:
    return RedisCache(cache_prefix=f"test-redis-cache-{WORKER}:{prefix}", url=REDIS_URL, **kw)


@pytest.fixture
def cache() -> Iterator[RedisCache]:
    backend = _make()
    try:
        backend.flush()
    except BackendError as exc:
        unavailable("Redis", exc)
    yield backend
    backend.flush()
    backend.client.close()


def _raw() -> redis.Redis:
    return redis.Redis.from_url(REDIS_URL, decode_responses=True)


# Failures surface as BackendError, without secrets.


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get("key"),
        lambda c: c.set("key", "value", 60),
        lambda c: c.delete("key"),
        lambda c: c.ttl("key"),
        lambda c: c.expire("key", 60),
        lambda c: c.flush(),
    ],
    ids=["get", "set", "delete", "ttl", "expire", "flush"],
)
def test_connection_refused_raises_backend_error(call) -> None:
    backend = RedisCache(url=REFUSED_URL)
    with pytest.raises(BackendError) as info:
        call(backend)
    assert isinstance(info.value.original, redis.ConnectionError)
    assert info.value.__cause__ is info.value.original
    assert "127.0.0.1:1" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_password_in_query_is_not_shown() -> None:
    backend = RedisCache(url="redis://127.0.0.1:1/0?password=hunter2")
    with pytest.raises(BackendError) as info:
        backend.get("key")
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(backend)


def test_heartbeat_reports_an_unreachable_server() -> None:
    request = Request.blank("/__heartbeat__")
    request.registry = Registry("heartbeat-test")
    request.registry.settings = {}
    assert heartbeat(RedisCache(url=REFUSED_URL))(request) is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://:pw@example.com:6380/2", "redis://example.com:6380/2"),
        ("rediss://user:pw@example.com/0?password=pw", "rediss://example.com/0"),
        ("redis://[::1]:6379/0", "redis://[::1]:6379/0"),
        ("unix:///run/redis.sock?db=1", "unix:///run/redis.sock"),
        ("redis://:pw@example.com:port/0", "<invalid url>"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


# Settings.


def _config(**settings) -> Configurator:
    return Configurator(settings=settings)


def test_defaults() -> None:
    backend = load_from_config(_config())
    assert backend.client.location == DEFAULT_URL
    assert backend.prefix == ""


def test_load_backend_builds_a_redis_cache() -> None:
    config = _config(cache_backend="strato.cache.redis", cache_url=REDIS_URL, cache_prefix="p:")
    backend = load_backend(config, "cache", CacheBase)
    assert isinstance(backend, RedisCache)
    assert backend.prefix == "p:"


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"cache_url": "http://example.com"}, "cache_url"),
        ({"cache_pool_size": "0"}, "cache_pool_size"),
        ({"cache_pool_size": "many"}, "cache_pool_size"),
        ({"cache_pool_timeout": "0"}, "cache_pool_timeout"),
        ({"cache_pool_timeout": "-1"}, "cache_pool_timeout"),
    ],
)
def test_bad_settings_name_the_setting(settings, name) -> None:
    with pytest.raises(ConfigurationError, match=name):
        load_from_config(_config(**settings))


def test_bad_url_error_hides_the_password() -> None:
    with pytest.raises(ConfigurationError) as info:
        load_from_config(_config(cache_url="redis://:hunter2@example.com:port/0"))
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    "kwargs", [{"pool_size": 0}, {"pool_size": 1.5}, {"pool_timeout": 0}, {"pool_timeout": -1}]
)
def test_client_refuses_bad_pool_values(kwargs) -> None:
    with pytest.raises(ValueError):
        RedisClient(REDIS_URL, **kwargs)


def test_pool_settings_bound_the_connections(cache: RedisCache) -> None:
    backend = load_from_config(
        _config(
            cache_url=REDIS_URL,
            cache_prefix=cache.prefix,
            cache_pool_size="2",
            cache_pool_timeout="0.2",
        )
    )
    with backend.client.translate_errors() as conn:
        pool = conn.connection_pool
        held = [pool.get_connection(), pool.get_connection()]
    started = time.monotonic()
    with pytest.raises(BackendError) as info:
        backend.get("key")
    assert time.monotonic() - started < 5
    assert isinstance(info.value.original, redis.ConnectionError)
    pool.release(held.pop())
    backend.set("key", "value", 60)
    assert backend.get("key") == "value"
    pool.release(held.pop())
    backend.client.close()


# Expiry.


def test_fractional_ttl_is_rounded_up(cache: RedisCache) -> None:
    cache.set("key", "value", 0.2)
    assert cache.ttl("key") == 1


def test_entries_expire_on_time(cache: RedisCache) -> None:
    cache.set("short", "value", 0.05)
    cache.set("long", "value", 60)
    cache.set("extended", "value", 0.05)
    cache.expire("extended", 60)
    time.sleep(0.2)
    assert cache.get("short") is None
    assert cache.ttl("short") < 0
    assert cache.delete("short") is None
    assert cache.get("long") == "value"
    assert cache.get("extended") == "value"


def test_expire_shortens_the_ttl(cache: RedisCache) -> None:
    cache.set("key", "value", 3600)
    cache.expire("key", 0.05)
    time.sleep(0.2)
    assert cache.get("key") is None


def test_infinite_ttl_is_refused(cache: RedisCache) -> None:
    with pytest.raises(ValueError):
        cache.set("key", "value", float("inf"))
    assert cache.get("key") is None


# Storage layout and sharing.


def test_values_are_stored_as_json_text(cache: RedisCache) -> None:
    cache.set("key", {"a": [1, "é"]}, 60)
    with _raw() as raw:
        assert raw.get(f"{cache.prefix}key") == '{"a":[1,"\\u00e9"]}'


def test_entries_are_shared_between_instances(cache: RedisCache) -> None:
    other = _make()
    cache.set("key", {"shared": True}, 60)
    assert other.get("key") == {"shared": True}
    assert other.delete("key") == {"shared": True}
    assert cache.get("key") is None
    other.client.close()


def test_flush_removes_only_its_prefix(cache: RedisCache) -> None:
    # Glob characters in a prefix are literal: "a*[" must not match "ab[".
    first = _make("a*[")
    second = _make("ab[")
    first.set("key", 1, 60)
    second.set("key", 2, 60)
    cache.set("outside", 3, 60)
    first.flush()
    assert first.get("key") is None
    assert second.get("key") == 2
    assert cache.get("outside") == 3
    for backend in (first, second):
        backend.flush()
        backend.client.close()


def test_flush_removes_more_keys_than_one_batch(cache: RedisCache) -> None:
    for index in range(1200):
        cache.set(f"key-{index}", index, 60)
    cache.flush()
    with _raw() as raw:
        assert not list(raw.scan_iter(match=f"{cache.prefix}*"))


def test_many_entries_are_kept(cache: RedisCache) -> None:
    value = "x" * 1024
    for index in range(1024):
        cache.set(f"key-{index}", value, 60)
    assert all(cache.get(f"key-{index}") == value for index in range(1024))


def _delete_at_once(cache: RedisCache, key: str, threads: int) -> list[object]:
    barrier = threading.Barrier(threads)
    results: list[object] = []

    def take() -> None:
        barrier.wait()
        results.append(cache.delete(key))

    workers = [threading.Thread(target=take) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def test_concurrent_deletes_return_the_value_once(cache: RedisCache) -> None:
    for attempt in range(20):
        key = f"token-{attempt}"
        cache.set(key, "secret", 60)
        results = _delete_at_once(cache, key, 8)
        assert results.count("secret") == 1
        assert results.count(None) == 7
