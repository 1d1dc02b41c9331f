"""Every difference between PostgreSQL and SQLite, in one place.

The SQL backends build their statements from SQLAlchemy Core expressions;
whatever cannot be written the same way for both databases is asked of a
:class:`Dialect`: JSON access and type ranks, upserts, the database clock
used for timestamps, containment, ``*`` patterns, large ``IN`` lists,
transaction start and the migration lock. Nothing here knows about
objects, permissions or requests.

JSON values are handled through :class:`JSONRef`, a pair of expressions
(the JSON type name and the value) that both dialects can produce for a
field of a document, an element of an array or a choice between several
fields. Keys and values always travel as bound parameters.
"""

from __future__ import annotations

import abc
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    FromClause,
    Index,
    Integer,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    event,
    extract,
    false,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.types import TypeEngine

__all__ = [
    "RANK_ARRAY",
    "RANK_BOOLEAN",
    "RANK_MISSING",
    "RANK_NULL",
    "RANK_NUMBER",
    "RANK_OBJECT",
    "RANK_STRING",
    "Dialect",
    "JSONRef",
    "PostgreSQLDialect",
    "SQLiteDialect",
    "canonical_json",
    "dialect_for",
    "json_rank",
]

#: Cross-type order of JSON values (see :mod:`strato.storage`), missing last.
RANK_NULL, RANK_STRING, RANK_NUMBER, RANK_BOOLEAN, RANK_ARRAY, RANK_OBJECT, RANK_MISSING = range(7)

#: Advisory lock key taken by migrations on PostgreSQL ("strato" in ASCII).
_MIGRATION_LOCK_KEY = 0x73747261746F


def canonical_json(value: Any) -> str:
    """Serialise ``value`` the one way SQL backends store and compare JSON.

    Compact, keys sorted, non-ASCII kept as is: two equal objects give the
    same text, which SQLite relies on to compare arrays and objects.
    Raises :class:`TypeError` (``bytes``, sets...) and :class:`ValueError`
    (NaN, infinities) like :func:`json.dumps`.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    return json.dumps(
        value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, allow_nan=False
    )


def json_rank(value: Any) -> int:
    """The rank of a Python JSON value in the cross-type order."""
    if value is None:
        return RANK_NULL
    if isinstance(value, str):
        return RANK_STRING
    if isinstance(value, bool):
        return RANK_BOOLEAN
    if isinstance(value, int | float):
        return RANK_NUMBER
    if isinstance(value, list | tuple):
        return RANK_ARRAY
    if isinstance(value, dict):
        return RANK_OBJECT
    raise TypeError(f"Not a JSON value: {type(value).__name__}")


@dataclass(frozen=True)
class JSONRef:
    """A JSON value inside a query: its type name and the value itself.

    ``type_name`` is NULL when the value is missing. ``value`` is in the
    dialect's comparable form (JSONB on PostgreSQL, the SQL value that
    ``json_extract`` gives on SQLite). Build them with the dialect's
    methods, never by hand.
    """

    type_name: ColumnElement[Any]
    value: ColumnElement[Any]

    @property
    def present(self) -> ColumnElement[bool]:
        return self.type_name.is_not(None)

    @property
    def missing(self) -> ColumnElement[bool]:
        return self.type_name.is_(None)


class Dialect(abc.ABC):
    """The operations whose SQL differs between the supported databases.

    For plug-in authors adding a database: subclass this, implement every
    abstract method, and run the storage, permission and cache suites
    against backends using it.
    """

    #: SQLAlchemy dialect name this class serves.
    name: ClassVar[str]
    #: Reads join the request transaction even before its first write.
    joins_reads: ClassVar[bool]
    #: Documents may contain the NUL character (U+0000).
    stores_nul: ClassVar[bool]
    #: ``containment()`` is available and served by an index.
    has_containment: ClassVar[bool] = False
    #: One writer at a time for the whole database.
    single_writer: ClassVar[bool] = False
    #: Names of the JSON types, mapped to their rank.
    _type_ranks: ClassVar[dict[str, int]]

    # -- engine -------------------------------------------------------------

    def prepare_url(self, url: URL) -> URL:
        """The URL to connect with; :class:`ValueError` when it cannot work."""
        return url

    @abc.abstractmethod
    def engine_options(self, driver: str, pool_timeout: float) -> dict[str, Any]:
        """Extra keyword arguments of ``create_engine`` for this database and driver."""

    @abc.abstractmethod
    def configure(self, engine: Engine, pool_timeout: float) -> None:
        """Install connection events (pragmas, how transactions begin)."""

    def begin_options(self, *, write: bool) -> dict[str, Any]:
        """Execution options of a connection about to begin a transaction."""
        return {}

    def migration_lock(self, connection: Connection) -> None:
        """Serialise migrations run by several processes at once.

        The default does nothing: enough where a writing transaction
        already excludes every other writer (SQLite).
        """
        return None

    # -- DDL ----------------------------------------------------------------

    @abc.abstractmethod
    def key_type(self) -> TypeEngine[Any]:
        """Text columns compared and ordered by code point (ids, names)."""

    @abc.abstractmethod
    def document_type(self) -> TypeEngine[Any]:
        """The column type of JSON documents."""

    def document_index(self, table: Table, column: str, name: str) -> Index | None:
        """An index serving :meth:`containment`, when the database has one."""
        return None

    # -- statements -----------------------------------------------------------

    @abc.abstractmethod
    def insert(self, table: Table) -> Any:
        """An ``INSERT`` construct offering ``on_conflict_do_update/nothing``."""

    @abc.abstractmethod
    def now_ms(self) -> ColumnElement[int]:
        """The database clock in integer epoch milliseconds, read at each call."""

    @abc.abstractmethod
    def greatest(self, *values: ColumnElement[Any]) -> ColumnElement[Any]:
        """The greatest of non-NULL ``values``."""

    @abc.abstractmethod
    def document_param(self, text: str) -> ColumnElement[Any]:
        """A bound document (``text`` is :func:`canonical_json` output)."""

    def load_document(self, value: Any) -> Any:
        """Turn a document read from the database into Python values."""
        return json.loads(value) if isinstance(value, str) else value

    @abc.abstractmethod
    def pattern_match(
        self, column: ColumnElement[str], pattern: str, *, star_segment: bool = False
    ) -> ColumnElement[bool]:
        """``column`` matches ``pattern``, where only ``*`` is special.

        A ``*`` matches any run of characters, or with ``star_segment`` any
        non-empty run; every other character, ``%``, ``_``, ``?`` and
        ``[`` included, matches itself, case-sensitively.
        """

    @abc.abstractmethod
    def in_values(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        """``column`` equals one of ``values`` (scalars), whatever their number."""

    # -- JSON documents -------------------------------------------------------

    @abc.abstractmethod
    def field(self, document: ColumnElement[Any], keys: Sequence[str]) -> JSONRef:
        """The value found by following ``keys`` from ``document``.

        Missing when a key is absent. Callers check that intermediate
        values are objects: on PostgreSQL a key such as ``"0"`` would step
        into an array.
        """

    def choose(
        self, alternatives: Sequence[tuple[ColumnElement[bool] | None, JSONRef]]
    ) -> JSONRef:
        """The first ref whose condition holds, missing when none does.

        A condition of ``None`` always holds; it only makes sense last.
        """
        if alternatives and alternatives[0][0] is None:
            return alternatives[0][1]
        return JSONRef(
            _case([(cond, ref.type_name) for cond, ref in alternatives]),
            _case([(cond, ref.value) for cond, ref in alternatives]),
        )

    def rank(self, ref: JSONRef) -> ColumnElement[int]:
        """The cross-type rank of ``ref`` (:data:`RANK_MISSING` when missing)."""
        return case(
            *((ref.type_name == name, rank) for name, rank in self._type_ranks.items()),
            else_=RANK_MISSING,
        )

    def is_object(self, ref: JSONRef) -> ColumnElement[bool]:
        return self.has_rank(ref, RANK_OBJECT)

    def is_array(self, ref: JSONRef) -> ColumnElement[bool]:
        return self.has_rank(ref, RANK_ARRAY)

    def has_rank(self, ref: JSONRef, rank: int) -> ColumnElement[bool]:
        """``ref`` is of the type(s) of ``rank``; false, not NULL, when missing."""
        names = [name for name, r in self._type_ranks.items() if r == rank]
        return func.coalesce(ref.type_name, "").in_(names)

    @abc.abstractmethod
    def literal(self, value: Any) -> ColumnElement[Any]:
        """``value`` bound in the form ``ref.value`` compares with, same rank only."""

    @abc.abstractmethod
    def string(self, ref: JSONRef) -> ColumnElement[str]:
        """The text of a JSON string (meaningless for other types)."""

    def equals(self, ref: JSONRef, value: Any) -> ColumnElement[bool]:
        """``ref`` is equal to ``value`` (never NULL)."""
        rank = json_rank(value)
        if rank == RANK_NULL:
            return self.has_rank(ref, RANK_NULL)
        return and_(self.has_rank(ref, rank), ref.value == self.literal(value))

    @abc.abstractmethod
    def one_of(self, ref: JSONRef, values: Sequence[Any]) -> ColumnElement[bool]:
        """``ref`` equals one of ``values``, whatever their number (never NULL)."""

    @abc.abstractmethod
    def elements(self, ref: JSONRef) -> tuple[FromClause, JSONRef]:
        """A FROM clause yielding the elements of an array, and their ref.

        Yields nothing when ``ref`` is not an array.
        """

    def containment(self, document: ColumnElement[Any], fragment: Any) -> ColumnElement[bool]:
        """``document`` contains ``fragment`` (only when :attr:`has_containment`)."""
        raise NotImplementedError


class PostgreSQLDialect(Dialect):
    """PostgreSQL 12 and later: JSONB, GIN containment, row locks."""

    name = "postgresql"
    joins_reads = True
    stores_nul = False
    has_containment = True
    _type_ranks = {
        "null": RANK_NULL,
        "string": RANK_STRING,
        "number": RANK_NUMBER,
        "boolean": RANK_BOOLEAN,
        "array": RANK_ARRAY,
        "object": RANK_OBJECT,
    }

    def prepare_url(self, url: URL) -> URL:
        if url.drivername == "postgresql":
            # The driver strato depends on (strato[postgresql]); name another
            # one explicitly (postgresql+psycopg://) to use it instead.
            return url.set(drivername="postgresql+psycopg2")
        return url

    def engine_options(self, driver: str, pool_timeout: float) -> dict[str, Any]:
        # pre-ping: a connection killed while idle in the pool (server
        # restart, pg_terminate_backend) is replaced instead of failing.
        options: dict[str, Any] = {
            "isolation_level": "READ COMMITTED",
            "client_encoding": "utf8",
            "pool_pre_ping": True,
        }
        if driver == "psycopg2":
            # Batched executemany for the UPDATE/DELETE of delete_all().
            options["executemany_mode"] = "values_plus_batch"
        return options

    def configure(self, engine: Engine, pool_timeout: float) -> None:
        # At least 1 ms: 0 would mean "wait forever" to PostgreSQL.
        lock_timeout = f"{max(1, int(pool_timeout * 1000)):d}ms"

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, record: Any) -> None:
            # A writer waiting for a collection lock longer than a caller
            # would wait for a connection gives up (BackendError, 503)
            # instead of hanging behind a stuck transaction.
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT set_config('lock_timeout', %s, false)", (lock_timeout,))
            finally:
                cursor.close()
            dbapi_connection.commit()

    def migration_lock(self, connection: Connection) -> None:
        connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK_KEY)))

    def key_type(self) -> TypeEngine[Any]:
        return Text(collation="C")

    def document_type(self) -> TypeEngine[Any]:
        return pg.JSONB()

    def document_index(self, table: Table, column: str, name: str) -> Index | None:
        # jsonb_path_ops: smaller and faster than the default operator
        # class, and it serves the only operator we need (@>).
        return Index(
            name,
            table.c[column],
            postgresql_using="gin",
            postgresql_ops={column: "jsonb_path_ops"},
        )

    def insert(self, table: Table) -> Any:
        return pg.insert(table)

    def now_ms(self) -> ColumnElement[int]:
        # clock_timestamp(), not now(): now() is frozen at the start of the
        # transaction, and a transaction may wait for a lock.
        return cast(func.floor(extract("epoch", func.clock_timestamp()) * 1000), BigInteger)

    def greatest(self, *values: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.greatest(*values)

    def document_param(self, text: str) -> ColumnElement[Any]:
        return cast(bindparam(None, text, type_=Text), pg.JSONB)

    def pattern_match(
        self, column: ColumnElement[str], pattern: str, *, star_segment: bool = False
    ) -> ColumnElement[bool]:
        wildcard = "_%" if star_segment else "%"
        escaped = [re.sub(r"([\\%_])", r"\\\1", part) for part in pattern.split("*")]
        return column.like(wildcard.join(escaped), escape="\\")

    def in_values(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        if not values:
            return false()
        if all(isinstance(v, str) for v in values):
            array_type: TypeEngine[Any] = pg.ARRAY(Text)
        else:
            array_type = pg.ARRAY(BigInteger)
        return column == func.any(bindparam(None, list(values), type_=array_type))

    def field(self, document: ColumnElement[Any], keys: Sequence[str]) -> JSONRef:
        value = document.op("#>")(bindparam(None, list(keys), type_=pg.ARRAY(Text)))
        return JSONRef(func.jsonb_typeof(value), value)

    def choose(
        self, alternatives: Sequence[tuple[ColumnElement[bool] | None, JSONRef]]
    ) -> JSONRef:
        if alternatives and alternatives[0][0] is None:
            return alternatives[0][1]
        value = _case([(cond, ref.value) for cond, ref in alternatives])
        return JSONRef(func.jsonb_typeof(value), value)

    def literal(self, value: Any) -> ColumnElement[Any]:
        return self.document_param(canonical_json(value))

    def string(self, ref: JSONRef) -> ColumnElement[str]:
        return ref.value.op("#>>")(bindparam(None, [], type_=pg.ARRAY(Text)))

    def equals(self, ref: JSONRef, value: Any) -> ColumnElement[bool]:
        # JSONB equality is typed (1 = 1.0, 1 <> true, objects ignore key
        # order); the presence check keeps the result two-valued.
        return and_(ref.present, ref.value == self.literal(value))

    def one_of(self, ref: JSONRef, values: Sequence[Any]) -> ColumnElement[bool]:
        if not values:
            return false()
        texts = [canonical_json(v) for v in values]
        array = cast(bindparam(None, texts, type_=pg.ARRAY(Text)), pg.ARRAY(pg.JSONB))
        return and_(ref.present, ref.value == func.any(array))

    def elements(self, ref: JSONRef) -> tuple[FromClause, JSONRef]:
        # jsonb_array_elements() fails on a non-array, and PostgreSQL does
        # not promise to test the type first: feed it an empty array instead.
        array = case((ref.type_name == "array", ref.value), else_=self.document_param("[]"))
        table = func.jsonb_array_elements(array).table_valued("value")
        element = table.c.value
        return table, JSONRef(func.jsonb_typeof(element), element)

    def containment(self, document: ColumnElement[Any], fragment: Any) -> ColumnElement[bool]:
        return document.op("@>", is_comparison=True)(self.literal(fragment))


# Characters json.dumps escapes in keys, which SQLite's path labels cannot
# express: such keys are looked up with json_each() instead.
_UNSAFE_LABEL = re.compile(r'["\\\x00-\x1f]')


class SQLiteDialect(Dialect):
    """SQLite 3.35 and later with the JSON functions: WAL, one writer at a time."""

    name = "sqlite"
    joins_reads = False
    stores_nul = True
    single_writer = True
    _type_ranks = {
        "null": RANK_NULL,
        "text": RANK_STRING,
        "integer": RANK_NUMBER,
        "real": RANK_NUMBER,
        "true": RANK_BOOLEAN,
        "false": RANK_BOOLEAN,
        "array": RANK_ARRAY,
        "object": RANK_OBJECT,
    }

    def prepare_url(self, url: URL) -> URL:
        if url.database in (None, "", ":memory:") or url.query.get("mode") == "memory":
            raise ValueError(
                "an in-memory SQLite database is private to one connection; give a file "
                "(sqlite:///path/to/file.sqlite) or use the memory backend"
            )
        return url

    def engine_options(self, driver: str, pool_timeout: float) -> dict[str, Any]:
        return {"connect_args": {"check_same_thread": False, "timeout": pool_timeout}}

    def configure(self, engine: Engine, pool_timeout: float) -> None:
        busy_ms = int(pool_timeout * 1000)

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection: Any, record: Any) -> None:
            # Let SQLAlchemy decide when transactions begin (see on_begin):
            # the driver's implicit BEGIN would start them too late.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute(f"PRAGMA busy_timeout={busy_ms:d}")
            finally:
                cursor.close()

        @event.listens_for(engine, "begin")
        def on_begin(connection: Connection) -> None:
            # A writer takes the write lock at once: upgrading a read
            # transaction later fails without waiting if another writer won.
            if connection.get_execution_options().get("strato_write"):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.exec_driver_sql("BEGIN")

    def begin_options(self, *, write: bool) -> dict[str, Any]:
        return {"strato_write": write}

    def key_type(self) -> TypeEngine[Any]:
        return Text()

    def document_type(self) -> TypeEngine[Any]:
        return Text()

    def insert(self, table: Table) -> Any:
        return sqlite.insert(table)

    def now_ms(self) -> ColumnElement[int]:
        # 'now' is the same instant for every call within one statement.
        seconds = cast(func.strftime("%s", "now"), Integer)
        millis = cast(func.substr(func.strftime("%f", "now"), 4), Integer)
        return seconds * 1000 + millis

    def greatest(self, *values: ColumnElement[Any]) -> ColumnElement[Any]:
        # SQLite's multi-argument max() is NULL as soon as one argument is.
        return func.max(*(func.coalesce(v, -(2**62)) for v in values))

    def document_param(self, text: str) -> ColumnElement[Any]:
        return bindparam(None, text, type_=Text)

    def pattern_match(
        self, column: ColumnElement[str], pattern: str, *, star_segment: bool = False
    ) -> ColumnElement[bool]:
        # GLOB, unlike LIKE, is case-sensitive. Its own wildcards ? and [
        # become one-character classes.
        wildcard = "?*" if star_segment else "*"
        escaped = [re.sub(r"([?\[])", r"[\1]", part) for part in pattern.split("*")]
        return column.op("GLOB", is_comparison=True)(
            bindparam(None, wildcard.join(escaped), type_=Text)
        )

    def in_values(self, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
        if not values:
            return false()
        # One bound JSON array instead of one parameter per value: SQLite
        # limits the number of parameters of a statement.
        each = func.json_each(bindparam(None, canonical_json(list(values)), type_=Text))
        table = each.table_valued("value")
        return column.in_(select(table.c.value))

    def field(self, document: ColumnElement[Any], keys: Sequence[str]) -> JSONRef:
        path = "$"
        for index, key in enumerate(keys):
            if not _UNSAFE_LABEL.search(key):
                path += '."' + key + '"'
                continue
            member = self._member(document, path, key)
            if index == len(keys) - 1:
                return member
            # Go on from the member, if it is an object.
            document = case((member.type_name == "object", member.value), else_=null())
            path = "$"
        path_param = bindparam(None, path, type_=Text)
        return JSONRef(
            func.json_type(document, path_param), func.json_extract(document, path_param)
        )

    @staticmethod
    def _member(document: ColumnElement[Any], path: str, key: str) -> JSONRef:
        table = func.json_each(document, bindparam(None, path, type_=Text)).table_valued(
            "key", "type", "value"
        )
        where = table.c.key == bindparam(None, key, type_=Text)
        return JSONRef(
            select(table.c.type).where(where).scalar_subquery(),
            select(table.c.value).where(where).scalar_subquery(),
        )

    def literal(self, value: Any) -> ColumnElement[Any]:
        if isinstance(value, bool):
            return literal(int(value), Integer)
        if isinstance(value, list | tuple | dict):
            return bindparam(None, canonical_json(value), type_=Text)
        return bindparam(None, _sqlite_number(value))

    def string(self, ref: JSONRef) -> ColumnElement[str]:
        return ref.value

    def one_of(self, ref: JSONRef, values: Sequence[Any]) -> ColumnElement[bool]:
        by_rank: dict[int, list[Any]] = {}
        for value in values:
            by_rank.setdefault(json_rank(value), []).append(value)
        clauses: list[ColumnElement[bool]] = []
        for rank, group in sorted(by_rank.items()):
            if rank == RANK_NULL:
                clauses.append(self.has_rank(ref, RANK_NULL))
                continue
            if rank == RANK_BOOLEAN:
                group = [int(v) for v in group]
            elif rank == RANK_NUMBER:
                group = [_sqlite_number(v) for v in group]
            elif rank in (RANK_ARRAY, RANK_OBJECT):
                group = [canonical_json(v) for v in group]
            clauses.append(and_(self.has_rank(ref, rank), self.in_values(ref.value, group)))
        return or_(false(), *clauses)

    def elements(self, ref: JSONRef) -> tuple[FromClause, JSONRef]:
        array = case((ref.type_name == "array", ref.value), else_=null())
        table = func.json_each(array).table_valued("type", "value")
        return table, JSONRef(table.c.type, table.c.value)


def _case(branches: Sequence[tuple[ColumnElement[bool] | None, ColumnElement[Any]]]) -> Any:
    whens = [(cond, value) for cond, value in branches if cond is not None]
    otherwise = [value for cond, value in branches if cond is None]
    return case(*whens, else_=otherwise[0] if otherwise else null())


_DIALECTS: dict[str, type[Dialect]] = {"postgresql": PostgreSQLDialect, "sqlite": SQLiteDialect}


def dialect_for(engine_dialect_name: str) -> Dialect:
    """The :class:`Dialect` of a SQLAlchemy dialect name; ValueError when unsupported."""
    try:
        return _DIALECTS[engine_dialect_name]()
    except KeyError:
        supported = ", ".join(sorted(_DIALECTS))
        raise ValueError(
            f"Unsupported database {engine_dialect_name!r} (supported: {supported})"
        ) from None


def _sqlite_number(value: Any) -> Any:
    """``value``, as a real when it is an integer beyond SQLite's 64 bits.

    SQLite keeps such JSON numbers as reals too, so they still compare.
    """
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        return float(value)
    return value
