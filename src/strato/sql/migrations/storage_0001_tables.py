"""Create the objects and collection timestamps tables."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, MetaData, Table
from sqlalchemy.engine import Connection

from strato.sql.dialect import Dialect


def upgrade(connection: Connection, dialect: Dialect) -> None:
    metadata = MetaData()
    Table(
        "strato_timestamps",
        metadata,
        Column("resource_name", dialect.key_type(), primary_key=True),
        Column("parent_id", dialect.key_type(), primary_key=True),
        Column("last_modified", BigInteger, nullable=False),
    )
    Table(
        "strato_objects",
        metadata,
        Column("resource_name", dialect.key_type(), primary_key=True),
        Column("parent_id", dialect.key_type(), primary_key=True),
        Column("id", dialect.key_type(), primary_key=True),
        Column("last_modified", BigInteger, nullable=False),
        Column("deleted", Boolean, nullable=False),
        Column("data", dialect.document_type(), nullable=False),
    )
    metadata.create_all(connection)
