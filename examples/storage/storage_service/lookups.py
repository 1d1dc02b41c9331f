"""Parents of an object: checking their ids and fetching them once per request.

A missing (or impossible) parent is a 404 with errno 111 and
``details: {id, resource_name}``. Fetched parents are kept in
``request.bound_data``, which a batch shares with its subrequests, so a
batch of 25 records looks their collection up once; any write to a bucket
or collection empties these caches, so later subrequests see the change.
"""

from __future__ import annotations

from typing import Any

from pyramid import httpexceptions
from pyramid.request import Request

from strato.components import get_components
from strato.errors import ERRORS, http_error
from strato.storage import ObjectNotFoundError
from strato.storage.generators import UUID4, Generator

__all__ = [
    "bucket_uri",
    "check_id",
    "collection_uri",
    "forget_parents",
    "get_bucket",
    "get_collection",
    "id_generator",
    "missing_resource",
]

_BUCKETS = "storage_service.buckets"
_COLLECTIONS = "storage_service.collections"
_FALLBACK = UUID4()


def bucket_uri(bucket_id: str) -> str:
    return f"/buckets/{bucket_id}"


def collection_uri(bucket_id: str, collection_id: str) -> str:
    return f"/buckets/{bucket_id}/collections/{collection_id}"


def id_generator(request: Request, resource_name: str) -> Generator:
    """The id generator configured for ``resource_name`` (``<name>_id_generator``)."""
    generators = get_components(request).id_generators
    return generators.get(resource_name) or generators.get("") or _FALLBACK  # type: ignore[no-any-return]


def missing_resource(resource_name: str, object_id: str) -> httpexceptions.HTTPException:
    """The 404 answered when a parent object does not exist."""
    return http_error(
        httpexceptions.HTTPNotFound(),
        errno=ERRORS.MISSING_RESOURCE,
        details={"id": object_id, "resource_name": resource_name},
    )


def check_id(request: Request, resource_name: str, object_id: str) -> None:
    """404 when ``object_id`` cannot be the id of a ``resource_name``.

    Also keeps ``*`` (a pattern character for the backends) out of URIs.
    """
    if not id_generator(request, resource_name).match(object_id):
        raise missing_resource(resource_name, object_id)


def _cached(request: Request, key: str) -> dict[str, Any]:
    return request.bound_data.setdefault(key, {})  # type: ignore[no-any-return]


def get_bucket(request: Request, bucket_id: str) -> dict[str, Any]:
    """The bucket ``bucket_id`` (404 errno 111 when missing)."""
    cache = _cached(request, _BUCKETS)
    if bucket_id not in cache:
        check_id(request, "bucket", bucket_id)
        storage = get_components(request).storage
        assert storage is not None
        try:
            cache[bucket_id] = storage.get("bucket", "", bucket_id)
        except ObjectNotFoundError:
            raise missing_resource("bucket", bucket_id) from None
    return cache[bucket_id]  # type: ignore[no-any-return]


def get_collection(request: Request, bucket_id: str, collection_id: str) -> dict[str, Any]:
    """The collection ``collection_id`` of ``bucket_id`` (404 errno 111 when missing)."""
    cache = _cached(request, _COLLECTIONS)
    uri = collection_uri(bucket_id, collection_id)
    if uri not in cache:
        check_id(request, "collection", collection_id)
        storage = get_components(request).storage
        assert storage is not None
        try:
            cache[uri] = storage.get("collection", bucket_uri(bucket_id), collection_id)
        except ObjectNotFoundError:
            raise missing_resource("collection", collection_id) from None
    return cache[uri]  # type: ignore[no-any-return]


def forget_parents(request: Request) -> None:
    """Drop the fetched buckets and collections: a write may change them."""
    request.bound_data.pop(_BUCKETS, None)
    request.bound_data.pop(_COLLECTIONS, None)
