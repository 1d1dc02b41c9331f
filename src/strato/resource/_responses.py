"""Precondition checks, errors and response bodies of the resource views.

:class:`Responses` is one of the parts :class:`~strato.resource.Resource` is
assembled from: it validates ``If-Match`` / ``If-None-Match`` against the
current timestamps, builds the 304, 404 and 412 answers, sets ``ETag``,
``Last-Modified`` and cache headers, keeps hidden fields out of bodies, and
shapes the ``{"data", "permissions"}`` envelope while stacking the
resource event.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import Any, ClassVar

from pyramid import httpexceptions
from pyramid.request import Request

from strato.errors import ERRORS, http_error, raise_invalid
from strato.events import ACTIONS, notify_resource_event
from strato.resource import patch as patching
from strato.resource._body import BodyParsing
from strato.resource.model import PERMISSIONS_FIELD, Model
from strato.resource.preconditions import ANY, PreconditionError, parse_preconditions
from strato.storage import errors as storage_errors
from strato.storage.generators import Generator

__all__ = ["Responses"]


class Responses(BodyParsing):
    """Preconditions, error answers and response envelopes of the views."""

    request: Request
    model: Model
    name: ClassVar[str]
    shareable: ClassVar[bool]
    hidden_fields: ClassVar[tuple[str, ...]]

    @property
    def timestamp(self) -> int:
        raise NotImplementedError  # pragma: no cover - provided by Resource

    @property
    def id_generator(self) -> Generator:
        raise NotImplementedError  # pragma: no cover - provided by Resource

    def get_cache_expires(self) -> int | None:
        raise NotImplementedError  # pragma: no cover - provided by Resource

    def is_known_field(self, field: str) -> bool:
        raise NotImplementedError  # pragma: no cover - provided by Resource

    def _invalid(self, location: str, name: str | None, description: str) -> None:
        raise_invalid(self.request, location=location, name=name, description=description)

    def _check_object_id(self, object_id: Any) -> str:
        if not isinstance(object_id, str) or not self.id_generator.match(object_id):
            self._invalid("path", None, "Invalid object id")
        return str(object_id)

    def _not_found(self, object_id: str) -> httpexceptions.HTTPException:
        return http_error(
            httpexceptions.HTTPNotFound(),
            errno=ERRORS.INVALID_RESOURCE_ID,
            details={"id": object_id, "resource_name": self.name},
        )

    def _modified_meanwhile(self, existing: dict[str, Any] | None) -> httpexceptions.HTTPException:
        details = None
        if existing is not None:
            details = {"existing": self._hide(self._clean(existing))}
        error = http_error(
            httpexceptions.HTTPPreconditionFailed(),
            errno=ERRORS.MODIFIED_MEANWHILE,
            message="Resource was modified meanwhile",
            details=details,
        )
        timestamp = existing[self.model.modified_field] if existing else None
        if timestamp is not None:
            self._set_timestamp_headers(error, timestamp)
        return error

    def _check_headers(self) -> None:
        """Refuse a bad ``Accept`` or precondition header before anything else.

        A malformed ``If-Match`` is a 400 even for a missing object, so the
        answer never depends on what is stored.
        """
        self._check_accept()
        self._preconditions()

    def _preconditions(self) -> Any:
        headers = self.request.headers
        try:
            return parse_preconditions(headers.get("If-Match"), headers.get("If-None-Match"))
        except PreconditionError as exc:
            self._invalid("header", exc.name, str(exc))

    def _set_timestamp_headers(self, response: Any, timestamp: int) -> None:
        response.headers["ETag"] = f'"{timestamp}"'
        response.headers["Last-Modified"] = formatdate(timestamp / 1000.0, usegmt=True)

    def _not_modified(self, timestamp: int) -> httpexceptions.HTTPException:
        response = httpexceptions.HTTPNotModified()
        self._set_timestamp_headers(response, timestamp)
        return response

    def _add_cache_headers(self) -> None:
        response = self.request.response
        expires = self.get_cache_expires() if self.request.prefixed_userid is None else None
        if expires:
            response.cache_expires(expires)
        else:
            response.cache_control = "no-cache, no-store"

    def _is_hidden_field(self, field: str) -> bool:
        return any(field == h or field.startswith(f"{h}.") for h in self.hidden_fields)

    def _is_queryable_field(self, field: str) -> bool:
        # Checked before the hook: an override of ``is_known_field`` must not
        # turn a hidden field into a filter (an oracle on its value).
        return not self._is_hidden_field(field) and self.is_known_field(field)

    def _hide(self, obj: dict[str, Any]) -> dict[str, Any]:
        if not self.hidden_fields:
            return obj
        return {k: v for k, v in obj.items() if k not in self.hidden_fields}

    def _refuse_hidden_reads(self, operations: Any) -> None:
        hidden = [("data", field) for field in self.hidden_fields]
        if hidden and patching.reads_any(operations, hidden):
            self._invalid("body", None, "JSON Patch operations cannot read hidden fields")

    def _postprocess(
        self,
        result: Any,
        action: ACTIONS = ACTIONS.READ,
        old: Any = None,
        with_permissions: bool = True,
    ) -> dict[str, Any]:
        body: dict[str, Any]
        if isinstance(result, list):
            body = {"data": [self._hide(obj) for obj in result]}
        else:
            data = dict(result)
            permissions = data.pop(PERMISSIONS_FIELD, None)
            body = {"data": self._hide(data)}
            if self.shareable and with_permissions and permissions is not None:
                body["permissions"] = {k: sorted(v) for k, v in permissions.items()}
        timestamp = self._event_timestamp(result)
        notify_resource_event(
            self.request,
            self.model.parent_id,
            timestamp,
            result if action is not ACTIONS.READ or isinstance(result, list) else [result],
            action,
            old=old,
            resource_name=self.name,
        )
        return body

    def _event_timestamp(self, result: Any) -> int:
        try:
            return self.model.timestamp()
        except storage_errors.ReadonlyError:
            if isinstance(result, dict):
                return int(result.get(self.model.modified_field, 0))
            return 0

    def _check_plural_preconditions(self, delete: bool = False) -> None:
        pre = self._preconditions()
        timestamp = self.timestamp
        if pre.if_none_match == ANY:
            raise self._modified_meanwhile(None)
        if isinstance(pre.if_match, int) and pre.if_match != timestamp:
            error = self._modified_meanwhile(None)
            self._set_timestamp_headers(error, timestamp)
            raise error
        if not delete and isinstance(pre.if_none_match, int) and pre.if_none_match == timestamp:
            raise self._not_modified(timestamp)

    def _clean(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if k != PERMISSIONS_FIELD}

    def _get_existing(self, object_id: str) -> dict[str, Any] | None:
        try:
            return self.model.get_object(object_id)
        except storage_errors.ObjectNotFoundError:
            return None

    def _check_object_preconditions(self, existing: dict[str, Any] | None, read: bool) -> Any:
        pre = self._preconditions()
        current = existing[self.model.modified_field] if existing else None
        if pre.if_none_match == ANY and existing is not None:
            raise self._modified_meanwhile(existing)
        if pre.if_match == ANY and existing is None:
            raise self._modified_meanwhile(None)
        if isinstance(pre.if_match, int) and pre.if_match != current:
            raise self._modified_meanwhile(existing)
        if read and isinstance(pre.if_none_match, int) and pre.if_none_match == current:
            raise self._not_modified(current)
        return pre
