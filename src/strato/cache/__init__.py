"""Short-lived shared values: the cache backend interface.

strato keeps pagination tokens, per-request lookups and similar
disposable data in the cache. Service authors pick a backend by dotted
name in the ``cache_backend`` setting and may use it through the request's
registry; plug-in authors start from :class:`CacheBase` and run
:class:`strato.cache.testing.CacheTest` against their backend.

A cache is not a store: any entry may vanish before its expiry (see
:attr:`CacheBase.may_evict_early`), so callers must treat a miss as normal.
"""

from __future__ import annotations

import abc
import json
import logging
import typing
from collections.abc import Callable
from typing import Any, ClassVar

if typing.TYPE_CHECKING:
    from pyramid.request import Request

__all__ = ["CacheBase", "heartbeat"]

_logger = logging.getLogger(__name__)

_HEARTBEAT_KEY = "__heartbeat__"
_HEARTBEAT_VALUE = "alive"
_HEARTBEAT_TTL = 3600


class CacheBase(abc.ABC):
    """Interface every cache backend implements.

    For plug-in authors: subclass this, call ``super().__init__`` with the
    prefix, implement the abstract methods, declare the capability flags,
    expose a module-level ``load_from_config(config)`` factory, and make
    the conformance suite :class:`strato.cache.testing.CacheTest` pass.
    Use :meth:`_encode` and :meth:`_decode` so every backend accepts and
    returns exactly the same values.

    What callers may rely on, whatever the backend:

    - keys are strings; the backend stores them as ``prefix + key``, so
      several services can share one server with different prefixes;
    - values round-trip through JSON: what :meth:`get` returns is a fresh
      copy, tuples come back as lists and non-string dict keys as strings;
    - an entry is never returned after its time-to-live has run out;
    - backend failures are raised as the backend layer's own errors, never
      as a driver's exception types.
    """

    #: Entries survive a process restart and are shared by every process
    #: configured with the same backend and prefix.
    persistent: ClassVar[bool]
    #: Entries may disappear before they expire (size cap, memory
    #: pressure). Callers must always be ready for a miss anyway.
    may_evict_early: ClassVar[bool]

    def __init__(self, cache_prefix: str = "") -> None:
        #: Prepended to every key before it reaches the underlying store.
        self.prefix = cache_prefix

    def initialize_schema(self, dry_run: bool = False) -> None:
        """Create whatever storage the backend needs; safe to call repeatedly.

        With ``dry_run`` the backend reports (logs) what it would do and
        changes nothing. Backends without a schema keep this default no-op.
        """
        return None

    @abc.abstractmethod
    def flush(self) -> None:
        """Delete every entry of the underlying store.

        Meant for tests and the ``flush`` command. Backends whose store is
        shared may remove entries of other prefixes too; do not use it to
        invalidate one service's keys.
        """

    @abc.abstractmethod
    def ttl(self, key: str) -> int:
        """Return the whole seconds left before ``key`` expires.

        A live entry reports at least 1 (partial seconds are rounded up).
        A negative number means the key is absent or already expired;
        compare with ``< 0`` since backends may use -1 or -2.
        """

    @abc.abstractmethod
    def expire(self, key: str, ttl: float) -> None:
        """Make ``key`` expire ``ttl`` seconds from now.

        A ``ttl`` of 0 or less expires it at once. Absent keys are left
        absent (this never creates an entry).
        """

    @abc.abstractmethod
    def set(self, key: str, value: Any, ttl: float) -> None:
        """Store ``value`` under ``key`` for ``ttl`` seconds, replacing any entry.

        ``ttl`` is mandatory: nothing is cached forever. A ``ttl`` of 0 or
        less stores nothing readable. Backends may round ``ttl`` to their
        own resolution.

        Raises :class:`TypeError` when ``value`` cannot be encoded as JSON
        (``bytes``, sets, arbitrary objects) or ``ttl`` is None, and
        :class:`ValueError` for NaN or infinite floats. Nothing is stored
        when it raises.
        """

    @abc.abstractmethod
    def get(self, key: str) -> Any:
        """Return a copy of the value stored under ``key``, or None.

        None means absent or expired; a stored None is indistinguishable
        from a miss, so do not cache None when the difference matters.
        """

    @abc.abstractmethod
    def delete(self, key: str) -> Any:
        """Remove ``key`` and return the value it held (None when absent or expired).

        Remove-and-return is atomic: when several callers delete the same
        key at once, exactly one of them gets the value.
        """

    @staticmethod
    def _encode(value: Any) -> str:
        """Serialize ``value`` the way every backend must, raising as :meth:`set` says."""
        if isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(
                f"cache values must be JSON-serializable; got {type(value).__name__}, "
                "decode it to str first"
            )
        return json.dumps(value, allow_nan=False, separators=(",", ":"))

    @staticmethod
    def _decode(payload: str) -> Any:
        """Turn a payload written by :meth:`_encode` back into a value."""
        return json.loads(payload)

    @staticmethod
    def _check_ttl(ttl: float) -> float:
        """Reject a missing or non-numeric ``ttl`` before anything is stored."""
        if ttl is None or isinstance(ttl, bool) or not isinstance(ttl, int | float):
            raise TypeError(f"ttl must be a number of seconds, got {ttl!r}")
        return ttl


def heartbeat(backend: CacheBase) -> Callable[[Request], bool]:
    """Build the ``__heartbeat__`` check for ``backend``.

    The returned callable writes a reserved key, reads it back and deletes
    it, answering True only when the value read equals the one written.
    It never raises: a failure is logged and reported as False.
    """

    def check(request: Request) -> bool:
        try:
            backend.set(_HEARTBEAT_KEY, _HEARTBEAT_VALUE, _HEARTBEAT_TTL)
            alive: bool = backend.get(_HEARTBEAT_KEY) == _HEARTBEAT_VALUE
            backend.delete(_HEARTBEAT_KEY)
        except Exception:
            _logger.exception("cache backend heartbeat failed")
            return False
        return alive

    return check
