"""Cache backend kept in process memory.

Select it with ``cache_backend = strato.cache.memory``. Entries are lost on
restart and invisible to other processes, so it suits tests, prototypes
and single-process services.

Settings read by :func:`load_from_config`:

- ``cache_prefix`` (default ``""``): prepended to every key;
- ``cache_max_size_bytes`` (default 524288): size cap, see
  :class:`MemoryCache`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from pyramid.config import Configurator

from strato.cache import CacheBase
from strato.errors import ConfigurationError

__all__ = ["DEFAULT_MAX_SIZE_BYTES", "MemoryCache", "load_from_config"]

#: Size cap used when ``cache_max_size_bytes`` is not set (512 KiB).
DEFAULT_MAX_SIZE_BYTES = 512 * 1024

# After an overflow, entries are evicted until the total is at most this
# share of the cap, so a cache at its limit does not evict on every write.
_EVICTION_TARGET = 0.8


@dataclass(slots=True)
class _Entry:
    payload: str
    expires_at: float
    size: int


class MemoryCache(CacheBase):
    """Thread-safe, size-capped :class:`~strato.cache.CacheBase` in a dict.

    The size of an entry is the UTF-8 length of its prefixed key plus that
    of its JSON payload (compact separators). When a write pushes the total
    above ``cache_max_size_bytes``, expired entries are dropped first, then
    the least recently *set* entries (reads and :meth:`expire` do not
    refresh an entry's age) until the total is at most 80 % of the cap.
    The entry just written is always kept, except that a single entry
    larger than the whole cap is not stored at all (the key then reads as
    absent, and nothing else is evicted for it). Pass
    ``cache_max_size_bytes=None`` for no cap.

    ``clock`` returns seconds on a monotonic scale; tests may inject a fake
    one to move time forward.
    """

    persistent: ClassVar[bool] = False
    may_evict_early: ClassVar[bool] = True

    def __init__(
        self,
        cache_prefix: str = "",
        *,
        cache_max_size_bytes: int | None = DEFAULT_MAX_SIZE_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if cache_max_size_bytes is not None and cache_max_size_bytes <= 0:
            raise ValueError(
                f"cache_max_size_bytes must be positive or None, got {cache_max_size_bytes!r}"
            )
        super().__init__(cache_prefix)
        self.max_size_bytes = cache_max_size_bytes
        self._clock = clock
        self._lock = threading.RLock()
        # Insertion order is the eviction order: oldest set first.
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._size = 0

    def flush(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def ttl(self, key: str) -> int:
        with self._lock:
            entry = self._live_entry(self.prefix + key)
            if entry is None:
                return -1
            return math.ceil(entry.expires_at - self._clock())

    def expire(self, key: str, ttl: float) -> None:
        ttl = self._check_ttl(ttl)
        with self._lock:
            full_key = self.prefix + key
            entry = self._live_entry(full_key)
            if entry is None:
                return
            if ttl <= 0:
                self._pop(full_key)
            else:
                entry.expires_at = self._clock() + ttl

    def set(self, key: str, value: Any, ttl: float) -> None:
        ttl = self._check_ttl(ttl)
        payload = self._encode(value)
        full_key = self.prefix + key
        size = len(full_key.encode()) + len(payload.encode())
        cap = self.max_size_bytes
        with self._lock:
            self._pop(full_key)
            if ttl <= 0 or (cap is not None and size > cap):
                return
            self._entries[full_key] = _Entry(payload, self._clock() + ttl, size)
            self._size += size
            if cap is not None and self._size > cap:
                self._shrink(cap * _EVICTION_TARGET, keep=full_key)

    def get(self, key: str) -> Any:
        with self._lock:
            entry = self._live_entry(self.prefix + key)
            payload = None if entry is None else entry.payload
        return None if payload is None else self._decode(payload)

    def delete(self, key: str) -> Any:
        with self._lock:
            entry = self._live_entry(self.prefix + key)
            if entry is None:
                return None
            self._pop(self.prefix + key)
        return self._decode(entry.payload)

    def _live_entry(self, full_key: str) -> _Entry | None:
        entry = self._entries.get(full_key)
        if entry is not None and entry.expires_at <= self._clock():
            self._pop(full_key)
            return None
        return entry

    def _pop(self, full_key: str) -> None:
        entry = self._entries.pop(full_key, None)
        if entry is not None:
            self._size -= entry.size

    def _shrink(self, target: float, keep: str) -> None:
        now = self._clock()
        for full_key in [k for k, e in self._entries.items() if e.expires_at <= now]:
            self._pop(full_key)
        for full_key in list(self._entries):
            if self._size <= target:
                return
            if full_key != keep:
                self._pop(full_key)


def load_from_config(config: Configurator) -> MemoryCache:
    """Build the backend for ``cache_backend = strato.cache.memory``.

    Missing settings take their defaults. Raises
    :class:`~strato.errors.ConfigurationError` when
    ``cache_max_size_bytes`` is not a positive integer.
    """
    settings = config.get_settings() or {}
    prefix = settings.get("cache_prefix") or ""
    raw_size = settings.get("cache_max_size_bytes")
    if raw_size is None or raw_size == "":
        max_size = DEFAULT_MAX_SIZE_BYTES
    else:
        try:
            max_size = int(raw_size)
        except (TypeError, ValueError):
            max_size = 0
        if max_size <= 0 or isinstance(raw_size, bool | float):
            raise ConfigurationError(
                f"cache_max_size_bytes: expected a positive integer number of bytes, "
                f"got {raw_size!r}"
            )
    return MemoryCache(prefix, cache_max_size_bytes=max_size)
