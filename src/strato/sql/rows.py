"""Rows of the objects table: read one, store one, turn rows into objects.

A row holds the object without its id and timestamp (``data``), which
have their own columns; a tombstone has ``deleted`` set and ``data`` equal
to ``{<deleted field>: true}``, so filters see tombstones the way the
memory backend shows them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Connection

from strato.sql.dialect import Dialect, canonical_json
from strato.sql.schema import objects

__all__ = ["read", "remove", "store", "to_object", "tombstone"]

_KEY = [objects.c.resource_name, objects.c.parent_id, objects.c.id]
_COLUMNS = (objects.c.id, objects.c.last_modified, objects.c.deleted, objects.c.data)


def tombstone(
    object_id: str, timestamp: int, id_field: str, modified_field: str, deleted_field: str
) -> dict[str, Any]:
    return {id_field: object_id, modified_field: timestamp, deleted_field: True}


def read(conn: Connection, resource_name: str, parent_id: str, object_id: str) -> Any:
    """The row of ``object_id`` (live or tombstone), None when there is none."""
    statement = select(*_COLUMNS).where(
        objects.c.resource_name == resource_name,
        objects.c.parent_id == parent_id,
        objects.c.id == object_id,
    )
    return conn.execute(statement).first()


def select_columns() -> tuple[Any, ...]:
    """The columns :func:`to_object` needs."""
    return _COLUMNS


def to_object(
    dialect: Dialect, row: Any, id_field: str, modified_field: str, deleted_field: str
) -> dict[str, Any]:
    """The object (or tombstone) of a row, with the caller's field names."""
    if row.deleted:
        return tombstone(row.id, int(row.last_modified), id_field, modified_field, deleted_field)
    data: dict[str, Any] = dialect.load_document(row.data)
    data[id_field] = row.id
    data[modified_field] = int(row.last_modified)
    return data


def store(
    conn: Connection,
    dialect: Dialect,
    key: tuple[str, str, str],
    timestamp: int,
    body: dict[str, Any],
    *,
    replace_live: bool = True,
) -> bool:
    """Insert or replace the object ``key``; False when a live one blocks it.

    Tombstones are always replaced, live objects only with ``replace_live``.
    """
    resource_name, parent_id, object_id = key
    insert = dialect.insert(objects).values(
        resource_name=resource_name,
        parent_id=parent_id,
        id=object_id,
        last_modified=timestamp,
        deleted=False,
        data=dialect.document_param(canonical_json(body)),
    )
    statement = insert.on_conflict_do_update(
        index_elements=_KEY,
        set_={
            "last_modified": insert.excluded.last_modified,
            "deleted": insert.excluded.deleted,
            "data": insert.excluded.data,
        },
        where=None if replace_live else objects.c.deleted,
    ).returning(objects.c.id)
    return conn.execute(statement).first() is not None


def remove(
    conn: Connection,
    dialect: Dialect,
    doomed: list[tuple[str, str, str, int]],
    *,
    with_deleted: bool,
    deleted_field: str,
) -> None:
    """Turn ``(resource_name, parent_id, id, timestamp)`` rows into tombstones,
    or delete them without trace when not ``with_deleted``."""
    if not doomed:
        return
    where = (
        objects.c.resource_name == bindparam("b_resource"),
        objects.c.parent_id == bindparam("b_parent"),
        objects.c.id == bindparam("b_id"),
    )
    if with_deleted:
        data = dialect.document_param(canonical_json({deleted_field: True}))
        statement: Any = (
            update(objects)
            .where(*where)
            .values(last_modified=bindparam("b_stamp"), deleted=True, data=data)
        )
    else:
        statement = delete(objects).where(*where)
    params = [{"b_resource": r, "b_parent": p, "b_id": i, "b_stamp": s} for r, p, i, s in doomed]
    conn.execute(statement, params)
