"""Create the cache entries table."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, MetaData, Table, Text
from sqlalchemy.engine import Connection

from strato.sql.dialect import Dialect


def upgrade(connection: Connection, dialect: Dialect) -> None:
    metadata = MetaData()
    entries = Table(
        "strato_cache",
        metadata,
        Column("key", dialect.key_type(), primary_key=True),
        Column("value", Text, nullable=False),
        Column("expires_at", BigInteger, nullable=False),
    )
    # Expired entries are purged by range.
    Index("strato_cache_expires_at_idx", entries.c.expires_at)
    metadata.create_all(connection)
