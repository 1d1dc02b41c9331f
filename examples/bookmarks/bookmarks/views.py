"""The ``bookmark`` resource: ``/bookmarks``, private to each user.

Two rules on top of the schema:

- ``url`` is unique per user. Saving a second bookmark with a URL the user
  already bookmarked (by POST, PUT or PATCH) answers **409 Conflict**, errno
  122, with ``details`` naming the field and the existing bookmark, so a
  client can offer to open or update that one instead. The check runs when
  the object is processed, before it is written; with a storage backend
  that runs requests in parallel, two simultaneous saves of the same URL
  may both pass it.
- ``device`` is readonly: the server sets it once, at creation, from the
  request's ``User-Agent`` (``"unknown"`` without one). A value sent at
  creation is replaced; a PATCH changing it is a 400; a PUT keeps it.
"""

from __future__ import annotations

from typing import Any

import colander
from pyramid import httpexceptions

from strato import resource
from strato.errors import ERRORS, http_error
from strato.storage import Filter

#: Longest ``device`` kept from a ``User-Agent`` header.
MAX_DEVICE_LENGTH = 256


class BookmarkSchema(resource.ResourceSchema):
    """What a bookmark holds."""

    url = resource.URL()
    title = colander.SchemaNode(colander.String(), missing="")
    device = colander.SchemaNode(colander.String(), missing=colander.drop)

    class Options:
        readonly_fields = ("device",)


@resource.register()
class Bookmark(resource.UserResource):
    """Bookmarks of the authenticated user."""

    schema = BookmarkSchema

    def process_object(
        self, new: dict[str, Any], old: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        new = super().process_object(new, old)
        self._check_unique_url(new)
        if old is not None and "device" in old:
            new["device"] = old["device"]
        else:
            agent = self.request.headers.get("User-Agent", "").strip()
            new["device"] = agent[:MAX_DEVICE_LENGTH] or "unknown"
        return new

    def _check_unique_url(self, new: dict[str, Any]) -> None:
        same_url = self.model.get_objects(filters=[Filter("url", new["url"])])
        others = [b for b in same_url if b[self.model.id_field] != new.get(self.model.id_field)]
        if others:
            existing = others[0]
            raise http_error(
                httpexceptions.HTTPConflict(),
                errno=ERRORS.CONSTRAINT_VIOLATED,
                message=f"A bookmark with this URL already exists: {existing['id']}",
                details={"field": "url", "existing": existing},
            )
