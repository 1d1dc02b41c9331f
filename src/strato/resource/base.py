"""``Resource``: the views of the record protocol, for one collection.

One instance serves one request. Its public methods are the views
(``plural_get``, ``plural_head``, ``plural_post``, ``plural_delete``,
``get``, ``put``, ``patch``, ``delete``); the hooks service authors
override are :meth:`Resource.get_parent_id`, :meth:`Resource.process_object`,
:meth:`Resource.is_known_field`, :meth:`Resource.get_cache_expires` and
the :attr:`Resource.hidden_fields` attribute (see ``docs/resources.rst``).

The class is assembled from parts: preconditions, errors and response
envelopes (:mod:`._responses`), reading request bodies
(:mod:`._body`), listing and paging (:mod:`._listing`, on top of the pure
parsers of :mod:`.query` and the tokens of :mod:`.pagination`);
precondition headers are parsed in :mod:`.preconditions`, PATCH dialects
applied in :mod:`.patch`, and backends reached through :class:`.model.Model`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, ClassVar

import colander
from pyramid import httpexceptions
from pyramid.authorization import Everyone
from pyramid.request import Request

from strato.components import get_components
from strato.errors import ERRORS, http_error
from strato.events import ACTIONS, notify_resource_event
from strato.resource import patch as patching
from strato.resource._body import JSON_TYPES, PATCH_TYPES, is_timestamp
from strato.resource._listing import Listing
from strato.resource._responses import Responses
from strato.resource.model import PERMISSIONS_FIELD, Model
from strato.resource.preconditions import ANY
from strato.resource.query import (
    FieldRules,
    apply_fields,
    parse_fields,
    parse_timestamp,
)
from strato.resource.schema import ResourceSchema
from strato.storage import COMPARISON, Filter
from strato.storage import errors as storage_errors
from strato.storage.generators import UUID4, Generator

__all__ = ["Resource", "ShareableResource", "UserResource"]

#: How many times an unconditional PATCH re-reads and retries when another
#: writer changed the object between its read and its write.
PATCH_RETRIES = 5


class Resource(Responses, Listing):
    """A collection of JSON objects with the full record protocol.

    Subclass it, set ``schema``, and register it with
    :func:`strato.resource.register`. Objects are shared by every caller
    (parent id ``""``) unless :meth:`get_parent_id` says otherwise.
    """

    #: Colander schema of ``data``.
    schema: ClassVar[type[ResourceSchema]] = ResourceSchema
    #: Permission names accepted in the ``permissions`` envelope.
    permissions: ClassVar[tuple[str, ...]] = ("read", "write")
    #: Whether this resource stores per-object ACLs.
    shareable: ClassVar[bool] = False
    #: Top-level fields that are stored but never sent to clients (a
    #: password hash, say). They are left out of every object in a response
    #: body (lists, single objects, ``_fields``, write answers, tombstones,
    #: ``details.existing`` of 412 errors) and cannot be used in filters,
    #: ``_sort`` or ``_fields``, nor read by JSON Patch ``copy``, ``move`` or
    #: ``test`` operations (400). Writes may still set them, and
    #: :meth:`process_object` and resource events see them: subscribers run
    #: inside the service, but a listener forwarding events elsewhere must
    #: not be given this resource (``event_listeners.<name>.resources``).
    hidden_fields: ClassVar[tuple[str, ...]] = ()
    default_model: ClassVar[type[Model]] = Model
    #: Set by registration.
    name: ClassVar[str] = ""

    def __init__(self, request: Request, context: Any = None) -> None:
        self.request = request
        self.context = context
        components = get_components(request)
        if components.storage is None:
            raise httpexceptions.HTTPServiceUnavailable()
        settings = request.registry.settings
        for key, value in (request.matchdict or {}).items():
            # ``*`` is the wildcard of permission URIs and parent patterns: a
            # placeholder holding one could reach other collections' ACLs.
            if key != "id" and isinstance(value, str) and "*" in value:
                raise http_error(
                    httpexceptions.HTTPNotFound(),
                    errno=ERRORS.MISSING_RESOURCE,
                    message="The resource you are looking for could not be found.",
                    details={"id": value, "resource_name": key.removesuffix("_id")},
                )
        principal = request.prefixed_userid or Everyone
        self.model = self.default_model(
            components.storage,
            components.permission if self.shareable else None,
            resource_name=self.name,
            parent_id=self.get_parent_id(request),
            id_generator=self.id_generator,
            current_principal=principal,
            prefixed_principals=request.prefixed_principals,
            explicit_perm=bool(settings.get("explicit_permissions", True)),
            get_object_uri=self.object_uri,
        )
        self.rules = FieldRules(
            is_known_field=self._is_queryable_field,
            id_field=self.model.id_field,
            modified_field=self.model.modified_field,
            deleted_field=self.model.deleted_field,
        )
        self._timestamp: int | None = None
        self._shared_filter: Filter | None = None
        self._fields: list[str] | None = None

    # Hooks --------------------------------------------------------------

    def get_parent_id(self, request: Request) -> str:
        """The parent of this request's collection (default: one shared ``""``)."""
        return ""

    def process_object(
        self, new: dict[str, Any], old: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Last chance to alter an object before it is stored (``old`` on updates)."""
        return new

    def is_known_field(self, field: str) -> bool:
        """May ``field`` appear in filters, ``_sort`` and ``_fields``?"""
        if self.schema.get_option("preserve_unknown"):
            return True
        root = field.split(".")[0]
        known = {self.model.id_field, self.model.modified_field, self.model.deleted_field}
        children = {child.name for child in self.schema().children}
        return root in known or root in children

    def get_cache_expires(self) -> int | None:
        """Seconds for which clients may cache this resource's anonymous reads.

        For service authors: override it to decide per request (per parent
        collection, say). It is asked only for anonymous ``GET`` and
        ``HEAD`` requests, plural or single, whose answer then carries
        ``Cache-Control: max-age=<seconds>`` and ``Expires``; ``None`` or
        ``0`` means ``Cache-Control: no-cache, no-store``, which
        authenticated requests always get. The default reads the
        ``<resource name>_cache_expires_seconds`` setting (``None`` when
        it is absent, empty or not an integer).
        """
        raw = self.request.registry.settings.get(f"{self.name}_cache_expires_seconds")
        try:
            return int(raw) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    @property
    def id_generator(self) -> Generator:
        generators = get_components(self.request).id_generators
        return generators.get(self.name) or generators.get("") or _DEFAULT_GENERATOR

    # Helpers -------------------------------------------------------------

    @property
    def object_id(self) -> str | None:
        return self.request.matchdict.get("id") if self.request.matchdict else None

    def object_uri(self, object_id: str) -> str:
        """The permission URI of an object: its path without the version prefix."""
        matchdict = dict(self.request.matchdict or {})
        matchdict["id"] = object_id
        try:
            path = self.request.route_path(f"{self.name}-object", **matchdict)
        except KeyError:
            # Registered without an object endpoint (``object_path=None``).
            return f"{self.plural_uri().rstrip('/')}/{object_id}"
        return _strip_version(path)

    def plural_uri(self) -> str:
        matchdict = {k: v for k, v in (self.request.matchdict or {}).items() if k != "id"}
        return _strip_version(self.request.route_path(f"{self.name}-plural", **matchdict))

    @property
    def timestamp(self) -> int:
        if self._timestamp is None:
            try:
                self._timestamp = self.model.timestamp()
            except storage_errors.ReadonlyError as exc:
                raise http_error(
                    httpexceptions.HTTPServiceUnavailable(),
                    errno=ERRORS.BACKEND,
                    message="Resource timestamp cannot be written in readonly mode.",
                ) from exc
        return self._timestamp

    # Plural endpoints ----------------------------------------------------

    def plural_head(self) -> Any:
        """``HEAD``: headers of ``GET`` plus ``Total-Objects``, no body."""
        self._check_headers()
        filters, sorting, _, _ = self._plural_query()
        self._check_plural_preconditions()
        # Same checks as GET, although HEAD neither pages nor answers objects.
        self._pagination_rules(filters, sorting)
        total = self.model.count_objects(filters=filters)
        response = self.request.response
        response.headers["Total-Objects"] = str(total)
        response.headers["Total-Records"] = str(total)
        self._set_timestamp_headers(response, self.timestamp)
        self._add_cache_headers()
        self._postprocess([])
        return response

    def plural_get(self) -> dict[str, Any]:
        """``GET``: a page of objects, filtered and sorted."""
        if self.request.method == "HEAD":
            # Pyramid routes HEAD to GET views; counts are HEAD's own answer.
            return self.plural_head()  # type: ignore[no-any-return]
        self._check_headers()
        filters, sorting, limit, include_deleted = self._plural_query()
        self._check_plural_preconditions()
        rules = self._pagination_rules(filters, sorting)
        objects = self.model.get_objects(
            filters=filters,
            sorting=sorting,
            pagination_rules=rules,
            limit=limit + 1,
            include_deleted=include_deleted,
        )
        response = self.request.response
        objects, more = self._split_page(objects, limit)
        if more:
            response.headers["Next-Page"] = self._next_page(objects[-1], filters, sorting, limit)
        self._set_timestamp_headers(response, self.timestamp)
        self._add_cache_headers()
        shown = self._apply_fields([self._clean(o) for o in objects])
        return self._postprocess(shown)

    def plural_post(self) -> Any:
        """``POST``: create an object (201), or return the existing one (200)."""
        self._check_headers()
        self._check_content_type(JSON_TYPES)
        data, permissions = self._envelope(self._json_body(), require_data=True)
        pre = self._preconditions()
        object_id = data.get(self.model.id_field)
        existing = None
        if object_id is not None:
            self._check_object_id(object_id)
            with contextlib.suppress(storage_errors.ObjectNotFoundError):
                existing = self.model.get_object(object_id)
        if existing is not None:
            if pre.if_none_match == ANY or (
                isinstance(pre.if_match, int)
                and pre.if_match != existing[self.model.modified_field]
            ):
                raise self._modified_meanwhile(existing)
            self._set_timestamp_headers(self.request.response, existing[self.model.modified_field])
            return self._postprocess(existing)
        if pre.if_match is not None:
            raise self._modified_meanwhile(None)

        new = self._validate_data(data)
        if permissions is not None:
            new[PERMISSIONS_FIELD] = permissions
        new = self.process_object(new)
        try:
            created = self.model.create_object(new)
        except storage_errors.UnicityError as exc:
            existing = exc.existing
            if existing is None:
                raise
            self._set_timestamp_headers(self.request.response, existing[self.model.modified_field])
            return self._postprocess(self.model.get_object(existing[self.model.id_field]))
        self.request.response.status_code = 201
        self._set_timestamp_headers(self.request.response, created[self.model.modified_field])
        return self._postprocess(created, ACTIONS.CREATE)

    def plural_delete(self) -> dict[str, Any]:
        """``DELETE``: delete a page of matching objects, return tombstones."""
        self._check_headers()
        filters, sorting, limit, _ = self._plural_query()
        self._check_plural_preconditions(delete=True)
        rules = self._pagination_rules(filters, sorting, single_use=True)
        objects = self.model.get_objects(
            filters=filters, sorting=sorting, pagination_rules=rules, limit=limit + 1
        )
        response = self.request.response
        objects, more = self._split_page(objects, limit)
        if more:
            response.headers["Next-Page"] = self._next_page(
                objects[-1], filters, sorting, limit, single_use=True
            )
        deleted: list[dict[str, Any]] = []
        if objects:
            ids = [o[self.model.id_field] for o in objects]
            deleted = self.model.delete_objects(
                filters=[Filter(self.model.id_field, ids, COMPARISON.IN)], sorting=sorting
            )
        if deleted:
            timestamp = max(d[self.model.modified_field] for d in deleted)
            old_by_id = {o[self.model.id_field]: self._clean(o) for o in objects}
            for tombstone in deleted:
                notify_resource_event(
                    self.request,
                    self.model.parent_id,
                    timestamp,
                    tombstone,
                    ACTIONS.DELETE,
                    old=old_by_id.get(tombstone[self.model.id_field]),
                    resource_name=self.name,
                )
            body = {"data": [self._hide(t) for t in self._apply_fields(deleted)]}
        else:
            timestamp = self.timestamp
            body = self._postprocess([])
        self._set_timestamp_headers(response, timestamp)
        return body

    # Object endpoints ----------------------------------------------------

    def get(self) -> dict[str, Any]:
        """``GET`` one object."""
        self._check_headers()
        object_id = self._check_object_id(self.object_id)
        existing = self._get_existing(object_id)
        if existing is None:
            raise self._not_found(object_id)
        self._check_object_preconditions(existing, read=True)
        self._set_timestamp_headers(self.request.response, existing[self.model.modified_field])
        self._add_cache_headers()
        with self._querystring_errors():
            fields = parse_fields(self.request.GET.get("_fields"), self.rules)
        if fields is not None:
            partial = apply_fields(self._clean(existing), fields, self.rules)
            body = self._postprocess(partial, with_permissions=False)
            return body
        return self._postprocess(existing)

    def put(self) -> dict[str, Any]:
        """``PUT``: replace (200) or create (201) the object at this URL."""
        self._check_headers()
        self._check_content_type(JSON_TYPES)
        object_id = self._check_object_id(self.object_id)
        body = self._json_body()
        data, permissions = self._envelope(body, require_data=False)
        existing = self._get_existing(object_id)
        pre = self._check_object_preconditions(existing, read=False)

        if data is colander.null:
            data = {k: v for k, v in (existing or {}).items() if k != PERMISSIONS_FIELD}
            data.pop(self.model.modified_field, None)
        body_id = data.get(self.model.id_field)
        if body_id is not None and body_id != object_id:
            self._invalid("body", "data.id", "Object id does not match existing object")
        data[self.model.id_field] = object_id
        new = self._validate_data(data)
        new[self.model.id_field] = object_id
        new = self._drop_stale_timestamp(new, existing)
        if permissions is not None:
            new[PERMISSIONS_FIELD] = permissions
        new = self.process_object(new, existing)
        old = self._clean(existing) if existing else None

        if_match = pre.if_match if isinstance(pre.if_match, int) else None
        saved = None
        if pre.if_none_match == ANY or existing is None:
            # A creation: a client-sent last_modified is kept as on POST
            # (replication), even when lower than the collection timestamp.
            try:
                saved = self.model.create_object(new)
            except storage_errors.UnicityError as exc:
                if pre.if_none_match == ANY:
                    raise self._modified_meanwhile(exc.existing) from None
                # Created meanwhile by another writer: this PUT replaces it.
                existing = exc.existing
                old = self._clean(existing) if existing else None
        if saved is None:
            try:
                saved = self.model.update_object(
                    new, if_match=if_match, replace_permissions=permissions is not None
                )
            except storage_errors.ObjectModifiedError as exc:
                raise self._modified_meanwhile(exc.existing) from None
        self._set_timestamp_headers(self.request.response, saved[self.model.modified_field])
        if existing is None:
            self.request.response.status_code = 201
            return self._postprocess(saved, ACTIONS.CREATE)
        return self._postprocess(saved, ACTIONS.UPDATE, old=old)

    def _drop_stale_timestamp(
        self, new: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        field = self.model.modified_field
        value = new.get(field)
        if value is None:
            return new
        if not is_timestamp(value) or (existing is not None and value <= existing[field]):
            new.pop(field)
        return new

    def patch(self) -> dict[str, Any]:
        """``PATCH``: modify the object with one of three dialects."""
        self._check_headers()
        content_type = self._check_content_type(PATCH_TYPES)
        object_id = self._check_object_id(self.object_id)
        body = self._json_body()
        behavior = self._response_behavior()
        if content_type == "application/json-patch+json":
            if not isinstance(body, list):
                self._invalid("body", None, "A JSON patch must be a list of operations")
            self._refuse_hidden_reads(body)
            changes, permissions = None, None
        else:
            changes, permissions = self._envelope(body, require_data=False)
            if changes is colander.null and permissions is None:
                self._invalid("body", "data", "Provide at least one of data or permissions")

        for attempt in range(PATCH_RETRIES):
            existing = self._get_existing(object_id)
            if existing is None:
                raise self._not_found(object_id)
            pre = self._check_object_preconditions(existing, read=False)
            current = self._clean(existing)
            current_perms = {
                k: list(v) for k, v in (existing.get(PERMISSIONS_FIELD) or {}).items()
            }
            new_perms: dict[str, Any] | None = permissions
            if content_type == "application/json-patch+json":
                try:
                    new_data, patched_perms = patching.apply_json_patch(
                        current, current_perms, body
                    )
                except patching.PatchError as exc:
                    self._invalid("body", None, f"JSON Patch operation failed: {exc}")
                if not self.shareable and any(patched_perms.values()):
                    self._invalid("body", "permissions", "This resource has no permissions")
                new_perms = self._validate_permissions(patched_perms) if self.shareable else None
                if self.shareable:
                    for perm in self.permissions:
                        new_perms = new_perms or {}
                        new_perms.setdefault(perm, [])
            elif content_type == "application/merge-patch+json":
                new_data = (
                    patching.merge_patch(current, changes)
                    if changes is not colander.null
                    else dict(current)
                )
                if permissions is not None:
                    new_perms = {k: v for k, v in permissions.items() if v is not None}
                    for k, v in permissions.items():
                        if v is None:
                            new_perms[k] = []
            else:
                new_data = (
                    patching.shallow_merge(current, changes)
                    if isinstance(changes, Mapping)
                    else dict(current)
                )
                if permissions is not None:
                    new_perms = {k: v for k, v in permissions.items() if v is not None}

            for field in self.schema.get_option("readonly_fields"):
                if new_data.get(field, _UNSET) != current.get(field, _UNSET):
                    self._invalid("body", f"data.{field}", f"Cannot modify {field}")
            new_data[self.model.id_field] = object_id
            sent_timestamp = new_data.get(self.model.modified_field)
            new_data.pop(self.model.modified_field, None)
            validated = self._validate_data(new_data)
            validated[self.model.id_field] = object_id
            if (
                is_timestamp(sent_timestamp)
                and sent_timestamp > existing[self.model.modified_field]
            ):
                validated[self.model.modified_field] = sent_timestamp
            if new_perms is not None:
                validated[PERMISSIONS_FIELD] = new_perms
            validated = self.process_object(validated, existing)
            if_match = pre.if_match if isinstance(pre.if_match, int) else None
            try:
                saved = self.model.update_object(
                    validated, if_match=if_match or existing[self.model.modified_field]
                )
            except storage_errors.ObjectModifiedError as exc:
                if if_match is not None or attempt == PATCH_RETRIES - 1:
                    raise self._modified_meanwhile(exc.existing) from None
                continue
            break

        self._set_timestamp_headers(self.request.response, saved[self.model.modified_field])
        body_out = self._postprocess(saved, ACTIONS.UPDATE, old=current)
        if behavior != "full":
            # What the client asked for: the fields it sent, or with a JSON
            # patch the whole patched object.
            requested: Mapping[str, Any] = {}
            if content_type == "application/json-patch+json":
                requested = new_data
            elif isinstance(changes, Mapping):
                requested = changes
            stored = body_out["data"]
            changed = [k for k in requested if k in stored and current.get(k, _UNSET) != stored[k]]
            if behavior == "diff":
                changed = [k for k in changed if requested[k] != stored[k]]
            body_out["data"] = {k: stored[k] for k in changed}
        return body_out

    def delete(self) -> dict[str, Any]:
        """``DELETE`` one object, answering its tombstone."""
        self._check_headers()
        object_id = self._check_object_id(self.object_id)
        existing = self._get_existing(object_id)
        if existing is None:
            raise self._not_found(object_id)
        pre = self._check_object_preconditions(existing, read=False)
        last_modified = None
        raw = self.request.GET.get("last_modified")
        if raw is not None:
            with self._querystring_errors():
                last_modified = parse_timestamp("last_modified", raw)
        if_match = pre.if_match if isinstance(pre.if_match, int) else None
        try:
            tombstone = self.model.delete_object(
                existing, last_modified=last_modified, if_match=if_match
            )
        except storage_errors.ObjectNotFoundError:
            raise self._not_found(object_id) from None
        except storage_errors.ObjectModifiedError as exc:
            raise self._modified_meanwhile(exc.existing) from None
        self._set_timestamp_headers(self.request.response, tombstone[self.model.modified_field])
        old = self._clean(existing)
        return self._postprocess(tombstone, ACTIONS.DELETE, old=old, with_permissions=False)


_UNSET = object()
_DEFAULT_GENERATOR = UUID4()


def _strip_version(path: str) -> str:
    parts = path.split("/", 2)
    if len(parts) > 2 and parts[1][:1] == "v" and parts[1][1:].isdigit():
        return "/" + parts[2]
    if len(parts) == 2 and parts[1][:1] == "v" and parts[1][1:].isdigit():
        return "/"
    return path


class UserResource(Resource):
    """Objects private to the authenticated user (parent id = user id).

    Anonymous requests are refused with 401.
    """

    def get_parent_id(self, request: Request) -> str:
        userid = request.prefixed_userid
        if userid is None:
            raise httpexceptions.HTTPForbidden()
        return str(userid)


class ShareableResource(Resource):
    """Objects carrying their own permissions (``read``, ``write``).

    Every write re-adds the writer to ``write`` (unless
    ``explicit_permissions`` is false); responses to single objects carry
    the ``permissions`` envelope.
    """

    shareable = True
