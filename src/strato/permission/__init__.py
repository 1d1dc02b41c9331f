"""Who may do what: the permission backend interface.

Plug-in authors start from :class:`PermissionBase` and run
:class:`strato.permission.testing.PermissionTest` against their backend;
service authors pick a backend by dotted name in the ``permission_backend``
setting and never call it directly (the authorization layer does).

The backend stores two independent relations:

- *user principals*: extra principals (groups, roles) a user holds, keyed
  by the user's prefixed id (``basicauth:abc``). Principals given to the
  pseudo-user ``system.Authenticated`` are held by every authenticated user.
- *access control entries* (ACEs): ``(object_id, permission, principal)``
  triples. Object ids are URIs without the version prefix, such as
  ``/buckets/b1/collections/c1``.

Some methods accept object id *patterns*. A pattern is the object id
itself, read literally, in which each ``*`` is a wildcard; no other
character is special (callers must not regex-escape ids).
:func:`compile_object_id_pattern` is the reference definition every backend
follows.
"""

from __future__ import annotations

import abc
import logging
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar

from pyramid.settings import asbool

if typing.TYPE_CHECKING:
    from pyramid.request import Request

__all__ = [
    "PermissionBase",
    "compile_object_id_pattern",
    "heartbeat",
]

_logger = logging.getLogger(__name__)

_HEARTBEAT_USER = "__heartbeat__"
_HEARTBEAT_PRINCIPAL = "alive"


def compile_object_id_pattern(pattern: str, *, with_children: bool = True) -> re.Pattern[str]:
    """Return a regular expression matching whole object ids against ``pattern``.

    Every character of ``pattern`` matches itself except ``*``. With
    ``with_children`` (the default) a ``*`` matches any run of characters,
    including ``/`` and the empty string, so ``/buckets/b1/*`` covers every
    descendant of ``/buckets/b1``. Without it a ``*`` matches exactly one
    non-empty path segment, so ``/buckets/b1/collections/*`` covers the
    collections of ``b1`` but not their records.

    Use ``fullmatch`` on the result: the expression is not anchored.
    Backends that cannot run Python regular expressions must give the same
    answers (for example with ``LIKE``/``GLOB`` plus a segment check).
    """
    wildcard = ".*" if with_children else "[^/]+"
    return re.compile(wildcard.join(re.escape(part) for part in pattern.split("*")))


def _as_principal_set(principals: Iterable[str]) -> set[str]:
    # A bare string is iterable too; accepting it would silently grant
    # each of its characters, so it is refused outright.
    if isinstance(principals, str):
        raise TypeError(f"expected an iterable of principals, got the string {principals!r}")
    return set(principals)


class PermissionBase(abc.ABC):
    """Interface every permission backend implements.

    For plug-in authors: subclass this, implement the abstract methods,
    declare the capability flags, expose a module-level
    ``load_from_config(config)`` factory, and make the conformance suite
    :class:`strato.permission.testing.PermissionTest` pass.

    What callers may rely on, whatever the backend:

    - every method returning a set or dict returns a fresh object: mutating
      it never changes what is stored;
    - adding what is already there and removing what is absent are no-ops,
      never errors;
    - an ACE whose last principal is removed no longer exists (it is absent
      from every read, not reported with an empty set);
    - the relations are independent: removing a user principal leaves ACEs
      untouched and deleting object permissions leaves user principals
      untouched; only :meth:`purge_principal` touches both, by design.

    Backend failures (lost connection, ...) are raised as the backend
    layer's own errors, never as a driver's exception types.
    """

    #: State survives a process restart and is shared by every process
    #: configured with the same backend. False means per-process memory,
    #: fit for tests and prototypes only.
    persistent: ClassVar[bool]
    #: Writes join the request's transaction and are rolled back with it.
    #: False means each call takes effect immediately.
    transactional: ClassVar[bool]

    def initialize_schema(self, dry_run: bool = False) -> None:
        """Create whatever storage the backend needs; safe to call repeatedly.

        With ``dry_run`` the backend reports (logs) what it would do and
        changes nothing. Backends without a schema keep this default no-op.
        """
        return None

    @abc.abstractmethod
    def flush(self) -> None:
        """Delete every user principal and every ACE.

        Meant for tests and the ``flush`` command, never for request paths.
        """

    # User principals.

    @abc.abstractmethod
    def add_user_principal(self, user_id: str, principal: str) -> None:
        """Give ``principal`` to ``user_id``; a no-op when already given."""

    @abc.abstractmethod
    def remove_user_principal(self, user_id: str, principal: str) -> None:
        """Take ``principal`` from ``user_id``; a no-op when not held."""

    @abc.abstractmethod
    def remove_principal(self, principal: str) -> None:
        """Take ``principal`` from every user who holds it.

        ACEs naming ``principal`` are kept: use
        :meth:`remove_principal_from_ace` or
        :meth:`delete_object_permissions` for those.
        """

    @abc.abstractmethod
    def purge_principal(self, principal: str) -> None:
        """Forget ``principal`` everywhere, once what it names is gone.

        For service authors deleting a group, an account or anything else a
        principal stands for: otherwise whoever later gets the same
        principal (a new group at the same URI, a new account with the same
        id) would inherit what was granted to the old one. One call does:

        - every user holding ``principal`` loses it (as :meth:`remove_principal`);
        - every ACE naming ``principal`` loses it (an ACE left without
          principals no longer exists);
        - the principals given to ``principal`` as a user id are taken back,
          since user ids are principals too: a deleted account leaves its
          groups. (Purging ``system.Authenticated`` thus also takes back what
          every authenticated user inherits.)

        Nothing else changes; an unknown principal is a no-op. Callers may
        rely on the call being atomic (no other call sees it half done) and
        on a fixed number of round trips to the backend, however many users
        and ACEs name ``principal``.

        For plug-in authors: implement it as one bounded operation (a fixed
        number of statements, or one server-side script), never as one call
        per entry; look entries up through indexes on the principal where
        the backend has them.
        """

    @abc.abstractmethod
    def get_user_principals(self, user_id: str) -> set[str]:
        """Return the principals ``user_id`` holds.

        The result is the union of the principals given to ``user_id`` and
        those given to the pseudo-user ``system.Authenticated``, since the
        caller asks only about authenticated users. It never contains
        ``user_id`` itself unless it was given explicitly. Unknown users
        get only the ``system.Authenticated`` principals (often an empty
        set).
        """

    # Access control entries.

    @abc.abstractmethod
    def add_principal_to_ace(self, object_id: str, permission: str, principal: str) -> None:
        """Grant ``permission`` on ``object_id`` to ``principal``; idempotent."""

    @abc.abstractmethod
    def remove_principal_from_ace(self, object_id: str, permission: str, principal: str) -> None:
        """Revoke ``permission`` on ``object_id`` from ``principal``; idempotent."""

    @abc.abstractmethod
    def get_object_permission_principals(self, object_id: str, permission: str) -> set[str]:
        """Return the principals granted exactly ``permission`` on exactly ``object_id``.

        No inheritance is applied: a grant on a parent object or another
        permission is not included. Unknown objects give an empty set.
        """

    @abc.abstractmethod
    def get_accessible_objects(
        self,
        principals: Iterable[str],
        bound_permissions: Iterable[tuple[str, str]] | None = None,
        with_children: bool = True,
    ) -> dict[str, set[str]]:
        """Return the objects on which any of ``principals`` holds a permission.

        ``bound_permissions`` is a list of ``(object_id_pattern,
        permission)`` pairs: an object is returned when its id matches one
        of the patterns (see :func:`compile_object_id_pattern`, which
        ``with_children`` is passed to) and one of ``principals`` holds the
        paired permission on it. When ``bound_permissions`` is None every
        permission of ``principals`` on every object counts and
        ``with_children`` is ignored.

        The result maps each matching object id (a real id, never a
        pattern) to the permissions that made it match. Order is
        unspecified. No principals, or an empty ``bound_permissions``,
        gives an empty dict.
        """

    @abc.abstractmethod
    def get_authorized_principals(self, bound_permissions: Iterable[tuple[str, str]]) -> set[str]:
        """Return every principal granted any of the ``(object_id, permission)`` pairs.

        Object ids are exact here, not patterns.
        """

    def check_permission(
        self, principals: Iterable[str], bound_permissions: Iterable[tuple[str, str]]
    ) -> bool:
        """Tell whether any of ``principals`` is granted any of ``bound_permissions``.

        ``bound_permissions`` holds exact ``(object_id, permission)`` pairs,
        usually the permission asked for plus those that imply it. The
        default asks :meth:`get_authorized_principals`; backends may
        override it with a cheaper existence query.
        """
        wanted = _as_principal_set(principals)
        if not wanted:
            return False
        return not wanted.isdisjoint(self.get_authorized_principals(bound_permissions))

    def get_object_permissions(
        self, object_id: str, permissions: Iterable[str] | None = None
    ) -> dict[str, set[str]]:
        """Return ``{permission: principals}`` for every ACE on ``object_id``.

        With ``permissions``, only those permissions are reported.
        Permissions without principals are absent, so an object with no
        ACE gives an empty dict. ACEs of descendant objects are never
        included. The default delegates to :meth:`get_objects_permissions`.
        """
        return self.get_objects_permissions([object_id], permissions)[0]

    @abc.abstractmethod
    def get_objects_permissions(
        self, object_ids: Iterable[str], permissions: Iterable[str] | None = None
    ) -> list[dict[str, set[str]]]:
        """Return :meth:`get_object_permissions` for each id, in the order given.

        The list has one entry per id (duplicates included), so callers
        can ``zip`` it with their objects.
        """

    @abc.abstractmethod
    def replace_object_permissions(
        self, object_id: str, permissions: Mapping[str, Iterable[str]]
    ) -> None:
        """Set the principals of each listed permission on ``object_id``.

        Each permission named in ``permissions`` ends up with exactly the
        principals given (an empty iterable deletes that ACE); permissions
        not named are left as they were. Passing a bare string as a list
        of principals raises :class:`TypeError`.
        """

    @abc.abstractmethod
    def delete_object_permissions(self, *object_ids: str) -> None:
        """Delete every ACE of the objects whose id matches one of ``object_ids``.

        Each argument is a pattern in which ``*`` matches any run of
        characters, so ``/buckets/b1*`` deletes ``/buckets/b1`` and all its
        descendants. Calling it with no argument deletes nothing.
        """


def heartbeat(backend: PermissionBase) -> Callable[[Request], bool]:
    """Build the ``__heartbeat__`` check for ``backend``.

    The returned callable answers True when the backend works. It writes
    then removes a principal of a reserved user, unless the ``readonly``
    setting is on, in which case it only reads. It never raises: a failure
    is logged and reported as False.
    """

    def check(request: Request) -> bool:
        try:
            settings = request.registry.settings or {}
            if asbool(settings.get("readonly")):
                backend.get_user_principals(_HEARTBEAT_USER)
            else:
                backend.add_user_principal(_HEARTBEAT_USER, _HEARTBEAT_PRINCIPAL)
                backend.remove_user_principal(_HEARTBEAT_USER, _HEARTBEAT_PRINCIPAL)
        except Exception:
            _logger.exception("permission backend heartbeat failed")
            return False
        return True

    return check
