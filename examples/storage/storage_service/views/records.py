"""``/buckets/{bucket_id}/collections/{collection_id}/records``: the data.

Every request first checks that the collection exists (404, errno 111),
once the caller is known to be allowed, so that nobody learns which
collections exist without access to the bucket. With schema validation
on, records must match their collection's ``schema`` (and the bucket's
``record:schema``); a validated record carries the ``schema`` field, the
timestamp of the collection version it was checked against.
"""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from storage_service import lookups
from storage_service.validation import InvalidObject, validate_object, validation_enabled
from storage_service.views.base import HierarchyResource
from strato import resource
from strato.settings import as_optional_int

SCHEMA_FIELD = "schema"


@resource.register(
    name="record",
    plural_path="/buckets/{bucket_id}/collections/{collection_id}/records",
    object_path="/buckets/{bucket_id}/collections/{collection_id}/records/{id}",
)
class Record(HierarchyResource):
    def get_parent_id(self, request: Request) -> str:
        bucket_id = request.matchdict["bucket_id"]
        collection_id = request.matchdict["collection_id"]
        lookups.check_id(request, "bucket", bucket_id)
        lookups.check_id(request, "collection", collection_id)
        return lookups.collection_uri(bucket_id, collection_id)

    @property
    def collection_id(self) -> str:
        return str(self.request.matchdict["collection_id"])

    @property
    def collection(self) -> dict[str, Any]:
        """The parent collection (404 errno 111 when it does not exist)."""
        return lookups.get_collection(self.request, self.bucket_id, self.collection_id)

    # Every view needs the collection to exist.

    def plural_head(self) -> Any:
        _ = self.collection
        return super().plural_head()

    def plural_get(self) -> dict[str, Any]:
        _ = self.collection
        return super().plural_get()

    def plural_post(self) -> Any:
        _ = self.collection
        return super().plural_post()

    def plural_delete(self) -> dict[str, Any]:
        _ = self.collection
        return super().plural_delete()

    def get(self) -> dict[str, Any]:
        _ = self.collection
        return super().get()

    def put(self) -> dict[str, Any]:
        _ = self.collection
        return super().put()

    def patch(self) -> dict[str, Any]:
        _ = self.collection
        return super().patch()

    def delete(self) -> dict[str, Any]:
        _ = self.collection
        return super().delete()

    def process_object(
        self, new: dict[str, Any], old: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        new = super().process_object(new, old)
        if not validation_enabled(self.request.registry.settings):
            return new
        ignored = (self.model.modified_field, self.model.permissions_field, SCHEMA_FIELD)
        collection = self.collection
        schema = collection.get("schema")
        if isinstance(schema, dict):
            try:
                validate_object(new, schema, ignored=ignored, id_field=self.model.id_field)
            except InvalidObject as exc:
                self._invalid_object(exc)
            new[SCHEMA_FIELD] = collection[self.model.modified_field]
        self.check_bucket_schema(new, ignored=(SCHEMA_FIELD,))
        return new

    def get_cache_expires(self) -> int | None:
        """The most specific ``record_cache_expires_seconds`` setting, or longer
        if the collection's ``cache_expires`` says so.
        """
        settings = self.request.registry.settings
        expires: int | None = None
        for key in (
            f"{self.bucket_id}.{self.collection_id}.record_cache_expires_seconds",
            f"{self.bucket_id}.record_cache_expires_seconds",
            "record_cache_expires_seconds",
        ):
            expires = as_optional_int(settings.get(key), key)
            if expires is not None:
                break
        from_collection = self.collection.get("cache_expires")
        if isinstance(from_collection, int):
            expires = from_collection if expires is None else max(expires, from_collection)
        return expires
