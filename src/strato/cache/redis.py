"""Cache backend stored in Redis, plus the connection helper every Redis plug-in shares.

Select it with ``cache_backend = strato.cache.redis``. Entries live on the
Redis server, so every process pointed at the same server, database and
``cache_prefix`` sees the same cache, and entries survive application
restarts. Requires Redis 6.2 or later and the ``redis`` extra
(``pip install strato[redis]``).

Settings read by :func:`load_from_config`:

- ``cache_url`` (default ``redis://127.0.0.1:6379/0``): server and database;
  redis-py query options such as ``?socket_timeout=2`` are honoured;
- ``cache_prefix`` (default ``""``): prepended to every key;
- ``cache_pool_size`` (default 25): most connections opened per process;
- ``cache_pool_timeout`` (default 5): seconds a call waits for a free
  connection before failing.

:class:`RedisClient` is also used by :mod:`strato.permission.redis` and
:mod:`strato.listeners.redis`; plug-in authors talking to Redis may reuse it
to get the same pool limits and error translation.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, cast
from urllib.parse import urlsplit

import redis
from pyramid.config import Configurator

from strato.cache import CacheBase
from strato.errors import ConfigurationError
from strato.settings import as_float, as_int
from strato.storage.errors import BackendError

__all__ = [
    "DEFAULT_POOL_SIZE",
    "DEFAULT_POOL_TIMEOUT",
    "DEFAULT_URL",
    "RedisCache",
    "RedisClient",
    "load_from_config",
    "redact_url",
]

#: Server used when the ``<prefix>url`` setting is empty.
DEFAULT_URL = "redis://127.0.0.1:6379/0"
#: Connections per process when ``<prefix>pool_size`` is not set.
DEFAULT_POOL_SIZE = 25
#: Seconds to wait for a free connection when ``<prefix>pool_timeout`` is not set.
DEFAULT_POOL_TIMEOUT = 5.0

# Keys are deleted by batches of this size when a prefix is flushed, so a
# large database never turns into one huge command.
_FLUSH_BATCH = 500


def redact_url(url: str) -> str:
    """Return ``url`` without credentials or query, safe for logs and error messages.

    redis-py accepts a password both in the user-info part and as a
    ``password=`` query option, so both parts are dropped.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "<invalid url>"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


class RedisClient:
    """A redis-py client on a bounded, blocking connection pool.

    At most ``pool_size`` connections are opened per process; a call that
    finds them all busy waits up to ``pool_timeout`` seconds, then fails
    instead of hanging. Creating the client opens no connection.

    Every redis-py call must run inside :meth:`translate_errors`, which
    re-raises the library's errors as
    :class:`~strato.storage.errors.BackendError` (the HTTP layer answers
    503). Messages name the redacted server location and the error class,
    never the password nor the command arguments.

    Replies are decoded (``decode_responses=True``): string replies are
    ``str``, never ``bytes``, although redis-py annotates them as both.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        pool_timeout: float = DEFAULT_POOL_TIMEOUT,
        label: str = "Redis",
    ) -> None:
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise ValueError(f"pool_size must be a positive integer, got {pool_size!r}")
        if isinstance(pool_timeout, bool) or not pool_timeout > 0:
            raise ValueError(f"pool_timeout must be a positive number, got {pool_timeout!r}")
        #: Where the server is, without credentials.
        self.location = redact_url(url)
        self.label = label
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=pool_size, timeout=pool_timeout, decode_responses=True
        )
        self._redis: redis.Redis = redis.Redis(connection_pool=pool)

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], prefix: str, *, label: str = "Redis"
    ) -> RedisClient:
        """Build a client from ``<prefix>url``, ``<prefix>pool_size`` and ``<prefix>pool_timeout``.

        Empty or missing settings take the module defaults. Raises
        :class:`~strato.errors.ConfigurationError` naming the setting when a
        value does not fit (the URL is shown redacted).
        """
        url = settings.get(f"{prefix}url") or DEFAULT_URL
        pool_size = _setting(settings, f"{prefix}pool_size", as_int, DEFAULT_POOL_SIZE)
        pool_timeout = _setting(settings, f"{prefix}pool_timeout", as_float, DEFAULT_POOL_TIMEOUT)
        if pool_size < 1:
            raise ConfigurationError(
                f"Setting '{prefix}pool_size': expected a positive integer, got {pool_size!r}"
            )
        if not pool_timeout > 0:
            raise ConfigurationError(
                f"Setting '{prefix}pool_timeout': expected a positive number of seconds, "
                f"got {pool_timeout!r}"
            )
        try:
            return cls(str(url), pool_size=pool_size, pool_timeout=pool_timeout, label=label)
        except ValueError as exc:
            raise ConfigurationError(
                f"Setting '{prefix}url': expected a redis://, rediss:// or unix:// URL, "
                f"got {redact_url(str(url))!r} ({_scrub(str(exc), str(url))})"
            ) from None

    @contextmanager
    def translate_errors(self) -> Iterator[redis.Redis]:
        """Yield the redis-py client; its errors leave the block as ``BackendError``."""
        try:
            yield self._redis
        except redis.RedisError as exc:
            raise BackendError(
                original=exc,
                message=f"{self.label} backend error at {self.location} ({type(exc).__name__})",
            ) from exc

    def delete_prefixed(self, prefix: str) -> None:
        """Delete every key starting with ``prefix``; an empty prefix empties the database.

        Keys are found with ``SCAN`` (never ``KEYS``) and removed in batches
        with ``UNLINK``, so the server stays responsive on large databases.
        Keys written meanwhile under the prefix may survive.
        """
        with self.translate_errors() as conn:
            if not prefix:
                conn.flushdb()
                return
            batch: list[str] = []
            for key in conn.scan_iter(match=_glob_escape(prefix) + "*", count=_FLUSH_BATCH):
                batch.append(key)
                if len(batch) >= _FLUSH_BATCH:
                    conn.unlink(*batch)
                    batch.clear()
            if batch:
                conn.unlink(*batch)

    def close(self) -> None:
        """Close the pooled connections; the client reconnects if used again."""
        self._redis.close()

    def __repr__(self) -> str:
        return f"<RedisClient {self.location}>"


def _setting(settings: Mapping[str, Any], name: str, cast: Any, default: Any) -> Any:
    raw = settings.get(name)
    if raw is None or raw == "":
        return default
    return cast(raw, name)


def _scrub(detail: str, url: str) -> str:
    """Return ``detail``, or only a generic word when it might quote a secret of ``url``."""
    try:
        parts = urlsplit(url)
        secrets = [parts.password, parts.query]
    except ValueError:
        secrets = [url]
    if any(secret and secret in detail for secret in secrets) or url in detail:
        return "invalid value"
    return detail


def _glob_escape(text: str) -> str:
    """Escape ``text`` so a Redis ``MATCH`` pattern reads it literally."""
    return "".join(f"\\{char}" if char in "*?[]\\" else char for char in text)


def _milliseconds(ttl: float) -> int:
    if not math.isfinite(ttl):
        raise ValueError(f"ttl must be a finite number of seconds, got {ttl!r}")
    return max(1, math.ceil(ttl * 1000))


class RedisCache(CacheBase):
    """:class:`~strato.cache.CacheBase` on a Redis server.

    Each entry is one Redis string holding the JSON payload, stored under
    ``prefix + key`` with a millisecond expiry set by Redis itself, so
    expired entries are never returned. :meth:`delete` uses ``GETDEL`` and
    is atomic across processes.

    :meth:`flush` deletes only the keys starting with the prefix; with an
    empty prefix it empties the whole Redis database (``FLUSHDB``), so give
    the cache its own database or a prefix when the database is shared.

    Entries may be evicted early when the server runs with a ``maxmemory``
    eviction policy, hence ``may_evict_early``.
    """

    persistent: ClassVar[bool] = True
    may_evict_early: ClassVar[bool] = True

    def __init__(
        self,
        cache_prefix: str = "",
        *,
        url: str = DEFAULT_URL,
        pool_size: int = DEFAULT_POOL_SIZE,
        pool_timeout: float = DEFAULT_POOL_TIMEOUT,
        client: RedisClient | None = None,
    ) -> None:
        super().__init__(cache_prefix)
        if client is None:
            client = RedisClient(
                url, pool_size=pool_size, pool_timeout=pool_timeout, label="Redis cache"
            )
        #: The connection helper; shared only if passed in explicitly.
        self.client = client

    def flush(self) -> None:
        self.client.delete_prefixed(self.prefix)

    def ttl(self, key: str) -> int:
        with self.client.translate_errors() as conn:
            remaining = int(conn.pttl(self.prefix + key))
        # -2 (absent) and -1 (no expiry, never written by this class) are
        # both reported as "unknown".
        if remaining < 0:
            return -1
        return max(1, math.ceil(remaining / 1000))

    def expire(self, key: str, ttl: float) -> None:
        ttl = self._check_ttl(ttl)
        with self.client.translate_errors() as conn:
            if ttl <= 0:
                conn.delete(self.prefix + key)
            else:
                conn.pexpire(self.prefix + key, _milliseconds(ttl))

    def set(self, key: str, value: Any, ttl: float) -> None:
        ttl = self._check_ttl(ttl)
        payload = self._encode(value)
        with self.client.translate_errors() as conn:
            if ttl <= 0:
                conn.delete(self.prefix + key)
            else:
                conn.set(self.prefix + key, payload, px=_milliseconds(ttl))

    def get(self, key: str) -> Any:
        with self.client.translate_errors() as conn:
            payload = cast("str | None", conn.get(self.prefix + key))
        return None if payload is None else self._decode(payload)

    def delete(self, key: str) -> Any:
        with self.client.translate_errors() as conn:
            payload = cast("str | None", conn.getdel(self.prefix + key))
        return None if payload is None else self._decode(payload)

    def __repr__(self) -> str:
        return f"<RedisCache {self.client.location} prefix={self.prefix!r}>"


def load_from_config(config: Configurator) -> RedisCache:
    """Build the backend for ``cache_backend = strato.cache.redis``.

    Reads ``cache_url``, ``cache_prefix``, ``cache_pool_size`` and
    ``cache_pool_timeout``; connects lazily, on first use. Raises
    :class:`~strato.errors.ConfigurationError` for an unusable value.
    """
    settings = config.get_settings() or {}
    client = RedisClient.from_settings(settings, "cache_", label="Redis cache")
    return RedisCache(settings.get("cache_prefix") or "", client=client)
