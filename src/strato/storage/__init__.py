"""The storage interface: where resource objects live.

Plug-in authors implement :class:`StorageBase` (start from it, or read
:mod:`strato.storage.memory` for a complete, simple implementation) and run
the conformance suite :class:`strato.storage.testing.StorageTest` against
their backend. Service authors pick a backend by dotted name in the
``storage_backend`` setting; the module named there must expose
``load_from_config(config) -> StorageBase``.

Data model
----------
Objects are JSON objects (``dict[str, Any]``) grouped in collections named by
``(resource_name, parent_id)``. Each stored object carries its id (a string)
and its ``last_modified`` timestamp (integer epoch milliseconds). Deleting an
object leaves a tombstone ``{id, last_modified, deleted: True}`` so that
clients polling for changes see the deletion.

Every collection has a timestamp: the greatest ``last_modified`` ever
assigned in it, tombstones included. Timestamps are strictly increasing per
collection: a write gets ``max(now_ms, previous + 1)``, so two writes in the
same millisecond, or from two threads, processes or machines, still differ.

Filters and ordering
--------------------
Filters and sorting compare JSON values across types with one total order,
the one PostgreSQL uses for JSONB::

    null < string < number < boolean < array < object < missing

``missing`` (the field is absent, or a path goes through a non-object) sorts
after every value: it matches ``GT`` and ``MIN`` filters, never ``LT``, and
comes last in ascending order, first in descending order. Numbers compare
numerically whatever their Python type (``1 == 1.0``) but ``True`` is a
boolean, never equal to ``1``; ``false < true``. Strings compare by code point
(tests and callers should not depend on how a backend orders case or accents).
Arrays and objects rank above scalars; how two arrays or two objects compare
with each other is backend specific, only their equality is defined (exact
match, key order ignored for objects).

Filter fields may be dotted (``person.name``) to reach nested keys. The
``id`` field always compares as a string (a number in a filter value is
turned into its decimal text) and ``last_modified`` as an integer.

See :class:`COMPARISON` for what each operator matches.
"""

from __future__ import annotations

import abc
import enum
import logging
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

from pyramid.settings import asbool

from strato.storage.errors import (
    BackendError,
    IntegrityError,
    ObjectModifiedError,
    ObjectNotFoundError,
    ReadonlyError,
    StorageError,
    UnicityError,
)

if typing.TYPE_CHECKING:
    from pyramid.request import Request

__all__ = [
    "COMPARISON",
    "DEFAULT_DELETED_FIELD",
    "DEFAULT_ID_FIELD",
    "DEFAULT_MAX_FETCH_SIZE",
    "DEFAULT_MODIFIED_FIELD",
    "HEARTBEAT_RESOURCE",
    "MISSING",
    "BackendError",
    "Filter",
    "IntegrityError",
    "ObjectModifiedError",
    "ObjectNotFoundError",
    "ReadonlyError",
    "Sort",
    "StorageBase",
    "StorageError",
    "UnicityError",
    "heartbeat",
]

_logger = logging.getLogger(__name__)

DEFAULT_ID_FIELD: Final = "id"
DEFAULT_MODIFIED_FIELD: Final = "last_modified"
DEFAULT_DELETED_FIELD: Final = "deleted"
#: Default cap on the number of objects :meth:`StorageBase.list_all` returns.
DEFAULT_MAX_FETCH_SIZE: Final = 10000
#: Resource name (and parent id) the storage heartbeat writes to.
HEARTBEAT_RESOURCE: Final = "__heartbeat__"


class COMPARISON(enum.StrEnum):
    """Filter operators. Values are the querystring prefixes (``gt_age=3``).

    - ``EQ``: equal; arrays and objects compare exactly; a missing field never
      matches (unless the value is :data:`MISSING`).
    - ``NOT``: not equal; a missing field matches.
    - ``LT``, ``GT``: strictly lower / greater in the cross-type order, where
      missing is greater than everything (so missing matches ``GT``).
    - ``MIN``, ``MAX``: greater or equal / lower or equal, same order.
    - ``IN``: equal to one of the values (the filter value is a list); missing
      never matches. ``EXCLUDE``: equal to none of them; missing matches.
    - ``LIKE``: case-insensitive pattern where ``*`` matches any run of
      characters; a pattern without ``*`` matches as a substring. Only string
      values match; other characters (``%``, ``_``...) are literal.
    - ``HAS``: a truthy value selects objects where the field is present (even
      ``null``), a falsy value those where it is absent.
    - ``CONTAINS``: the field is an array holding every given value.
      ``CONTAINS_ANY``: the field is an array holding at least one of them.
      A string field never matches (strings are not arrays).
    """

    LT = "lt"
    MIN = "min"
    MAX = "max"
    NOT = "not"
    EQ = "eq"
    GT = "gt"
    IN = "in"
    EXCLUDE = "exclude"
    LIKE = "like"
    HAS = "has"
    CONTAINS = "contains"
    CONTAINS_ANY = "contains_any"

    def __repr__(self) -> str:
        return f"COMPARISON.{self.name}"


class _MissingType(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    __str__ = __repr__


#: Stands for "this field is absent" as a filter value, so that pagination
#: rules can express "after an object that had no value for the sort field".
#: ``Filter(f, MISSING, EQ)`` matches objects without ``f``; with ``LT`` it
#: matches objects having ``f``; with ``GT`` it matches nothing.
MISSING: Final = _MissingType.MISSING

_LIST_OPERATORS = frozenset(
    {COMPARISON.IN, COMPARISON.EXCLUDE, COMPARISON.CONTAINS, COMPARISON.CONTAINS_ANY}
)


@dataclass(frozen=True, slots=True)
class Filter:
    """One condition on an object field; several filters are ANDed.

    ``operator`` may be given as a :class:`COMPARISON` or its string value.
    Construction fails early on a value the operator cannot use: ``IN``,
    ``EXCLUDE``, ``CONTAINS`` and ``CONTAINS_ANY`` need a list or tuple
    (:class:`TypeError` otherwise) and ``LIKE`` needs a string.
    """

    field: str
    value: Any
    operator: COMPARISON = COMPARISON.EQ

    def __post_init__(self) -> None:
        operator = COMPARISON(self.operator)
        object.__setattr__(self, "operator", operator)
        if operator in _LIST_OPERATORS and not isinstance(self.value, list | tuple):
            raise TypeError(f"{operator.name} filter on {self.field!r} needs a list of values")
        if operator is COMPARISON.LIKE and not isinstance(self.value, str):
            raise TypeError(f"LIKE filter on {self.field!r} needs a string pattern")


@dataclass(frozen=True, slots=True)
class Sort:
    """Sort on ``field`` (dotted paths allowed): ``direction`` 1 ascending, -1 descending."""

    field: str
    direction: Literal[1, -1] = 1

    def __post_init__(self) -> None:
        if self.direction not in (1, -1):
            raise ValueError(f"Sort direction must be 1 or -1, not {self.direction!r}")


_Object = dict[str, Any]
_Filters = Sequence[Filter]
_Sorting = Sequence[Sort]
_PaginationRules = Sequence[Sequence[Filter]]
_IdGenerator = Callable[[], str]


class StorageBase(abc.ABC):
    """Interface every storage backend implements.

    Who uses it: the resource layer (``strato.resource``) and plug-ins; views
    never call a backend directly. Implementers subclass this class, declare
    their capabilities in the ``supports_*`` class flags, and make
    :class:`strato.storage.testing.StorageTest` pass.

    Conventions shared by every method:

    - Collections are named by ``resource_name`` and ``parent_id``. Where a
      method says so, ``parent_id`` may contain ``*``, matching any run of
      characters (every other character is literal), and ``resource_name``
      may be ``None`` to mean every resource.
    - ``id_field``, ``modified_field`` and ``deleted_field`` name the id,
      timestamp and tombstone-flag keys of the objects read and returned.
    - Objects are copied in and out: what a caller does to a dict it passed
      or received never changes what is stored. Values must be JSON
      serialisable; ``bytes`` (anywhere in the object) raise
      :class:`TypeError`.
    - Every stored or returned object includes its id and ``last_modified``.
    - Driver failures raise :class:`BackendError`. A write that collides with
      a concurrent one may raise :class:`IntegrityError` (never a subclass):
      it had no effect and may be retried.
    - ``filters`` are ANDed; ``pagination_rules`` is a list of filter lists,
      each list ANDed and the lists ORed (keyset pagination: "after the last
      object of the previous page"); an empty or ``None`` list imposes
      nothing. ``sorting`` orders by several fields in turn; without it the
      order is unspecified. ``limit`` (``None`` or ``0`` for no limit) applies
      after filtering, pagination and sorting.
    """

    #: True when several calls can be grouped into one atomic transaction
    #: committed or rolled back by the request's transaction manager.
    supports_transactions: ClassVar[bool] = False
    #: True when a filter or sort field such as ``a.b`` resolves a key that
    #: itself contains a dot: the longest existing key prefix wins, then the
    #: rest of the path is looked up inside it.
    supports_dotted_keys: ClassVar[bool] = True

    def __init__(
        self, *, max_fetch_size: int = DEFAULT_MAX_FETCH_SIZE, readonly: bool = False
    ) -> None:
        #: Upper bound on the objects :meth:`list_all` returns; read at each call.
        self.max_fetch_size = max_fetch_size
        #: A readonly backend refuses every write with :class:`ReadonlyError`.
        self.readonly = readonly

    def fetch_cap(self, limit: int | None) -> int:
        """How many objects :meth:`list_all` may return for ``limit``.

        ``None`` or ``0`` mean no limit (so ``max_fetch_size``); a negative
        limit raises :class:`ValueError`.
        """
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be positive or zero, not {limit}")
        return self.max_fetch_size if not limit else min(limit, self.max_fetch_size)

    @abc.abstractmethod
    def initialize_schema(self, *, dry_run: bool = False) -> None:
        """Create or migrate whatever the backend needs; safe to call repeatedly.

        With ``dry_run`` nothing is changed, the steps are only logged.
        """

    @abc.abstractmethod
    def flush(self) -> None:
        """Delete everything: objects, tombstones and timestamps (tests, flush plug-in)."""

    @abc.abstractmethod
    def resource_timestamp(self, resource_name: str, parent_id: str) -> int:
        """Return the collection timestamp of ``(resource_name, parent_id)``.

        It is the greatest ``last_modified`` ever assigned in the collection,
        tombstones and hard deletions included. For a collection never
        written to, a timestamp is created from the clock and persisted on
        first read, then stays the same until something changes, so an empty
        collection still has a stable ETag. A readonly backend raises
        :class:`ReadonlyError` when it would have to create one.
        """

    @abc.abstractmethod
    def all_resources_timestamps(self, resource_name: str) -> dict[str, int]:
        """Return ``{parent_id: collection timestamp}`` for every parent of ``resource_name``.

        Only collections that have a timestamp are listed; none is created.
        """

    @abc.abstractmethod
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
        """Store a new object and return the stored version.

        The id is ``obj[id_field]`` when given, else ``id_generator()``, else a
        UUID4. A live object with that id raises :class:`UnicityError`
        carrying it; a tombstone with that id is replaced.

        The object gets a new timestamp unless ``obj[modified_field]`` is an
        integer (replication, imports): then it is kept as is, except when it
        equals the collection timestamp (it is bumped like a fresh one). A
        given value greater than the collection timestamp becomes the new
        collection timestamp; a lower one is kept by the object while the
        collection timestamp does not move. Non-integer values are ignored.
        """

    @abc.abstractmethod
    def get(
        self,
        resource_name: str,
        parent_id: str,
        object_id: str,
        *,
        id_field: str = DEFAULT_ID_FIELD,
        modified_field: str = DEFAULT_MODIFIED_FIELD,
    ) -> _Object:
        """Return the live object ``object_id``.

        Raises :class:`ObjectNotFoundError` when it is absent or deleted.
        """

    @abc.abstractmethod
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
        """Replace (or create) the object ``object_id`` with ``obj`` and return it.

        The stored id is ``object_id`` whatever ``obj`` says, and a tombstone
        is revived. The timestamp is always bumped; an integer
        ``obj[modified_field]`` greater than the value the backend would
        assign is kept instead, a lower or equal one is ignored.

        With ``if_match`` (``0`` included), the write happens only if a live
        object exists whose timestamp equals ``if_match``, checked atomically
        with the write; otherwise nothing is written and
        :class:`ObjectModifiedError` carries the current live object (or
        ``None``).
        """

    @abc.abstractmethod
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
        """Delete a live object and return its tombstone ``{id, last_modified, deleted: True}``.

        The deletion gets a new timestamp, or ``last_modified`` when that is
        greater than the collection timestamp. With ``with_deleted=False``
        nothing is left behind (no tombstone) but the collection timestamp
        still moves. An absent or already deleted object raises
        :class:`ObjectNotFoundError`, checked before ``if_match``, which works
        as in :meth:`update`.
        """

    @abc.abstractmethod
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
        """Delete the live objects matching, as :meth:`delete` would, and return their tombstones.

        Objects are selected like :meth:`list_all` selects them, except that
        ``max_fetch_size`` does not cap the selection. ``parent_id`` may be a
        pattern and ``resource_name`` ``None``. Tombstones come back in the
        requested order, each with its own (increasing) timestamp. Callers
        needing the previous versions list them first, in the same
        transaction.
        """

    @abc.abstractmethod
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
        """Remove tombstones (never live objects) and return how many went.

        With ``before``, only tombstones whose timestamp is strictly lower are
        removed; with ``max_retained``, each collection keeps its newest
        ``max_retained`` tombstones; giving both raises :class:`ValueError`.
        Giving neither removes every tombstone and also forgets the timestamp
        of each collection left without any object, so deleted parents leave
        nothing behind. ``parent_id`` may be a pattern and ``resource_name``
        ``None``.
        """

    @abc.abstractmethod
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
        """Return the matching objects, at most ``max_fetch_size`` of them.

        Tombstones are included (and filtered like the rest: they only have
        the id, timestamp and deleted fields) only with ``include_deleted``.
        ``parent_id`` may be a pattern.
        """

    @abc.abstractmethod
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
        """Count the live objects matching ``filters`` (no cap). ``parent_id`` may be a pattern."""

    @abc.abstractmethod
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
        """Keep the ``max_objects`` newest live objects matching, remove the others.

        Meant for append-only logs (history): removed objects leave no
        tombstone and the collection timestamp does not move. Returns how
        many objects were removed; a negative ``max_objects`` raises
        :class:`ValueError`.
        """


def heartbeat(backend: StorageBase) -> Callable[[Request], bool]:
    """Build the storage check run by the ``__heartbeat__`` view.

    The returned callable reports ``True`` when the backend answers. When the
    ``readonly`` setting is on it only reads; otherwise it creates an object
    in the ``__heartbeat__`` resource and deletes it without tombstone.
    Failures are logged and reported as ``False``, never raised.
    """

    def check(request: Request) -> bool:
        readonly = asbool(request.registry.settings.get("readonly", False))
        try:
            if readonly:
                backend.list_all(HEARTBEAT_RESOURCE, HEARTBEAT_RESOURCE, limit=1)
            else:
                created = backend.create(HEARTBEAT_RESOURCE, HEARTBEAT_RESOURCE, {"alive": True})
                backend.delete(
                    HEARTBEAT_RESOURCE,
                    HEARTBEAT_RESOURCE,
                    created[DEFAULT_ID_FIELD],
                    with_deleted=False,
                )
        except Exception:
            _logger.exception("Storage heartbeat failed")
            return False
        return True

    return check
