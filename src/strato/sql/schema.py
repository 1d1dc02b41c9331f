"""The tables of the SQL backends, as SQLAlchemy Core objects.

These definitions serve to build statements only; the tables themselves
are created by the numbered migrations of :mod:`strato.sql.migrations`,
which carry the exact column types of each database (``data`` is JSONB on
PostgreSQL and JSON text on SQLite). Every name starts with ``strato_`` so
the tables can live next to an application's own.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, MetaData, Table, Text

__all__ = [
    "access_control_entries",
    "cache_entries",
    "metadata",
    "metadata_table",
    "objects",
    "timestamps",
    "user_principals",
]

metadata = MetaData()

#: ``name -> value`` pairs: schema versions (``storage_schema_version``...).
metadata_table = Table(
    "strato_metadata",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

#: One row per collection ``(resource_name, parent_id)``: its timestamp.
#: Writers lock this row, which serialises them per collection.
timestamps = Table(
    "strato_timestamps",
    metadata,
    Column("resource_name", Text, primary_key=True),
    Column("parent_id", Text, primary_key=True),
    Column("last_modified", BigInteger, nullable=False),
)

#: Objects and tombstones. ``data`` holds the object without its id and
#: timestamp; a tombstone's ``data`` is ``{<deleted field>: true}``.
objects = Table(
    "strato_objects",
    metadata,
    Column("resource_name", Text, primary_key=True),
    Column("parent_id", Text, primary_key=True),
    Column("id", Text, primary_key=True),
    Column("last_modified", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("data", Text, nullable=False),
)

user_principals = Table(
    "strato_user_principals",
    metadata,
    Column("user_id", Text, primary_key=True),
    Column("principal", Text, primary_key=True),
)

access_control_entries = Table(
    "strato_access_control_entries",
    metadata,
    Column("object_id", Text, primary_key=True),
    Column("permission", Text, primary_key=True),
    Column("principal", Text, primary_key=True),
)

#: Cache entries; ``expires_at`` is in epoch milliseconds of the database clock.
cache_entries = Table(
    "strato_cache",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)
