"""``GET /permissions``: the objects on which the caller holds permissions.

Enabled by ``experimental_permissions_endpoint = true``. Each entry is
``{id, uri, resource_name, permissions, bucket_id, collection_id, ...}``;
``permissions`` lists what the caller holds on that object itself,
including what those permissions imply on it (``write`` implies ``read``,
and on a bucket also ``collection:create`` and ``group:create``). Objects
reachable only through a parent's permission are not listed: the parent
is. Permissions granted by settings (``bucket_create_principals``,
``bucket_read_principals``, ...) are listed too, the root ones on the
``/`` entry.

Each page costs one permission backend query; permissions granted by
settings on every bucket add one storage query (on every collection or
group, one per bucket). Filters, ``_sort``,
``_limit`` and ``_token`` behave as on any list:
:func:`strato.storage.memory.apply_query` runs them over the entries of the
request with the semantics of the storage backends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import colander
from pyramid.config import Configurator
from pyramid.request import Request

from storage_service.uris import CHILD_CREATE_PERMISSIONS, parse_uri
from strato import resource
from strato.components import get_components
from strato.settings import as_list
from strato.storage import Filter, Sort
from strato.storage.memory import apply_query

__all__ = ["Permissions", "includeme"]

#: Setting names ``<resource>_<permission>_principals``.
_SETTING = re.compile(r"^(bucket|collection|group|record|account)_(read|write|create)_principals$")


def _implied(resource_name: str, permissions: set[str]) -> set[str]:
    """``permissions`` plus what they imply on the same object."""
    result = set(permissions)
    if "write" in permissions:
        result |= {"read", *CHILD_CREATE_PERMISSIONS.get(resource_name, ())}
    return result


def _settings_permissions(settings: dict[str, Any], principals: set[str]) -> dict[str, set[str]]:
    """``{resource_name: {permissions}}`` the settings grant to ``principals``.

    ``<name>_create_principals`` grants ``<name>:create`` on the parent kind
    (``""`` for the root).
    """
    parents = {"bucket": "", "account": "", "collection": "bucket", "group": "bucket"}
    parents["record"] = "collection"
    granted: dict[str, set[str]] = {}
    for key, value in settings.items():
        match = _SETTING.match(key)
        if match is None or not principals & set(as_list(value)):
            continue
        name, permission = match.groups()
        if permission == "create":
            granted.setdefault(parents[name], set()).add(f"{name}:create")
        else:
            granted.setdefault(name, set()).add(permission)
    return granted


class PermissionsModel:
    """Serves the entries of one request with the interface of a resource model."""

    id_field = "uri"
    modified_field = "last_modified"
    deleted_field = "deleted"
    permissions_field = "__permissions__"
    parent_id = ""

    def __init__(self, request: Request) -> None:
        self.request = request
        self._computed: list[dict[str, Any]] | None = None

    def timestamp(self, parent_id: str | None = None) -> int:
        return 0

    def _entries(self) -> list[dict[str, Any]]:
        components = get_components(self.request)
        storage, permission = components.storage, components.permission
        assert storage is not None and permission is not None
        principals = set(self.request.prefixed_principals)
        by_uri: dict[str, set[str]] = {
            uri: set(perms) for uri, perms in permission.get_accessible_objects(principals).items()
        }
        granted = _settings_permissions(self.request.registry.settings, principals)
        if granted.get(""):
            by_uri.setdefault("/", set()).update(granted[""])
        for name in ("bucket", "collection", "group"):
            if granted.get(name):
                for uri in self._uris_of_every(storage, name):
                    by_uri.setdefault(uri, set()).update(granted[name])

        entries = []
        for uri, perms in by_uri.items():
            if uri == "/":
                entries.append({"uri": uri, "resource_name": "root", "permissions": sorted(perms)})
                continue
            target = parse_uri(uri)
            if target is None or target.node is None:
                continue
            node = target.node
            entry: dict[str, Any] = {
                "id": node.object_id,
                "uri": uri,
                "resource_name": node.resource_name,
                "permissions": sorted(_implied(node.resource_name, perms)),
                **target.ids(),
            }
            entries.append(entry)
        return entries

    @staticmethod
    def _uris_of_every(storage: Any, resource_name: str) -> list[str]:
        """URIs of every object of a kind, for permissions granted by settings.

        Buckets take one query; collections and groups one per bucket
        holding some, since listed objects do not carry their parent id.
        """
        if resource_name == "bucket":
            return [f"/buckets/{obj['id']}" for obj in storage.list_all("bucket", "")]
        uris = []
        for parent_id in sorted(storage.all_resources_timestamps(resource_name)):
            target = parse_uri(parent_id)
            if target is None or target.node is None or target.node.resource_name != "bucket":
                continue
            uris += [
                f"{parent_id}/{resource_name}s/{obj['id']}"
                for obj in storage.list_all(resource_name, parent_id)
            ]
        return uris

    def _all_entries(self) -> list[dict[str, Any]]:
        if self._computed is None:
            self._computed = self._entries()
        return self._computed

    def get_objects(
        self,
        filters: Sequence[Filter] | None = None,
        sorting: Sequence[Sort] | None = None,
        pagination_rules: Sequence[Sequence[Filter]] | None = None,
        limit: int | None = None,
        include_deleted: bool = False,
        parent_id: str | None = None,
    ) -> list[dict[str, Any]]:
        found = apply_query(
            self._all_entries(), filters, sorting, pagination_rules, limit, id_field="uri"
        )
        return [dict(entry) for entry in found]

    def count_objects(
        self, filters: Sequence[Filter] | None = None, parent_id: str | None = None
    ) -> int:
        return len(apply_query(self._all_entries(), filters, id_field="uri"))


class PermissionsSchema(resource.ResourceSchema):
    id = colander.SchemaNode(colander.String(), missing=colander.drop)
    uri = colander.SchemaNode(colander.String())
    resource_name = colander.SchemaNode(colander.String())
    permissions = colander.SchemaNode(colander.Sequence(), colander.SchemaNode(colander.String()))
    bucket_id = colander.SchemaNode(colander.String(), missing=colander.drop)
    collection_id = colander.SchemaNode(colander.String(), missing=colander.drop)
    group_id = colander.SchemaNode(colander.String(), missing=colander.drop)
    record_id = colander.SchemaNode(colander.String(), missing=colander.drop)
    account_id = colander.SchemaNode(colander.String(), missing=colander.drop)

    class Options:
        preserve_unknown = False


class Permissions(resource.Resource):
    """Read-only list; who may read it is ``permissions_read_principals``."""

    schema = PermissionsSchema

    def __init__(self, request: Request, context: Any = None) -> None:
        super().__init__(request, context)
        self.model = PermissionsModel(request)  # type: ignore[assignment]


def includeme(config: Configurator) -> None:
    """Register ``GET /permissions`` and the ``permissions_endpoint`` capability."""
    resource.register_resource(
        config,
        Permissions,
        name="permissions",
        plural_path="/permissions",
        object_path=None,
        plural_methods=("HEAD", "GET"),
        description="Objects on which the caller holds permissions",
    )
    config.add_api_capability(
        "permissions_endpoint",
        description="GET /permissions lists the objects the caller holds permissions on.",
        url="https://kinto.readthedocs.io/en/stable/api/1.x/permissions.html",
    )
