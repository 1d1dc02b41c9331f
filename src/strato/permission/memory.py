"""Permission backend kept in process memory.

Select it with ``permission_backend = strato.permission.memory``. State is
lost on restart and invisible to other processes, so it suits tests,
prototypes and single-process demos only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import ClassVar

from pyramid.config import Configurator

from strato.permission import PermissionBase, _as_principal_set, compile_object_id_pattern

__all__ = ["MemoryPermission", "load_from_config"]


class MemoryPermission(PermissionBase):
    """Pure-Python :class:`~strato.permission.PermissionBase`.

    Every method holds one re-entrant lock for its whole duration, so each
    call is atomic with respect to the others and the backend can be shared
    by the threads of a WSGI server.
    """

    persistent: ClassVar[bool] = False
    transactional: ClassVar[bool] = False

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._user_principals: dict[str, set[str]] = {}
        # object_id -> permission -> principals; empty sets are never kept,
        # so "present" always means "granted to someone".
        self._aces: dict[str, dict[str, set[str]]] = {}

    def flush(self) -> None:
        with self._lock:
            self._user_principals.clear()
            self._aces.clear()

    def add_user_principal(self, user_id: str, principal: str) -> None:
        with self._lock:
            self._user_principals.setdefault(user_id, set()).add(principal)

    def remove_user_principal(self, user_id: str, principal: str) -> None:
        with self._lock:
            principals = self._user_principals.get(user_id)
            if principals is None:
                return
            principals.discard(principal)
            if not principals:
                del self._user_principals[user_id]

    def remove_principal(self, principal: str) -> None:
        with self._lock:
            for user_id in list(self._user_principals):
                self.remove_user_principal(user_id, principal)

    def purge_principal(self, principal: str) -> None:
        with self._lock:
            self.remove_principal(principal)
            self._user_principals.pop(principal, None)
            for object_id in list(self._aces):
                for permission in list(self._aces[object_id]):
                    self.remove_principal_from_ace(object_id, permission, principal)

    def get_user_principals(self, user_id: str) -> set[str]:
        with self._lock:
            own = self._user_principals.get(user_id, set())
            inherited = self._user_principals.get("system.Authenticated", set())
            return own | inherited

    def add_principal_to_ace(self, object_id: str, permission: str, principal: str) -> None:
        with self._lock:
            self._aces.setdefault(object_id, {}).setdefault(permission, set()).add(principal)

    def remove_principal_from_ace(self, object_id: str, permission: str, principal: str) -> None:
        with self._lock:
            aces = self._aces.get(object_id)
            if aces is None or permission not in aces:
                return
            aces[permission].discard(principal)
            self._drop_if_empty(object_id, permission)

    def get_object_permission_principals(self, object_id: str, permission: str) -> set[str]:
        with self._lock:
            return set(self._aces.get(object_id, {}).get(permission, ()))

    def get_accessible_objects(
        self,
        principals: Iterable[str],
        bound_permissions: Iterable[tuple[str, str]] | None = None,
        with_children: bool = True,
    ) -> dict[str, set[str]]:
        wanted = _as_principal_set(principals)
        found: dict[str, set[str]] = {}
        if not wanted:
            return found
        with self._lock:
            if bound_permissions is None:
                for object_id, aces in self._aces.items():
                    for permission, granted in aces.items():
                        if not wanted.isdisjoint(granted):
                            found.setdefault(object_id, set()).add(permission)
                return found
            for pattern, permission in bound_permissions:
                regex = compile_object_id_pattern(pattern, with_children=with_children)
                for object_id, aces in self._aces.items():
                    holders = aces.get(permission)
                    if (
                        holders is not None
                        and not wanted.isdisjoint(holders)
                        and regex.fullmatch(object_id)
                    ):
                        found.setdefault(object_id, set()).add(permission)
        return found

    def get_authorized_principals(self, bound_permissions: Iterable[tuple[str, str]]) -> set[str]:
        authorized: set[str] = set()
        with self._lock:
            for object_id, permission in bound_permissions:
                authorized |= self._aces.get(object_id, {}).get(permission, set())
        return authorized

    def get_objects_permissions(
        self, object_ids: Iterable[str], permissions: Iterable[str] | None = None
    ) -> list[dict[str, set[str]]]:
        only = None if permissions is None else set(permissions)
        result: list[dict[str, set[str]]] = []
        with self._lock:
            for object_id in object_ids:
                aces = self._aces.get(object_id, {})
                result.append(
                    {
                        permission: set(granted)
                        for permission, granted in aces.items()
                        if only is None or permission in only
                    }
                )
        return result

    def replace_object_permissions(
        self, object_id: str, permissions: Mapping[str, Iterable[str]]
    ) -> None:
        # Validate everything before touching storage so a bad entry
        # cannot leave the object half-replaced.
        replacements = {
            permission: _as_principal_set(principals)
            for permission, principals in permissions.items()
        }
        with self._lock:
            for permission, principals in replacements.items():
                self._aces.setdefault(object_id, {})[permission] = principals
                self._drop_if_empty(object_id, permission)

    def delete_object_permissions(self, *object_ids: str) -> None:
        if not object_ids:
            return
        regexes = [compile_object_id_pattern(pattern) for pattern in object_ids]
        with self._lock:
            doomed = [
                object_id
                for object_id in self._aces
                if any(regex.fullmatch(object_id) for regex in regexes)
            ]
            for object_id in doomed:
                del self._aces[object_id]

    def _drop_if_empty(self, object_id: str, permission: str) -> None:
        aces = self._aces[object_id]
        if not aces[permission]:
            del aces[permission]
        if not aces:
            del self._aces[object_id]


def load_from_config(config: Configurator) -> MemoryPermission:
    """Build the backend for ``permission_backend = strato.permission.memory``.

    The memory backend reads no setting, so any configuration is accepted.
    """
    return MemoryPermission()
