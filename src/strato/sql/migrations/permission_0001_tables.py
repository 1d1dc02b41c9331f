"""Create the user principals and access control entries tables."""

from __future__ import annotations

from sqlalchemy import Column, Index, MetaData, Table
from sqlalchemy.engine import Connection

from strato.sql.dialect import Dialect


def upgrade(connection: Connection, dialect: Dialect) -> None:
    metadata = MetaData()
    principals = Table(
        "strato_user_principals",
        metadata,
        Column("user_id", dialect.key_type(), primary_key=True),
        Column("principal", dialect.key_type(), primary_key=True),
    )
    # remove_principal() looks users up by principal.
    Index("strato_user_principals_principal_idx", principals.c.principal)
    aces = Table(
        "strato_access_control_entries",
        metadata,
        Column("object_id", dialect.key_type(), primary_key=True),
        Column("permission", dialect.key_type(), primary_key=True),
        Column("principal", dialect.key_type(), primary_key=True),
    )
    # get_accessible_objects() starts from the caller's principals.
    Index("strato_aces_principal_idx", aces.c.principal, aces.c.permission)
    metadata.create_all(connection)
