"""Connections, transactions and errors of the SQL backends.

A :class:`SQLClient` wraps one SQLAlchemy engine. Backends run every
statement inside :meth:`SQLClient.connect`, which decides where it goes:

- during a request (:func:`strato.transaction.current` is set), into the
  request's transaction: one connection and one database transaction per
  client, shared by every backend using the same database, committed or
  rolled back with the request;
- otherwise (scripts, tests, the cache), into a transaction of its own,
  committed when the block ends and rolled back if it raises.

Driver and pool errors never leave this module as such: they become
:class:`~strato.storage.errors.BackendError` (or
:class:`~strato.storage.errors.IntegrityError` for deadlocks and
serialisation failures, which a retry fixes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from strato import transaction
from strato.sql.dialect import Dialect, dialect_for
from strato.storage.errors import BackendError, IntegrityError

__all__ = ["SQLClient"]

# SQLSTATEs after which the whole transaction may simply be retried.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


class _Participant:
    """The connection a client holds in the request's transaction."""

    def __init__(self, client: SQLClient, connection: Connection) -> None:
        self.client = client
        self.connection = connection
        try:
            self.transaction = connection.begin()
        except BaseException:
            connection.close()
            raise
        self.closed = False

    def commit(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            with self.client.translate_errors():
                self.transaction.commit()
        finally:
            self.connection.close()

    def abort(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            with self.client.translate_errors():
                self.transaction.rollback()
        finally:
            self.connection.close()


class SQLClient:
    """One database as the backends see it: engine, dialect, transactions.

    Build it with :func:`strato.sql.get_client` so that backends configured
    with the same URL share it (and its pool). ``label`` names the database
    in error messages; it must not contain credentials.
    """

    def __init__(self, engine: Engine, *, label: str | None = None) -> None:
        self.engine = engine
        self.dialect: Dialect = dialect_for(engine.dialect.name)
        self.label = label or engine.url.render_as_string(hide_password=True)

    def __repr__(self) -> str:
        return f"SQLClient({self.label!r})"

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Re-raise SQLAlchemy and driver errors as storage errors.

        Messages name the error class only: no SQL text, no parameters.
        """
        try:
            yield
        except sa_exc.DBAPIError as exc:
            code = getattr(exc.orig, "pgcode", None)
            if code in _RETRYABLE_SQLSTATES or isinstance(exc, sa_exc.IntegrityError):
                raise IntegrityError(
                    f"Concurrent write conflict ({type(exc.orig).__name__}), please retry"
                ) from exc
            raise BackendError(exc) from exc
        except sa_exc.TimeoutError as exc:
            raise BackendError(exc, f"No free connection to {self.label} (pool timeout)") from exc
        except sa_exc.SQLAlchemyError as exc:
            raise BackendError(exc) from exc

    @contextmanager
    def connect(self, *, write: bool, join: bool = True) -> Iterator[Connection]:
        """A connection in a transaction, for the statements of one call.

        ``write`` says the block may write; on SQLite a writing transaction
        takes the database write lock when it begins. With ``join`` (the
        default) the request's transaction is used when there is one;
        reads on SQLite only use it once it holds the write lock (before
        that they read what is committed). ``join=False`` always commits
        the block by itself, whatever the request does.
        """
        current = transaction.current() if join else None
        if current is not None:
            participant = current.get(self)
            if participant is None and (write or self.dialect.joins_reads):
                with self.translate_errors():
                    participant = _Participant(self, self._open(write=True))
                current.join(self, participant)
            if isinstance(participant, _Participant):
                with self.translate_errors():
                    yield participant.connection
                return
        with self.translate_errors():
            connection = self._open(write=write)
            try:
                with connection.begin():
                    yield connection
            finally:
                connection.close()

    def _open(self, *, write: bool) -> Connection:
        connection = self.engine.connect()
        options = self.dialect.begin_options(write=write)
        if options:
            connection = connection.execution_options(**options)
        return connection

    def dispose(self) -> None:
        """Close the pooled connections (tests, forked processes)."""
        self.engine.dispose()
