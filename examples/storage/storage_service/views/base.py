"""What the four resources of the hierarchy share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pyramid.request import Request

from storage_service import lookups
from storage_service.validation import InvalidObject, validate_object, validation_enabled
from strato import resource
from strato.errors import raise_invalid

__all__ = ["BucketChild", "HierarchyResource"]

_READ_METHODS = ("GET", "HEAD", "OPTIONS")


class HierarchyResource(resource.ShareableResource):
    """A shareable resource whose parents are fetched once per request.

    Buckets and collections are parents: a write to one of them may change
    what later subrequests of a batch must see, so it empties the parent
    caches of :mod:`storage_service.lookups` (``is_parent``).
    """

    #: Writes to this resource make the fetched parents stale.
    is_parent = False

    def __init__(self, request: Request, context: Any = None) -> None:
        if self.is_parent and request.method.upper() not in _READ_METHODS:
            lookups.forget_parents(request)
        super().__init__(request, context)

    @property
    def bucket_id(self) -> str:
        return str(self.request.matchdict["bucket_id"])

    def _parent_bucket_uri(self, request: Request) -> str:
        bucket_id = request.matchdict["bucket_id"]
        lookups.check_id(request, "bucket", bucket_id)
        return lookups.bucket_uri(bucket_id)

    def _invalid_object(self, exc: InvalidObject) -> None:
        raise_invalid(self.request, name=exc.field, description=exc.message)

    def check_bucket_schema(self, new: dict[str, Any], ignored: Iterable[str]) -> None:
        """Validate ``new`` with the bucket's ``<resource>:schema``, if any.

        Fetching the bucket also makes a write under a missing bucket a 404
        (errno 111) instead of creating an orphan.
        """
        bucket = lookups.get_bucket(self.request, self.bucket_id)
        if not validation_enabled(self.request.registry.settings):
            return
        schema = bucket.get(f"{self.name}:schema")
        if not isinstance(schema, dict):
            return
        try:
            validate_object(
                new,
                schema,
                ignored=(self.model.modified_field, self.model.permissions_field, *ignored),
                id_field=self.model.id_field,
            )
        except InvalidObject as exc:
            self._invalid_object(exc)


class BucketChild(HierarchyResource):
    """Groups and collections: children of a bucket, checked by its schema."""

    def get_parent_id(self, request: Request) -> str:
        return self._parent_bucket_uri(request)

    def process_object(
        self, new: dict[str, Any], old: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        new = super().process_object(new, old)
        self.check_bucket_schema(new, ignored=())
        return new
