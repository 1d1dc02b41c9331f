"""``/buckets/{bucket_id}/collections``: containers of records.

A collection may hold a JSON ``schema`` its records must match, and a
``cache_expires`` (seconds) telling anonymous readers how long they may
cache its records. Deleting a collection deletes its records and their
permissions, without leaving record tombstones.
"""

from __future__ import annotations

import colander
from pyramid.events import subscriber
from pyramid.request import Request

from storage_service import lookups
from storage_service.validation import JSONSchema
from storage_service.views.base import BucketChild
from strato import resource
from strato.components import get_components
from strato.events import ACTIONS, ResourceChanged


class CollectionSchema(resource.ResourceSchema):
    schema = JSONSchema(missing=colander.drop)
    cache_expires = colander.SchemaNode(
        colander.Int(), validator=colander.Range(min=0), missing=colander.drop
    )


@resource.register(
    name="collection",
    plural_path="/buckets/{bucket_id}/collections",
    object_path="/buckets/{bucket_id}/collections/{id}",
)
class Collection(BucketChild):
    schema = CollectionSchema
    permissions = ("read", "write", "record:create")
    is_parent = True


def delete_collection_contents(request: Request, bucket_id: str, collection_id: str) -> None:
    """Remove a collection's records, their tombstones and their permissions."""
    components = get_components(request)
    storage, permission = components.storage, components.permission
    assert storage is not None and permission is not None
    uri = lookups.collection_uri(bucket_id, collection_id)
    storage.delete_all(None, uri, with_deleted=False)
    storage.purge_deleted(None, uri)
    permission.delete_object_permissions(f"{uri}/*")


@subscriber(ResourceChanged, for_resources=("collection",), for_actions=(ACTIONS.DELETE,))
def on_collections_deleted(event: ResourceChanged) -> None:
    for change in event.impacted_objects:
        delete_collection_contents(event.request, event.payload["bucket_id"], change["old"]["id"])
