"""Index objects by collection timestamp, and their documents for equality filters."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, Table
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, Index

from strato.sql.dialect import Dialect


def upgrade(connection: Connection, dialect: Dialect) -> None:
    # The columns the indexes need, as version 1 created them.
    objects = Table(
        "strato_objects",
        MetaData(),
        Column("resource_name", dialect.key_type()),
        Column("parent_id", dialect.key_type()),
        Column("last_modified", BigInteger),
        Column("data", dialect.document_type()),
    )
    # Serves list pages in timestamp order and ``_since`` polling.
    by_timestamp = Index(
        "strato_objects_timestamp_idx",
        objects.c.resource_name,
        objects.c.parent_id,
        objects.c.last_modified.desc(),
    )
    connection.execute(CreateIndex(by_timestamp, if_not_exists=True))
    by_document = dialect.document_index(objects, "data", "strato_objects_data_idx")
    if by_document is not None:
        connection.execute(CreateIndex(by_document, if_not_exists=True))
