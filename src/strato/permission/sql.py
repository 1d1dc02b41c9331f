"""Permission backend on a SQL database (PostgreSQL or SQLite).

Enable it with::

    permission_backend = strato.permission.sql
    permission_url = postgresql://user@host/db   # or sqlite:///data/strato.sqlite

and create the tables with ``strato migrate``. With the same URL as the
storage, permission writes happen in the same database transaction as
the objects they protect, so a failing request leaves neither behind.
Object id patterns (``*``) are matched in the database, never in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ColumnElement, and_, delete, func, literal, or_, select, tuple_
from sqlalchemy.engine import Connection

from strato.permission import PermissionBase, _as_principal_set
from strato.sql import SQLClient, load_client, migrate
from strato.sql.query import check_no_nul
from strato.sql.schema import access_control_entries as aces
from strato.sql.schema import user_principals

if TYPE_CHECKING:
    from pyramid.config import Configurator

__all__ = ["SQLPermission", "load_from_config"]

_AUTHENTICATED = "system.Authenticated"


class SQLPermission(PermissionBase):
    """:class:`~strato.permission.PermissionBase` over a :class:`~strato.sql.SQLClient`."""

    persistent: ClassVar[bool] = True
    transactional: ClassVar[bool] = True

    def __init__(self, client: SQLClient) -> None:
        self.client = client
        self.dialect = client.dialect

    def __repr__(self) -> str:
        return f"SQLPermission({self.client.label!r})"

    def initialize_schema(self, dry_run: bool = False) -> None:
        migrate(self.client, "permission", dry_run=dry_run)

    def flush(self) -> None:
        with self._connect(write=True) as conn:
            conn.execute(delete(user_principals))
            conn.execute(delete(aces))

    # -- user principals ------------------------------------------------------

    def add_user_principal(self, user_id: str, principal: str) -> None:
        _check(user_id, principal)
        insert = self.dialect.insert(user_principals).values(user_id=user_id, principal=principal)
        with self._connect(write=True) as conn:
            conn.execute(insert.on_conflict_do_nothing())

    def remove_user_principal(self, user_id: str, principal: str) -> None:
        _check(user_id, principal)
        with self._connect(write=True) as conn:
            conn.execute(
                delete(user_principals).where(
                    user_principals.c.user_id == user_id, user_principals.c.principal == principal
                )
            )

    def remove_principal(self, principal: str) -> None:
        _check(principal)
        with self._connect(write=True) as conn:
            conn.execute(delete(user_principals).where(user_principals.c.principal == principal))

    def purge_principal(self, principal: str) -> None:
        _check(principal)
        # Both lookups are indexed: the primary keys start with user_id and
        # object_id, and each table has an index on principal.
        with self._connect(write=True) as conn:
            conn.execute(
                delete(user_principals).where(
                    or_(
                        user_principals.c.principal == principal,
                        user_principals.c.user_id == principal,
                    )
                )
            )
            conn.execute(delete(aces).where(aces.c.principal == principal))

    def get_user_principals(self, user_id: str) -> set[str]:
        _check(user_id)
        query = select(user_principals.c.principal).where(
            user_principals.c.user_id.in_([user_id, _AUTHENTICATED])
        )
        with self._connect(write=False) as conn:
            return set(conn.execute(query).scalars())

    # -- access control entries -------------------------------------------------

    def add_principal_to_ace(self, object_id: str, permission: str, principal: str) -> None:
        _check(object_id, permission, principal)
        insert = self.dialect.insert(aces).values(
            object_id=object_id, permission=permission, principal=principal
        )
        with self._connect(write=True) as conn:
            conn.execute(insert.on_conflict_do_nothing())

    def remove_principal_from_ace(self, object_id: str, permission: str, principal: str) -> None:
        _check(object_id, permission, principal)
        with self._connect(write=True) as conn:
            conn.execute(
                delete(aces).where(
                    aces.c.object_id == object_id,
                    aces.c.permission == permission,
                    aces.c.principal == principal,
                )
            )

    def get_object_permission_principals(self, object_id: str, permission: str) -> set[str]:
        _check(object_id, permission)
        query = select(aces.c.principal).where(
            aces.c.object_id == object_id, aces.c.permission == permission
        )
        with self._connect(write=False) as conn:
            return set(conn.execute(query).scalars())

    def get_accessible_objects(
        self,
        principals: Iterable[str],
        bound_permissions: Iterable[tuple[str, str]] | None = None,
        with_children: bool = True,
    ) -> dict[str, set[str]]:
        wanted = sorted(_as_principal_set(principals))
        _check(*wanted)
        if not wanted:
            return {}
        conditions = [self.dialect.in_values(aces.c.principal, wanted)]
        if bound_permissions is not None:
            bounds = list(bound_permissions)
            if not bounds:
                return {}
            clauses = []
            for pattern, permission in bounds:
                _check(pattern, permission)
                clauses.append(
                    and_(
                        aces.c.permission == permission,
                        self._matches(pattern, star_segment=not with_children),
                    )
                )
            conditions.append(or_(*clauses))
        query = select(aces.c.object_id, aces.c.permission).distinct().where(*conditions)
        found: dict[str, set[str]] = {}
        with self._connect(write=False) as conn:
            for object_id, permission in conn.execute(query):
                found.setdefault(object_id, set()).add(permission)
        return found

    def get_authorized_principals(self, bound_permissions: Iterable[tuple[str, str]]) -> set[str]:
        pairs = _pairs(bound_permissions)
        if not pairs:
            return set()
        query = (
            select(aces.c.principal)
            .distinct()
            .where(tuple_(aces.c.object_id, aces.c.permission).in_(pairs))
        )
        with self._connect(write=False) as conn:
            return set(conn.execute(query).scalars())

    def check_permission(
        self, principals: Iterable[str], bound_permissions: Iterable[tuple[str, str]]
    ) -> bool:
        wanted = sorted(_as_principal_set(principals))
        pairs = _pairs(bound_permissions)
        _check(*wanted)
        if not wanted or not pairs:
            return False
        query = select(
            select(literal(1))
            .where(
                tuple_(aces.c.object_id, aces.c.permission).in_(pairs),
                self.dialect.in_values(aces.c.principal, wanted),
            )
            .exists()
        )
        with self._connect(write=False) as conn:
            return bool(conn.execute(query).scalar())

    def get_objects_permissions(
        self, object_ids: Iterable[str], permissions: Iterable[str] | None = None
    ) -> list[dict[str, set[str]]]:
        ids = list(object_ids)
        _check(*ids)
        if not ids:
            return []
        conditions = [self.dialect.in_values(aces.c.object_id, sorted(set(ids)))]
        if permissions is not None:
            only = sorted(set(permissions))
            _check(*only)
            conditions.append(self.dialect.in_values(aces.c.permission, only))
        query = select(aces.c.object_id, aces.c.permission, aces.c.principal).where(*conditions)
        by_object: dict[str, dict[str, set[str]]] = {}
        with self._connect(write=False) as conn:
            for object_id, permission, principal in conn.execute(query):
                by_object.setdefault(object_id, {}).setdefault(permission, set()).add(principal)
        return [
            {perm: set(principals) for perm, principals in by_object.get(oid, {}).items()}
            for oid in ids
        ]

    def replace_object_permissions(
        self, object_id: str, permissions: Mapping[str, Iterable[str]]
    ) -> None:
        # Validate everything first: a bad entry must not leave the object
        # half-replaced.
        replacements = {
            permission: _as_principal_set(principals)
            for permission, principals in permissions.items()
        }
        _check(object_id, *replacements)
        for principals in replacements.values():
            _check(*principals)
        if not replacements:
            return
        rows = [
            {"object_id": object_id, "permission": permission, "principal": principal}
            for permission, principals in replacements.items()
            for principal in sorted(principals)
        ]
        with self._connect(write=True) as conn:
            conn.execute(
                delete(aces).where(
                    aces.c.object_id == object_id,
                    self.dialect.in_values(aces.c.permission, sorted(replacements)),
                )
            )
            if rows:
                conn.execute(self.dialect.insert(aces).on_conflict_do_nothing(), rows)

    def delete_object_permissions(self, *object_ids: str) -> None:
        if not object_ids:
            return
        _check(*object_ids)
        exact = sorted({oid for oid in object_ids if "*" not in oid})
        clauses = [self._matches(pattern) for pattern in object_ids if "*" in pattern]
        if exact:
            clauses.append(self.dialect.in_values(aces.c.object_id, exact))
        with self._connect(write=True) as conn:
            conn.execute(delete(aces).where(or_(*clauses)))

    # -- helpers --------------------------------------------------------------

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[Connection]:
        with self.client.connect(write=write) as conn:
            yield conn

    def _matches(self, pattern: str, *, star_segment: bool = False) -> ColumnElement[bool]:
        column = aces.c.object_id
        if "*" not in pattern:
            return column == pattern
        clause = self.dialect.pattern_match(column, pattern, star_segment=star_segment)
        if star_segment:
            # Each * stands for exactly one path segment: as many slashes as
            # the pattern, once the stars are taken out.
            slashes = func.length(column) - func.length(func.replace(column, "/", ""))
            clause = and_(clause, slashes == pattern.count("/"))
        return clause


def _check(*values: str) -> None:
    for value in values:
        check_no_nul(value, "permission backend argument")


def _pairs(bound_permissions: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = sorted({(object_id, permission) for object_id, permission in bound_permissions})
    for object_id, permission in pairs:
        _check(object_id, permission)
    return pairs


def load_from_config(config: Configurator) -> SQLPermission:
    """Build the backend from ``permission_url`` (and pool settings); the schema
    is checked, or migrated with ``permission_auto_migrate``.
    """
    return SQLPermission(load_client(config, "permission"))
