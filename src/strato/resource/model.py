"""The model: a resource's collection, between the views and the backends.

A :class:`Model` is bound to one collection ``(resource_name, parent_id)``
and to the caller (its principals), and talks to the storage and permission
backends only through their interfaces. Views never call a backend.

Objects returned by the model carry the object's own ACL in
``__permissions__`` when the caller is one of the object's explicit
writers, ``{}`` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from strato.permission import PermissionBase
from strato.storage import Filter, Sort, StorageBase

__all__ = ["Model"]

PERMISSIONS_FIELD = "__permissions__"


class Model:
    """Reads and writes the objects of one collection for one caller.

    ``get_object_uri(object_id)`` builds the permission URI of an object;
    it is only needed when a permission backend is given.
    """

    id_field = "id"
    modified_field = "last_modified"
    deleted_field = "deleted"
    permissions_field = PERMISSIONS_FIELD

    def __init__(
        self,
        storage: StorageBase,
        permission: PermissionBase | None = None,
        *,
        resource_name: str,
        parent_id: str = "",
        id_generator: Callable[[], str] | None = None,
        current_principal: str | None = None,
        prefixed_principals: Sequence[str] = (),
        explicit_perm: bool = True,
        get_object_uri: Callable[[str], str] | None = None,
    ) -> None:
        self.storage = storage
        self.permission = permission
        self.resource_name = resource_name
        self.parent_id = parent_id
        self.id_generator = id_generator
        self.current_principal = current_principal
        self.prefixed_principals = list(prefixed_principals)
        self.explicit_perm = explicit_perm
        self.get_object_uri = get_object_uri

    def _kw(self) -> dict[str, Any]:
        return {"id_field": self.id_field, "modified_field": self.modified_field}

    def timestamp(self, parent_id: str | None = None) -> int:
        """The collection timestamp (created on first read)."""
        return self.storage.resource_timestamp(
            self.resource_name, self.parent_id if parent_id is None else parent_id
        )

    def get_objects(
        self,
        filters: Sequence[Filter] | None = None,
        sorting: Sequence[Sort] | None = None,
        pagination_rules: Sequence[Sequence[Filter]] | None = None,
        limit: int | None = None,
        include_deleted: bool = False,
        parent_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """List the collection's objects (permissions are not attached)."""
        return self.storage.list_all(
            self.resource_name,
            self.parent_id if parent_id is None else parent_id,
            filters=filters,
            sorting=sorting,
            pagination_rules=pagination_rules,
            limit=limit,
            include_deleted=include_deleted,
            deleted_field=self.deleted_field,
            **self._kw(),
        )

    def count_objects(
        self, filters: Sequence[Filter] | None = None, parent_id: str | None = None
    ) -> int:
        """Count live objects matching ``filters``."""
        return self.storage.count_all(
            self.resource_name,
            self.parent_id if parent_id is None else parent_id,
            filters=filters,
            deleted_field=self.deleted_field,
            **self._kw(),
        )

    def delete_objects(
        self,
        filters: Sequence[Filter] | None = None,
        sorting: Sequence[Sort] | None = None,
        pagination_rules: Sequence[Sequence[Filter]] | None = None,
        limit: int | None = None,
        parent_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """Delete matching objects (and their ACLs); return tombstones."""
        deleted = self.storage.delete_all(
            self.resource_name,
            self.parent_id if parent_id is None else parent_id,
            filters=filters,
            sorting=sorting,
            pagination_rules=pagination_rules,
            limit=limit,
            deleted_field=self.deleted_field,
            **self._kw(),
        )
        if self.permission is not None and self.get_object_uri is not None and deleted:
            uris = [self.get_object_uri(o[self.id_field]) for o in deleted]
            self.permission.delete_object_permissions(*uris)
        return deleted

    def get_object(self, object_id: str, parent_id: str | None = None) -> dict[str, Any]:
        """The live object, with ``__permissions__`` attached (see module doc)."""
        obj = self.storage.get(
            self.resource_name,
            self.parent_id if parent_id is None else parent_id,
            object_id,
            **self._kw(),
        )
        return self._annotate(obj)

    def create_object(self, obj: dict[str, Any], parent_id: str | None = None) -> dict[str, Any]:
        """Store a new object; ACEs given in ``__permissions__`` are set."""
        data, permissions = self._split(obj)
        created = self.storage.create(
            self.resource_name,
            self.parent_id if parent_id is None else parent_id,
            data,
            id_generator=self.id_generator,
            **self._kw(),
        )
        return self._save_permissions(created, permissions, replace_all=True)

    def update_object(
        self,
        obj: dict[str, Any],
        parent_id: str | None = None,
        if_match: int | None = None,
        replace_permissions: bool = False,
    ) -> dict[str, Any]:
        """Replace (or create) an object; ``if_match`` makes it conditional.

        ``__permissions__`` lists the ACEs to replace; with
        ``replace_permissions`` every ACE not listed is cleared.
        """
        data, permissions = self._split(obj)
        updated = self.storage.update(
            self.resource_name,
            self.parent_id if parent_id is None else parent_id,
            data[self.id_field],
            data,
            if_match=if_match,
            **self._kw(),
        )
        return self._save_permissions(updated, permissions, replace_all=replace_permissions)

    def delete_object(
        self,
        obj: dict[str, Any],
        parent_id: str | None = None,
        last_modified: int | None = None,
        if_match: int | None = None,
    ) -> dict[str, Any]:
        """Delete an object (and its ACL) leaving a tombstone."""
        object_id = obj[self.id_field]
        tombstone = self.storage.delete(
            self.resource_name,
            self.parent_id if parent_id is None else parent_id,
            object_id,
            last_modified=last_modified,
            if_match=if_match,
            deleted_field=self.deleted_field,
            **self._kw(),
        )
        if self.permission is not None and self.get_object_uri is not None:
            self.permission.delete_object_permissions(self.get_object_uri(object_id))
        return tombstone

    # Permissions ---------------------------------------------------------

    def _split(self, obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]] | None]:
        data = {k: v for k, v in obj.items() if k != self.permissions_field}
        permissions = obj.get(self.permissions_field)
        return data, permissions

    def _annotate(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.permission is None or self.get_object_uri is None:
            return obj
        uri = self.get_object_uri(obj[self.id_field])
        acl = self.permission.get_object_permissions(uri)
        writers = acl.get("write", set())
        if set(self.prefixed_principals) & set(writers):
            obj[self.permissions_field] = {k: sorted(v) for k, v in acl.items()}
        else:
            obj[self.permissions_field] = {}
        return obj

    def _save_permissions(
        self,
        obj: dict[str, Any],
        permissions: dict[str, list[str]] | None,
        replace_all: bool,
    ) -> dict[str, Any]:
        if self.permission is None or self.get_object_uri is None:
            return obj
        uri = self.get_object_uri(obj[self.id_field])
        wanted: dict[str, list[str]] = {}
        if replace_all and permissions is not None:
            existing = self.permission.get_object_permissions(uri)
            wanted = {perm: [] for perm in existing}
        for perm, principals in (permissions or {}).items():
            if principals is not None:
                wanted[perm] = list(principals)
        if self.explicit_perm and self.current_principal:
            writers = set(wanted.get("write", []))
            if "write" not in wanted:
                writers |= self.permission.get_object_permission_principals(uri, "write")
            writers.add(self.current_principal)
            wanted["write"] = sorted(writers)
        if wanted:
            self.permission.replace_object_permissions(uri, wanted)
        return self._annotate(obj)
