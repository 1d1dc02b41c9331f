"""Cache backend on a SQL database (PostgreSQL or SQLite).

Enable it with::

    cache_backend = strato.cache.sql
    cache_url = postgresql://user@host/db        # or sqlite:///data/cache.sqlite

and create its table with ``strato migrate``. Every call commits at once,
outside the request's transaction: a cached value does not disappear
because the request that wrote it failed. Expiry uses the database clock,
so processes on several machines agree on it. On SQLite the cache needs
its own database file (see :func:`strato.sql.get_client`).

Settings: ``cache_url``, ``cache_prefix`` and the pool settings of
:mod:`strato.sql.engine`; ``cache_auto_migrate`` migrates at start-up.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, ColumnElement, delete, literal, select, update
from sqlalchemy.engine import Connection

from strato.cache import CacheBase
from strato.sql import SQLClient, load_client, migrate
from strato.sql.query import check_no_nul
from strato.sql.schema import cache_entries as entries

if TYPE_CHECKING:
    from pyramid.config import Configurator

__all__ = ["SQLCache", "load_from_config"]

#: Expired entries are purged on one ``set`` out of this many.
PURGE_EVERY = 64


class SQLCache(CacheBase):
    """:class:`~strato.cache.CacheBase` over a :class:`~strato.sql.SQLClient`."""

    persistent: ClassVar[bool] = True
    may_evict_early: ClassVar[bool] = False

    def __init__(self, client: SQLClient, cache_prefix: str = "") -> None:
        super().__init__(cache_prefix)
        self.client = client
        self.dialect = client.dialect
        self._sets = itertools.count()

    def __repr__(self) -> str:
        return f"SQLCache({self.client.label!r}, prefix={self.prefix!r})"

    def initialize_schema(self, dry_run: bool = False) -> None:
        migrate(self.client, "cache", dry_run=dry_run)

    def flush(self) -> None:
        with self._connect() as conn:
            conn.execute(delete(entries))

    def ttl(self, key: str) -> int:
        now = self.dialect.now_ms()
        query = select(entries.c.expires_at - now).where(*self._live(key))
        with self._connect(write=False) as conn:
            left = conn.execute(query).scalar()
        if left is None:
            return -1
        return max(1, math.ceil(int(left) / 1000))

    def expire(self, key: str, ttl: float) -> None:
        ttl = self._check_ttl(ttl)
        with self._connect() as conn:
            if ttl <= 0:
                conn.execute(delete(entries).where(entries.c.key == self._key(key)))
                return
            conn.execute(
                update(entries).where(*self._live(key)).values(expires_at=self._expiry(ttl))
            )

    def set(self, key: str, value: Any, ttl: float) -> None:
        ttl = self._check_ttl(ttl)
        payload = self._encode(value)
        full_key = self._key(key)
        if not self.dialect.stores_nul:
            check_no_nul(full_key, "cache key")
        with self._connect() as conn:
            if ttl <= 0:
                conn.execute(delete(entries).where(entries.c.key == full_key))
                return
            insert = self.dialect.insert(entries).values(
                key=full_key, value=payload, expires_at=self._expiry(ttl)
            )
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[entries.c.key],
                    set_={
                        "value": insert.excluded.value,
                        "expires_at": insert.excluded.expires_at,
                    },
                )
            )
            if next(self._sets) % PURGE_EVERY == 0:
                conn.execute(delete(entries).where(entries.c.expires_at <= self.dialect.now_ms()))

    def get(self, key: str) -> Any:
        query = select(entries.c.value).where(*self._live(key))
        with self._connect(write=False) as conn:
            payload = conn.execute(query).scalar()
        return None if payload is None else self._decode(payload)

    def delete(self, key: str) -> Any:
        alive = entries.c.expires_at > self.dialect.now_ms()
        statement = (
            delete(entries)
            .where(entries.c.key == self._key(key))
            .returning(entries.c.value, alive.label("alive"))
        )
        with self._connect() as conn:
            row = conn.execute(statement).first()
        if row is None or not row.alive:
            return None
        return self._decode(row.value)

    # -- helpers --------------------------------------------------------------

    @contextmanager
    def _connect(self, *, write: bool = True) -> Iterator[Connection]:
        # Never join the request's transaction: the cache always commits.
        with self.client.connect(write=write, join=False) as conn:
            yield conn

    def _key(self, key: str) -> str:
        return self.prefix + key

    def _live(self, key: str) -> tuple[ColumnElement[bool], ...]:
        return (entries.c.key == self._key(key), entries.c.expires_at > self.dialect.now_ms())

    def _expiry(self, ttl: float) -> ColumnElement[int]:
        return self.dialect.now_ms() + literal(math.ceil(ttl * 1000), BigInteger)


def load_from_config(config: Configurator) -> SQLCache:
    """Build the backend from ``cache_url`` (and pool settings) and ``cache_prefix``;
    the schema is checked, or migrated with ``cache_auto_migrate``.
    """
    settings = config.get_settings() or {}
    return SQLCache(load_client(config, "cache"), cache_prefix=settings.get("cache_prefix") or "")
