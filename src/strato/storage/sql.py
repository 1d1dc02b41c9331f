"""Storage backend on a SQL database: PostgreSQL in production, SQLite embedded.

Enable it with::

    storage_backend = strato.storage.sql
    storage_url = postgresql://user@host/db      # or sqlite:///data/strato.sqlite

and create the tables with ``strato migrate`` (pool and schema settings:
:mod:`strato.sql.engine`, :func:`strato.sql.load_client`).

How the guarantees of :class:`~strato.storage.StorageBase` are kept:

- Timestamps come from the database clock, inside the write's
  transaction: every write to a collection first locks the collection's
  row of the timestamps table (row lock on PostgreSQL, the database write
  lock on SQLite), then moves it to ``max(now, previous + 1)``. Writers to
  one collection are therefore serialised until they commit, so timestamps
  strictly increase in commit order and ``_since`` polling never misses a
  committed change (:mod:`strato.sql.timestamps`).
- Conditional writes (``if_match``) read the object after taking that
  lock, in the same transaction as the write.
- During a request, every call joins the request's transaction (see
  :mod:`strato.sql.session`); otherwise each call commits by itself.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, ClassVar

from pyramid.settings import asbool
from sqlalchemy import ColumnElement, delete, exists, func, select, tuple_
from sqlalchemy.engine import Connection

from strato.sql import SQLClient, load_client, migrate
from strato.sql import rows as _rows
from strato.sql import timestamps as _clock
from strato.sql.dialect import canonical_json
from strato.sql.query import ObjectQuery, check_no_nul
from strato.sql.schema import objects, timestamps
from strato.storage import (
    DEFAULT_DELETED_FIELD,
    DEFAULT_ID_FIELD,
    DEFAULT_MAX_FETCH_SIZE,
    DEFAULT_MODIFIED_FIELD,
    ObjectModifiedError,
    ObjectNotFoundError,
    ReadonlyError,
    StorageBase,
    UnicityError,
    _Filters,
    _IdGenerator,
    _Object,
    _PaginationRules,
    _Sorting,
)

if TYPE_CHECKING:
    from pyramid.config import Configurator

__all__ = ["PURGE_BATCH_SIZE", "SQLStorage", "load_from_config"]

#: Tombstones removed per statement (and per transaction outside requests)
#: by :meth:`SQLStorage.purge_deleted`.
PURGE_BATCH_SIZE = 1000


class SQLStorage(StorageBase):
    """:class:`~strato.storage.StorageBase` over a :class:`~strato.sql.SQLClient`.

    Thread-safe and safe for several processes sharing the database. Keys
    of stored objects, ids and filter values may not contain NUL
    characters on PostgreSQL (:class:`ValueError`).
    """

    supports_transactions: ClassVar[bool] = True
    supports_dotted_keys: ClassVar[bool] = True

    def __init__(
        self,
        client: SQLClient,
        *,
        max_fetch_size: int = DEFAULT_MAX_FETCH_SIZE,
        readonly: bool = False,
    ) -> None:
        super().__init__(max_fetch_size=max_fetch_size, readonly=readonly)
        self.client = client
        self.dialect = client.dialect

    def __repr__(self) -> str:
        return f"SQLStorage({self.client.label!r}, readonly={self.readonly})"

    # -- schema -------------------------------------------------------------

    def initialize_schema(self, *, dry_run: bool = False) -> None:
        migrate(self.client, "storage", dry_run=dry_run)

    def flush(self) -> None:
        with self._connect(write=True) as conn:
            conn.execute(delete(objects))
            conn.execute(delete(timestamps))

    # -- timestamps ---------------------------------------------------------

    def resource_timestamp(self, resource_name: str, parent_id: str) -> int:
        with self._connect(write=False) as conn:
            current = _clock.read(conn, resource_name, parent_id)
        if current is not None:
            return current
        if self.readonly:
            raise ReadonlyError(
                message="Cannot create the timestamp of an empty collection in readonly mode"
            )
        with self._connect(write=True) as conn:
            return _clock.ensure(conn, self.dialect, resource_name, parent_id)

    def all_resources_timestamps(self, resource_name: str) -> dict[str, int]:
        with self._connect(write=False) as conn:
            return _clock.of_resource(conn, resource_name)

    # -- single objects -----------------------------------------------------

    def create(
        self,
        resource_name: str,
        parent_id: str,
        obj: _Object,
        id_generator: _IdGenerator | None = None,
        *,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
    ) -> _Object:
        self._check_writable()
        data = self._import(obj)
        object_id = data.get(id_field)
        if object_id is None:
            object_id = (id_generator or _uuid4)()
        if not isinstance(object_id, str):
            raise TypeError(f"Object ids are strings, not {type(object_id).__name__}")
        self._check_key(resource_name, parent_id, object_id)
        given = _given_timestamp(data.get(modified_field))
        body = _body(data, id_field, modified_field)
        with self._connect(write=True) as conn:
            previous = _clock.lock(conn, resource_name, parent_id)
            row = _rows.read(conn, resource_name, parent_id, object_id)
            if row is not None and not row.deleted:
                existing = self._to_object(row, id_field, modified_field, DEFAULT_DELETED_FIELD)
                raise UnicityError(id_field, existing)
            # A collection without timestamp row has nothing to lock yet: a
            # concurrent creator may win the race, then this write is undone.
            with conn.begin_nested() if previous is None else nullcontext():
                if given is not None and previous is not None and given < previous:
                    timestamp = given  # older data imported: the collection keeps its timestamp
                elif given is not None and given != previous:
                    bumped = _clock.bump(
                        conn, self.dialect, resource_name, parent_id, preferred=given
                    )
                    timestamp = given if bumped == given else bumped
                else:
                    timestamp = _clock.bump(conn, self.dialect, resource_name, parent_id)
                key = (resource_name, parent_id, object_id)
                stored = _rows.store(conn, self.dialect, key, timestamp, body, replace_live=False)
                if not stored:
                    row = _rows.read(conn, resource_name, parent_id, object_id)
                    raise UnicityError(
                        id_field,
                        None
                        if row is None
                        else self._to_object(row, id_field, modified_field, DEFAULT_DELETED_FIELD),
                    )
        return {**body, id_field: object_id, modified_field: timestamp}

    def get(
        self,
        resource_name: str,
        parent_id: str,
        object_id: str,
        *,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
    ) -> _Object:
        with self._connect(write=False) as conn:
            row = _rows.read(conn, resource_name, parent_id, object_id)
        if row is None or row.deleted:
            raise ObjectNotFoundError(object_id)
        return self._to_object(row, id_field, modified_field, DEFAULT_DELETED_FIELD)

    def update(
        self,
        resource_name: str,
        parent_id: str,
        object_id: str,
        obj: _Object,
        *,
        if_match: int | None = None,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
    ) -> _Object:
        self._check_writable()
        data = self._import(obj)
        self._check_key(resource_name, parent_id, object_id)
        given = _given_timestamp(data.get(modified_field))
        body = _body(data, id_field, modified_field)
        with self._connect(write=True) as conn:
            if if_match is not None:
                _clock.lock(conn, resource_name, parent_id)
                row = _rows.read(conn, resource_name, parent_id, object_id)
                self._check_if_match(row, if_match, id_field, modified_field)
            timestamp = _clock.bump(conn, self.dialect, resource_name, parent_id, at_least=given)
            _rows.store(conn, self.dialect, (resource_name, parent_id, object_id), timestamp, body)
        return {**body, id_field: object_id, modified_field: timestamp}

    def delete(
        self,
        resource_name: str,
        parent_id: str,
        object_id: str,
        *,
        with_deleted: bool = True,
        last_modified: int | None = None,
        if_match: int | None = None,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
        deleted_field: str = DEFAULT_DELETED_FIELD,
    ) -> _Object:
        self._check_writable()
        with self._connect(write=True) as conn:
            _clock.lock(conn, resource_name, parent_id)
            row = _rows.read(conn, resource_name, parent_id, object_id)
            if row is None or row.deleted:
                raise ObjectNotFoundError(object_id)
            self._check_if_match(row, if_match, id_field, modified_field)
            given = _given_timestamp(last_modified)
            timestamp = _clock.bump(conn, self.dialect, resource_name, parent_id, preferred=given)
            doomed = [(resource_name, parent_id, object_id, timestamp)]
            _rows.remove(
                conn, self.dialect, doomed, with_deleted=with_deleted, deleted_field=deleted_field
            )
        return _rows.tombstone(object_id, timestamp, id_field, modified_field, deleted_field)

    # -- sets of objects ----------------------------------------------------

    def delete_all(
        self,
        resource_name: str | None,
        parent_id: str,
        filters: _Filters | None = None,
        sorting: _Sorting | None = None,
        pagination_rules: _PaginationRules | None = None,
        limit: int | None = None,
        *,
        with_deleted: bool = True,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
        deleted_field: str = DEFAULT_DELETED_FIELD,
    ) -> list[_Object]:
        self._check_writable()
        query = ObjectQuery(self.dialect, id_field=id_field, modified_field=modified_field)
        selection = (
            select(objects.c.resource_name, objects.c.parent_id, objects.c.id)
            .where(*self._conditions(query, resource_name, parent_id, filters, pagination_rules))
            .order_by(*query.order_by(sorting))
            .limit(limit or None)
        )
        # Lock the collections concerned, always in the same order.
        locks = (
            select(timestamps.c.resource_name, timestamps.c.parent_id)
            .where(*query.collection(resource_name, parent_id, timestamps))
            .order_by(timestamps.c.resource_name, timestamps.c.parent_id)
            .with_for_update()
        )
        with self._connect(write=True) as conn:
            conn.execute(locks).all()
            selected = conn.execute(selection).all()
            counts: dict[tuple[str, str], int] = {}
            for row in selected:
                key = (row.resource_name, row.parent_id)
                counts[key] = counts.get(key, 0) + 1
            # Each collection reserves one timestamp per deleted object.
            next_stamp = {
                key: _clock.bump(conn, self.dialect, *key, count=count) - count + 1
                for key, count in counts.items()
            }
            doomed = []
            for row in selected:
                key = (row.resource_name, row.parent_id)
                doomed.append((*key, row.id, next_stamp[key]))
                next_stamp[key] += 1
            _rows.remove(
                conn, self.dialect, doomed, with_deleted=with_deleted, deleted_field=deleted_field
            )
        return [
            _rows.tombstone(object_id, stamp, id_field, modified_field, deleted_field)
            for _, _, object_id, stamp in doomed
        ]

    def purge_deleted(
        self,
        resource_name: str | None,
        parent_id: str,
        *,
        before: int | None = None,
        max_retained: int | None = None,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
    ) -> int:
        """Remove tombstones in batches of :data:`PURGE_BATCH_SIZE`.

        Outside a request each batch commits by itself, so a large purge
        never holds long locks nor loses its progress if interrupted.
        """
        if before is not None and max_retained is not None:
            raise ValueError("purge_deleted() takes either before or max_retained, not both")
        if max_retained is not None and max_retained < 0:
            raise ValueError(f"max_retained must be positive or zero, not {max_retained}")
        self._check_writable()
        query = ObjectQuery(self.dialect, id_field=id_field, modified_field=modified_field)
        conditions = [*query.collection(resource_name, parent_id), objects.c.deleted]
        if before is not None:
            conditions.append(objects.c.last_modified < before)
        key = (objects.c.resource_name, objects.c.parent_id, objects.c.id)
        if max_retained is None:
            doomed = select(*key).where(*conditions).limit(PURGE_BATCH_SIZE)
        else:
            position = func.row_number().over(
                partition_by=key[:2], order_by=objects.c.last_modified.desc()
            )
            ranked = select(*key, position.label("position")).where(*conditions).subquery()
            doomed = (
                select(ranked.c.resource_name, ranked.c.parent_id, ranked.c.id)
                .where(ranked.c.position > max_retained)
                .limit(PURGE_BATCH_SIZE)
            )
        removed = 0
        while True:
            with self._connect(write=True) as conn:
                count = conn.execute(delete(objects).where(tuple_(*key).in_(doomed))).rowcount
            removed += count
            if count < PURGE_BATCH_SIZE:
                break
        if before is None and max_retained is None:
            with self._connect(write=True) as conn:
                conn.execute(
                    delete(timestamps).where(
                        *query.collection(resource_name, parent_id, timestamps),
                        ~exists().where(
                            objects.c.resource_name == timestamps.c.resource_name,
                            objects.c.parent_id == timestamps.c.parent_id,
                        ),
                    )
                )
        return removed

    def list_all(
        self,
        resource_name: str,
        parent_id: str,
        filters: _Filters | None = None,
        sorting: _Sorting | None = None,
        pagination_rules: _PaginationRules | None = None,
        limit: int | None = None,
        *,
        include_deleted: bool = False,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
        deleted_field: str = DEFAULT_DELETED_FIELD,
    ) -> list[_Object]:
        cap = self.fetch_cap(limit)
        query = ObjectQuery(self.dialect, id_field=id_field, modified_field=modified_field)
        conditions = self._conditions(
            query, resource_name, parent_id, filters, pagination_rules, include_deleted
        )
        statement = (
            select(*_rows.select_columns())
            .where(*conditions)
            .order_by(*query.order_by(sorting))
            .limit(cap)
        )
        with self._connect(write=False) as conn:
            found = conn.execute(statement).all()
        return [self._to_object(row, id_field, modified_field, deleted_field) for row in found]

    def count_all(
        self,
        resource_name: str,
        parent_id: str,
        filters: _Filters | None = None,
        *,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
        deleted_field: str = DEFAULT_DELETED_FIELD,
    ) -> int:
        query = ObjectQuery(self.dialect, id_field=id_field, modified_field=modified_field)
        conditions = self._conditions(query, resource_name, parent_id, filters, None)
        statement = select(func.count()).select_from(objects).where(*conditions)
        with self._connect(write=False) as conn:
            return int(conn.execute(statement).scalar_one())

    def trim_objects(
        self,
        resource_name: str,
        parent_id: str,
        filters: _Filters | None,
        max_objects: int,
        *,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
    ) -> int:
        if max_objects < 0:
            raise ValueError(f"max_objects must be positive or zero, not {max_objects}")
        self._check_writable()
        query = ObjectQuery(self.dialect, id_field=id_field, modified_field=modified_field)
        key = (objects.c.resource_name, objects.c.parent_id, objects.c.id)
        doomed = (
            select(*key)
            .where(*self._conditions(query, resource_name, parent_id, filters, None))
            .order_by(objects.c.last_modified.desc())
            .offset(max_objects)
        )
        with self._connect(write=True) as conn:
            return int(conn.execute(delete(objects).where(tuple_(*key).in_(doomed))).rowcount)

    # -- helpers ------------------------------------------------------------

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[Connection]:
        with self.client.connect(write=write) as conn:
            yield conn

    def _check_writable(self) -> None:
        if self.readonly:
            raise ReadonlyError(message="The storage backend is readonly")

    def _check_key(self, resource_name: str, parent_id: str, object_id: str) -> None:
        for value, what in ((resource_name, "resource_name"), (parent_id, "parent_id")):
            check_no_nul(value, what)
        check_no_nul(object_id, "object id")

    def _import(self, obj: _Object) -> _Object:
        # One serialisation both copies the object and rejects what the
        # database could not store (bytes, sets, NaN).
        data = json.loads(canonical_json(obj))
        if not isinstance(data, dict):
            raise TypeError(f"Objects are JSON objects, not {type(obj).__name__}")
        if not self.dialect.stores_nul:
            check_no_nul(data, "object")
        return data

    def _conditions(
        self,
        query: ObjectQuery,
        resource_name: str | None,
        parent_id: str,
        filters: _Filters | None,
        pagination_rules: _PaginationRules | None,
        include_deleted: bool = False,
    ) -> list[ColumnElement[bool]]:
        conditions = query.collection(resource_name, parent_id)
        if not include_deleted:
            conditions.append(~objects.c.deleted)
        conditions += query.where(filters)
        pages = query.pagination(pagination_rules)
        if pages is not None:
            conditions.append(pages)
        return conditions

    def _to_object(
        self, row: Any, id_field: str, modified_field: str, deleted_field: str
    ) -> _Object:
        return _rows.to_object(self.dialect, row, id_field, modified_field, deleted_field)

    def _check_if_match(
        self, row: Any, if_match: int | None, id_field: str, modified_field: str
    ) -> None:
        if if_match is None:
            return
        if row is None or row.deleted:
            raise ObjectModifiedError(existing=None)
        if row.last_modified != if_match:
            existing = self._to_object(row, id_field, modified_field, DEFAULT_DELETED_FIELD)
            raise ObjectModifiedError(existing=existing)


def _body(data: _Object, id_field: str, modified_field: str) -> _Object:
    return {k: v for k, v in data.items() if k not in (id_field, modified_field)}


def _given_timestamp(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _uuid4() -> str:
    return str(uuid.uuid4())


def load_from_config(config: Configurator) -> SQLStorage:
    """Build the backend from ``storage_url`` (and pool settings), ``storage_max_fetch_size``
    and ``readonly``; the schema is checked (or migrated with ``storage_auto_migrate``).
    """
    settings = config.get_settings() or {}
    client = load_client(config, "storage")
    return SQLStorage(
        client,
        max_fetch_size=int(settings.get("storage_max_fetch_size") or DEFAULT_MAX_FETCH_SIZE),
        readonly=asbool(settings.get("readonly", False)),
    )
