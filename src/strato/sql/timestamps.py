"""Collection timestamps, kept strictly increasing by the database.

Every collection ``(resource_name, parent_id)`` has one row in
``strato_timestamps``. A write moves it with :func:`bump`, one statement
that computes ``max(database clock, previous + 1)`` and takes the row's
lock (PostgreSQL; on SQLite the transaction already holds the database
write lock). The lock lasts until the writer's transaction ends, so the
writers of a collection commit one after the other, in timestamp order:
a poller that has seen every change up to ``T`` never later finds a
committed change at or below ``T``.

Writes that must check something first (an ``if_match``, a unicity)
call :func:`lock` before reading, then :func:`bump`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ColumnElement, case, func, literal, select
from sqlalchemy.engine import Connection

from strato.sql.dialect import Dialect
from strato.sql.schema import objects, timestamps

__all__ = ["bump", "ensure", "lock", "of_resource", "read"]

_KEY = [timestamps.c.resource_name, timestamps.c.parent_id]


def _where(resource_name: str, parent_id: str) -> tuple[ColumnElement[bool], ...]:
    return (timestamps.c.resource_name == resource_name, timestamps.c.parent_id == parent_id)


def read(conn: Connection, resource_name: str, parent_id: str) -> int | None:
    """The collection's timestamp, None when it has none yet."""
    query = select(timestamps.c.last_modified).where(*_where(resource_name, parent_id))
    current = conn.execute(query).scalar()
    return None if current is None else int(current)


def of_resource(conn: Connection, resource_name: str) -> dict[str, int]:
    """``{parent_id: timestamp}`` of every collection of ``resource_name``."""
    query = select(timestamps.c.parent_id, timestamps.c.last_modified).where(
        timestamps.c.resource_name == resource_name
    )
    return {parent: int(stamp) for parent, stamp in conn.execute(query)}


def lock(conn: Connection, resource_name: str, parent_id: str) -> int | None:
    """Lock the collection until the transaction ends; return its timestamp.

    A collection without a timestamp has no row to lock: :func:`bump`
    creates it, and concurrent creators of the row queue on it.
    """
    query = (
        select(timestamps.c.last_modified)
        .where(*_where(resource_name, parent_id))
        .with_for_update()
    )
    current = conn.execute(query).scalar()
    return None if current is None else int(current)


def _floor(resource_name: str, parent_id: str) -> ColumnElement[int]:
    # A collection without a timestamp row should have no object; if it has
    # some (a row removed by hand), new timestamps still go above them.
    newest = select(func.max(objects.c.last_modified) + 1).where(
        objects.c.resource_name == resource_name, objects.c.parent_id == parent_id
    )
    return func.coalesce(newest.scalar_subquery(), 0)


def ensure(conn: Connection, dialect: Dialect, resource_name: str, parent_id: str) -> int:
    """The collection's timestamp, created from the clock if it has none.

    Concurrent first reads agree: one insert wins, the others read it.
    """
    insert = dialect.insert(timestamps).values(
        resource_name=resource_name,
        parent_id=parent_id,
        last_modified=dialect.greatest(dialect.now_ms(), _floor(resource_name, parent_id)),
    )
    conn.execute(insert.on_conflict_do_nothing(index_elements=_KEY))
    current = read(conn, resource_name, parent_id)
    assert current is not None
    return current


def bump(
    conn: Connection,
    dialect: Dialect,
    resource_name: str,
    parent_id: str,
    *,
    at_least: int | None = None,
    preferred: int | None = None,
    count: int = 1,
) -> int:
    """Move the collection's timestamp, lock the collection, return the new value.

    The new value is ``max(now, previous + 1, at_least)``, plus ``count - 1``
    when ``count`` timestamps are reserved at once (the caller uses the
    ``count`` values ending at the returned one). ``preferred`` replaces
    that computation when it is greater than the previous value (a client
    timestamp that must be kept).
    """
    now = dialect.now_ms()
    extra = literal(count - 1, BigInteger)
    lower = [] if at_least is None else [literal(at_least, BigInteger)]
    first = dialect.greatest(now, _floor(resource_name, parent_id), *lower) + extra
    following = dialect.greatest(now, timestamps.c.last_modified + 1, *lower) + extra
    if preferred is not None:
        wanted = literal(preferred, BigInteger)
        first = wanted
        following = case((timestamps.c.last_modified < wanted, wanted), else_=following)
    insert = dialect.insert(timestamps).values(
        resource_name=resource_name, parent_id=parent_id, last_modified=first
    )
    statement = insert.on_conflict_do_update(
        index_elements=_KEY, set_={"last_modified": following}
    ).returning(timestamps.c.last_modified)
    return int(conn.execute(statement).scalar_one())
