"""``/buckets``: the top of the hierarchy.

A bucket may hold JSON schemas for the objects below it
(``collection:schema``, ``group:schema``, ``record:schema``). Deleting a
bucket deletes everything below it, with their permissions, without
leaving tombstones of the children.
"""

from __future__ import annotations

import colander
from pyramid.events import subscriber
from pyramid.request import Request

from storage_service import lookups
from storage_service.validation import JSONSchema
from storage_service.views.base import HierarchyResource
from strato import resource
from strato.components import get_components
from strato.events import ACTIONS, ResourceChanged


class BucketSchema(resource.ResourceSchema):
    collection_schema = JSONSchema(name="collection:schema", missing=colander.drop)
    group_schema = JSONSchema(name="group:schema", missing=colander.drop)
    record_schema = JSONSchema(name="record:schema", missing=colander.drop)


@resource.register(name="bucket", plural_path="/buckets", object_path="/buckets/{id}")
class Bucket(HierarchyResource):
    """Buckets are shared by everyone; who sees what is up to their permissions."""

    schema = BucketSchema
    permissions = ("read", "write", "collection:create", "group:create")
    is_parent = True


def delete_bucket_contents(request: Request, bucket_id: str) -> None:
    """Remove every object below a bucket, their tombstones and their permissions.

    A bounded number of backend calls whatever the bucket holds: the
    backends select the children with parent id patterns.
    """
    components = get_components(request)
    storage, permission = components.storage, components.permission
    assert storage is not None and permission is not None
    uri = lookups.bucket_uri(bucket_id)
    descendants = f"{uri}/*"
    groups = storage.delete_all("group", uri, with_deleted=False)
    for parent_pattern in (uri, descendants):
        storage.delete_all(None, parent_pattern, with_deleted=False)
        storage.purge_deleted(None, parent_pattern)
    permission.delete_object_permissions(descendants)
    for group in groups:
        permission.purge_principal(f"{uri}/groups/{group['id']}")


@subscriber(ResourceChanged, for_resources=("bucket",), for_actions=(ACTIONS.DELETE,))
def on_buckets_deleted(event: ResourceChanged) -> None:
    for change in event.impacted_objects:
        delete_bucket_contents(event.request, change["old"]["id"])
