"""Exceptions raised by storage backends.

Everything a backend raises on purpose derives from :class:`StorageError`,
so the resource layer can catch storage trouble without knowing which backend
is configured. Driver exceptions (psycopg, sqlite3, ...) never escape a
backend: they are wrapped into :class:`BackendError` with ``raise ... from``.

Hierarchy::

    StorageError
     +-- BackendError            the backend itself failed (driver, network)
     |    +-- ReadonlyError      a write was attempted on a read-only backend
     +-- ObjectNotFoundError     no live object with this id
     +-- IntegrityError          a write conflicts with stored state; retryable
     |    +-- UnicityError       a live object with this id already exists
     +-- ObjectModifiedError     a conditional write (``if_match``) lost the race

The HTTP layer maps them as follows: ``BackendError`` to 503,
``ObjectNotFoundError`` to 404, ``IntegrityError`` to 409 with
``Retry-After``, ``UnicityError`` to 200/409 depending on the endpoint and
``ObjectModifiedError`` to 412.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BackendError",
    "IntegrityError",
    "ObjectModifiedError",
    "ObjectNotFoundError",
    "ReadonlyError",
    "StorageError",
    "UnicityError",
]


class StorageError(Exception):
    """Base class of every error a storage backend raises on purpose."""


class BackendError(StorageError):
    """The backend could not perform the operation (connection lost, driver error...).

    ``original`` is the wrapped driver exception, kept for logs and Sentry.
    The message is safe to show in logs next to user data: it never contains
    SQL text or bound parameters, only the driver exception's class name when
    no explicit message is given.
    """

    def __init__(self, original: BaseException | None = None, message: str | None = None) -> None:
        self.original = original
        if message is None:
            if original is None:
                message = "Storage backend error"
            else:
                message = f"Storage backend error ({type(original).__name__})"
        self.message = message
        super().__init__(message)


class ReadonlyError(BackendError):
    """A write (including creating a collection timestamp) hit a read-only backend."""


class ObjectNotFoundError(StorageError):
    """No live object exists with the requested id (tombstones do not count)."""

    def __init__(self, object_id: str | None = None) -> None:
        self.object_id = object_id
        super().__init__(f"Object not found: {object_id!r}" if object_id else "Object not found")


class IntegrityError(StorageError):
    """The write conflicts with what is stored; it had no effect.

    Raised as is (not as a subclass) when two concurrent writers collide, for
    example on the same collection timestamp: the caller may retry.
    """


class UnicityError(IntegrityError):
    """A live object with the same value of ``field`` already exists.

    ``existing`` is a copy of that stored object.
    """

    def __init__(self, field: str, existing: dict[str, Any] | None = None) -> None:
        self.field = field
        self.existing = existing
        super().__init__(f"Unicity constraint violated on field {field!r}")


class ObjectModifiedError(StorageError):
    """A conditional write (``if_match``) found another version than expected.

    Nothing was written. ``existing`` is a copy of the current live object, or
    ``None`` when there is no live object (absent or deleted).
    """

    def __init__(self, existing: dict[str, Any] | None = None) -> None:
        self.existing = existing
        super().__init__("Object was modified meanwhile")
