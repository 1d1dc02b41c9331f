"""Storage backend keeping everything in the process memory.

For tests, prototypes and demos: data is lost at exit and is not shared with
other processes, so never use it behind several workers. It behaves like the
SQL backends as far as the interface can tell (same filters, ordering,
timestamps, tombstones), which makes it a faithful stand-in in test suites.

Enable it with ``storage_backend = strato.storage.memory``.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Concatenate,
    NamedTuple,
    ParamSpec,
    TypeVar,
    cast,
)

from pyramid.settings import asbool

from strato.storage import (
    DEFAULT_DELETED_FIELD,
    DEFAULT_ID_FIELD,
    DEFAULT_MAX_FETCH_SIZE,
    DEFAULT_MODIFIED_FIELD,
    ObjectModifiedError,
    ObjectNotFoundError,
    ReadonlyError,
    Sort,
    StorageBase,
    UnicityError,
    _Filters,
    _IdGenerator,
    _Object,
    _PaginationRules,
    _Sorting,
)
from strato.storage._query import select

if TYPE_CHECKING:
    from pyramid.config import Configurator

__all__ = ["MemoryStorage", "apply_query", "load_from_config"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")
_Key = tuple[str, str]  # (resource_name, parent_id)


def _synchronized(
    method: Callable[Concatenate[MemoryStorage, _P], _R],
) -> Callable[Concatenate[MemoryStorage, _P], _R]:
    def locked(self: MemoryStorage, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with self._lock:
            return method(self, *args, **kwargs)

    functools.update_wrapper(locked, method)
    return locked


@dataclass(slots=True)
class _Row:
    last_modified: int
    data: _Object | None  # None marks a tombstone


class _Entry(NamedTuple):
    key: _Key
    object_id: str
    view: _Object  # what filters and sorting see; never handed out uncopied


class MemoryStorage(StorageBase):
    """Thread-safe in-memory backend; one lock serialises every call.

    Pass ``readonly=True`` to refuse every write (and the creation of
    collection timestamps) with :class:`~strato.storage.ReadonlyError`.
    """

    supports_transactions: ClassVar[bool] = False
    supports_dotted_keys: ClassVar[bool] = True

    def __init__(
        self, *, max_fetch_size: int = DEFAULT_MAX_FETCH_SIZE, readonly: bool = False
    ) -> None:
        super().__init__(max_fetch_size=max_fetch_size, readonly=readonly)
        self._lock = threading.RLock()
        self._collections: dict[_Key, dict[str, _Row]] = {}
        self._timestamps: dict[_Key, int] = {}

    def __repr__(self) -> str:
        return f"MemoryStorage(max_fetch_size={self.max_fetch_size}, readonly={self.readonly})"

    # -- schema -------------------------------------------------------------

    def initialize_schema(self, *, dry_run: bool = False) -> None:
        """Nothing to create: memory needs no schema."""

    @_synchronized
    def flush(self) -> None:
        self._collections = {}
        self._timestamps = {}

    # -- timestamps ---------------------------------------------------------

    @_synchronized
    def resource_timestamp(self, resource_name: str, parent_id: str) -> int:
        key = (resource_name, parent_id)
        current = self._timestamps.get(key)
        if current is None:
            if self.readonly:
                raise ReadonlyError(
                    message="Cannot create the timestamp of an empty collection in readonly mode"
                )
            current = self._timestamps[key] = _now_ms()
        return current

    @_synchronized
    def all_resources_timestamps(self, resource_name: str) -> dict[str, int]:
        return {pid: ts for (res, pid), ts in self._timestamps.items() if res == resource_name}

    def _next_timestamp(self, key: _Key) -> int:
        previous = self._timestamps.get(key)
        current = _now_ms()
        if previous is not None and current <= previous:
            current = previous + 1
        return current

    def _advance(self, key: _Key, timestamp: int) -> None:
        if timestamp > self._timestamps.get(key, timestamp - 1):
            self._timestamps[key] = timestamp

    # -- single objects -----------------------------------------------------

    @_synchronized
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
        data = _import_json(obj)
        key = (resource_name, parent_id)
        rows = self._collections.setdefault(key, {})
        object_id = data.get(id_field)
        if object_id is None:
            object_id = (id_generator or _uuid4)()
        if not isinstance(object_id, str):
            raise TypeError(f"Object ids are strings, not {type(object_id).__name__}")
        existing = rows.get(object_id)
        if existing is not None and existing.data is not None:
            raise UnicityError(id_field, _copy(existing.data))

        given = _given_timestamp(data.get(modified_field))
        if given is None or given == self._timestamps.get(key):
            timestamp = self._next_timestamp(key)
        else:
            timestamp = given
        self._advance(key, timestamp)
        data[id_field] = object_id
        data[modified_field] = timestamp
        rows[object_id] = _Row(timestamp, data)
        return _copy(data)

    @_synchronized
    def get(
        self,
        resource_name: str,
        parent_id: str,
        object_id: str,
        *,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
    ) -> _Object:
        row = self._collections.get((resource_name, parent_id), {}).get(object_id)
        if row is None or row.data is None:
            raise ObjectNotFoundError(object_id)
        return _copy(row.data)

    @_synchronized
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
        data = _import_json(obj)
        key = (resource_name, parent_id)
        rows = self._collections.setdefault(key, {})
        _check_if_match(rows.get(object_id), if_match)

        timestamp = self._next_timestamp(key)
        given = _given_timestamp(data.get(modified_field))
        if given is not None and given > timestamp:
            timestamp = given
        self._advance(key, timestamp)
        data[id_field] = object_id
        data[modified_field] = timestamp
        rows[object_id] = _Row(timestamp, data)
        return _copy(data)

    @_synchronized
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
        key = (resource_name, parent_id)
        row = self._collections.get(key, {}).get(object_id)
        if row is None or row.data is None:
            raise ObjectNotFoundError(object_id)
        _check_if_match(row, if_match)
        timestamp = self._delete_row(key, object_id, with_deleted, _given_timestamp(last_modified))
        return _tombstone(object_id, timestamp, id_field, modified_field, deleted_field)

    def _delete_row(self, key: _Key, object_id: str, with_deleted: bool, given: int | None) -> int:
        previous = self._timestamps.get(key)
        if given is not None and (previous is None or given > previous):
            timestamp = given
        else:
            timestamp = self._next_timestamp(key)
        self._advance(key, timestamp)
        rows = self._collections[key]
        if with_deleted:
            rows[object_id] = _Row(timestamp, None)
        else:
            del rows[object_id]
        return timestamp

    # -- sets of objects ----------------------------------------------------

    @_synchronized
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
        entries = self._entries(resource_name, parent_id, False, id_field, modified_field, "")
        selected = _select(
            entries, filters, sorting, pagination_rules, limit, id_field, modified_field
        )
        tombstones = []
        for entry in selected:
            timestamp = self._delete_row(entry.key, entry.object_id, with_deleted, None)
            tombstones.append(
                _tombstone(entry.object_id, timestamp, id_field, modified_field, deleted_field)
            )
        return tombstones

    @_synchronized
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
        if before is not None and max_retained is not None:
            raise ValueError("purge_deleted() takes either before or max_retained, not both")
        if max_retained is not None and max_retained < 0:
            raise ValueError(f"max_retained must be positive or zero, not {max_retained}")
        self._check_writable()
        purge_all = before is None and max_retained is None
        keys = set(self._collections)
        if purge_all:
            keys.update(self._timestamps)
        removed = 0
        for key in _matching_keys(keys, resource_name, parent_id):
            rows = self._collections.get(key, {})
            tombstones = sorted(
                (
                    (row.last_modified, object_id)
                    for object_id, row in rows.items()
                    if row.data is None
                ),
                reverse=True,
            )
            if before is not None:
                doomed = [object_id for ts, object_id in tombstones if ts < before]
            elif max_retained is not None:
                doomed = [object_id for _, object_id in tombstones[max_retained:]]
            else:
                doomed = [object_id for _, object_id in tombstones]
            for object_id in doomed:
                del rows[object_id]
            removed += len(doomed)
            if purge_all and not rows:
                self._collections.pop(key, None)
                self._timestamps.pop(key, None)
        return removed

    @_synchronized
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
        entries = self._entries(
            resource_name, parent_id, include_deleted, id_field, modified_field, deleted_field
        )
        selected = _select(
            entries, filters, sorting, pagination_rules, cap, id_field, modified_field
        )
        return [_copy(entry.view) for entry in selected]

    @_synchronized
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
        entries = self._entries(resource_name, parent_id, False, id_field, modified_field, "")
        return len(select(entries, view=_view, filters=filters, id_field=id_field))

    @_synchronized
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
        entries = self._entries(resource_name, parent_id, False, id_field, modified_field, "")
        newest_first = _select(
            entries, filters, [Sort(modified_field, -1)], None, None, id_field, modified_field
        )
        doomed = newest_first[max_objects:]
        for entry in doomed:
            del self._collections[entry.key][entry.object_id]
        return len(doomed)

    # -- helpers ------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.readonly:
            raise ReadonlyError(message="The storage backend is readonly")

    def _entries(
        self,
        resource_name: str | None,
        parent_id: str,
        include_deleted: bool,
        id_field: str,
        modified_field: str,
        deleted_field: str,
    ) -> list[_Entry]:
        entries = []
        for key in _matching_keys(self._collections, resource_name, parent_id):
            for object_id, row in self._collections[key].items():
                if row.data is not None:
                    entries.append(_Entry(key, object_id, row.data))
                elif include_deleted:
                    view = _tombstone(
                        object_id, row.last_modified, id_field, modified_field, deleted_field
                    )
                    entries.append(_Entry(key, object_id, view))
        return entries


def load_from_config(config: Configurator) -> MemoryStorage:
    """Build the backend from settings ``storage_max_fetch_size`` and ``readonly``."""
    settings = config.get_settings() or {}
    max_fetch_size = int(settings.get("storage_max_fetch_size", DEFAULT_MAX_FETCH_SIZE))
    readonly = asbool(settings.get("readonly", False))
    return MemoryStorage(max_fetch_size=max_fetch_size, readonly=readonly)


# -- plain functions: JSON handling ----------------------------------------


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _uuid4() -> str:
    return str(uuid.uuid4())


def _import_json(obj: _Object) -> _Object:
    # A JSON round trip both deep-copies and rejects what a SQL backend could
    # not store either (bytes, sets, NaN), so memory does not accept more.
    data = json.loads(json.dumps(obj, allow_nan=False))
    if not isinstance(data, dict):
        raise TypeError(f"Objects are JSON objects, not {type(obj).__name__}")
    return data


def _copy(value: _T) -> _T:
    # Stored data is already plain JSON, so this beats copy.deepcopy by far.
    if isinstance(value, dict):
        return cast(_T, {k: _copy(v) for k, v in value.items()})
    if isinstance(value, list):
        return cast(_T, [_copy(v) for v in value])
    return value


def _given_timestamp(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _tombstone(
    object_id: str, timestamp: int, id_field: str, modified_field: str, deleted_field: str
) -> _Object:
    return {id_field: object_id, modified_field: timestamp, deleted_field: True}


def _check_if_match(row: _Row | None, if_match: int | None) -> None:
    if if_match is None:
        return
    if row is None or row.data is None:
        raise ObjectModifiedError(existing=None)
    if row.last_modified != if_match:
        raise ObjectModifiedError(existing=_copy(row.data))


def _matching_keys(keys: Iterable[_Key], resource_name: str | None, parent_id: str) -> list[_Key]:
    # Only ``*`` is special: SQL backends must escape LIKE's own ``%`` and ``_``.
    regexp = re.compile(".*".join(re.escape(part) for part in parent_id.split("*")), re.DOTALL)
    return [
        key
        for key in keys
        if (resource_name is None or key[0] == resource_name) and regexp.fullmatch(key[1])
    ]


def apply_query(
    objects: Iterable[_Object],
    filters: _Filters | None = None,
    sorting: _Sorting | None = None,
    pagination_rules: _PaginationRules | None = None,
    limit: int | None = None,
    *,
    id_field: str = DEFAULT_ID_FIELD,
) -> list[_Object]:
    """Filter, sort and cut a list of objects exactly as a storage backend would.

    For service authors whose endpoint lists objects that are computed per
    request rather than stored (a summary of permissions, an aggregate):
    a custom :class:`~strato.resource.Model` answering ``get_objects`` and
    ``count_objects`` with this function gives the endpoint the same
    filters, ``_sort``, ``_limit`` and ``_token`` pages as a stored
    collection. Matching and ordering are the memory backend's own code,
    which the conformance suite holds to the rules every backend follows
    (see :mod:`strato.storage`: one cross-type order, missing fields,
    dotted paths, ``id_field`` compared as a string).

    An object is kept when it matches every filter of ``filters`` and, when
    ``pagination_rules`` is given, every filter of at least one of its
    rules. The result is ordered by ``sorting``; the sort is stable, so
    objects it does not tell apart (all of them without ``sorting``) keep
    their order in ``objects``. Unlike ``list_all`` there is no default
    order: add a unique field (the id) last for pages that never overlap.
    ``limit`` None or 0 keeps every match; there is no fetch-size cap.

    The objects themselves are returned, not copies. Values must be JSON
    (dict, list, str, int, float, bool, None): comparing anything else
    raises :class:`TypeError`, and a negative ``limit`` :class:`ValueError`.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be positive or zero, not {limit}")
    return select(
        objects,
        view=_itself,
        filters=filters,
        sorting=sorting,
        pagination_rules=pagination_rules,
        limit=limit,
        id_field=id_field,
    )


def _itself(obj: _Object) -> _Object:
    return obj


def _view(entry: _Entry) -> _Object:
    return entry.view


def _select(
    entries: list[_Entry],
    filters: _Filters | None,
    sorting: _Sorting | None,
    pagination_rules: _PaginationRules | None,
    limit: int | None,
    id_field: str,
    modified_field: str,
) -> list[_Entry]:
    # Newest first when unsorted: the order is unspecified, but stable output
    # makes tests and debugging easier.
    return select(
        entries,
        view=_view,
        filters=filters,
        sorting=sorting or [Sort(modified_field, -1)],
        pagination_rules=pagination_rules,
        limit=limit,
        id_field=id_field,
    )
