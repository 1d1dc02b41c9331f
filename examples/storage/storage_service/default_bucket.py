"""``/buckets/default``: every authenticated user's personal bucket.

``/buckets/default`` and everything below it are served by the bucket whose
id is derived from the caller's user id: the first 32 hex digits of
``HMAC-SHA256(default_bucket_hmac_secret or userid_hmac_secret, user id)``
written as a UUID. Nobody else can compute it without the secret.

The bucket, and the collection a request names, are created on first use
(with the usual create events) by simply trying to create them: a
concurrent request creating the same object makes the attempt fail with a
unicity error, which is ignored. The request is then served as if it had
been sent to the real bucket's URL. Anonymous callers get a 401.
"""

from __future__ import annotations

import json
import sys
import uuid
from typing import Any

from pyramid import httpexceptions
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED

from storage_service import lookups
from strato.authentication import hmac_digest
from strato.components import get_components
from strato.errors import ERRORS, http_error
from strato.events import ACTIONS
from strato.requests import get_user_info as core_user_info
from strato.settings import as_bool
from strato.storage import UnicityError

__all__ = ["default_bucket_id", "get_user_info", "includeme"]

#: Stands for the bucket id in preflight requests, which carry no credentials.
_PREFLIGHT_BUCKET = "default-bucket-preflight"
_CREATED = "storage_service.implicitly_created"


def default_bucket_id(request: Request) -> str | None:
    """The personal bucket id of the caller (None when anonymous)."""
    userid = request.prefixed_userid
    if userid is None:
        return None
    settings = request.registry.settings
    secret = settings.get("default_bucket_hmac_secret") or settings.get("userid_hmac_secret")
    digest = hmac_digest(str(secret or ""), userid)
    return str(uuid.UUID(digest[:32]))


def get_user_info(request: Request) -> dict[str, Any]:
    """What hello shows about the caller, plus the id of their personal bucket."""
    info = core_user_info(request)
    if info:
        info["bucket"] = request.default_bucket_id
    return info


def _create_implicitly(
    request: Request,
    resource_name: str,
    parent_id: str,
    object_id: str,
    resource_data: dict[str, str],
    grant_writer: bool,
) -> None:
    """Create an object unless it exists (or exists by now), then notify its creation."""
    created_here = request.bound_data.setdefault(_CREATED, set())
    uri = resource_data["uri"]
    if uri in created_here:
        return
    components = get_components(request)
    storage, permission = components.storage, components.permission
    assert storage is not None and permission is not None
    try:
        created = storage.create(resource_name, parent_id, {"id": object_id})
    except UnicityError:
        created_here.add(uri)
        return
    created_here.add(uri)
    if grant_writer:
        permission.replace_object_permissions(uri, {"write": [request.prefixed_userid]})
    request.notify_resource_event(
        parent_id,
        storage.resource_timestamp(resource_name, parent_id),
        created,
        ACTIONS.CREATE,
        resource_name=resource_name,
        resource_data=resource_data,
    )


def _ensure_parents(request: Request, bucket_id: str, subpath: str) -> None:
    method = request.method.upper()
    parts = subpath.strip("/").split("/") if subpath else []
    bucket_uri = lookups.bucket_uri(bucket_id)
    if not (method == "PUT" and not parts):
        _create_implicitly(
            request,
            "bucket",
            "",
            bucket_id,
            {"uri": bucket_uri, "bucket_id": bucket_id},
            grant_writer=True,
        )
    if len(parts) < 2 or parts[0] != "collections":
        return
    collection_id = parts[1]
    if not lookups.id_generator(request, "collection").match(collection_id):
        return  # the forwarded request answers the bad id
    if method == "PUT" and len(parts) == 2:
        return  # the forwarded request creates it
    permission = get_components(request).permission
    assert permission is not None
    allowed = [(bucket_uri, "write"), (bucket_uri, "collection:create")]
    if not permission.check_permission(request.prefixed_principals, allowed):
        return  # someone else's bucket: the forwarded request is refused
    explicit = as_bool(request.registry.settings.get("explicit_permissions", True))
    _create_implicitly(
        request,
        "collection",
        bucket_uri,
        collection_id,
        {
            "uri": lookups.collection_uri(bucket_id, collection_id),
            "bucket_id": bucket_id,
            "collection_id": collection_id,
        },
        grant_writer=explicit,
    )


def _forward(request: Request, path: str, body: bytes) -> Response:
    """Serve ``request`` as if it had been sent to ``path``."""
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    subrequest = Request.blank(
        path,
        environ={"REQUEST_METHOD": request.method},
        headers=headers,
        base_url=request.host_url,
    )
    subrequest.environ["SCRIPT_NAME"] = request.script_name
    subrequest.environ["QUERY_STRING"] = request.query_string
    subrequest.body = body
    subrequest.parent = request
    subrequest.registry = request.registry
    try:
        return request.invoke_subrequest(subrequest, use_tweens=False)  # type: ignore[no-any-return]
    except Exception:
        return subrequest.invoke_exception_view(sys.exc_info())  # type: ignore[no-any-return]


def _bucket_body(request: Request, bucket_id: str) -> bytes:
    """The body of a request on the bucket itself, naming the real bucket id.

    ``PUT /buckets/default`` may say ``"id": "default"`` in its data.
    """
    body: bytes = request.body
    if not body:
        return body
    try:
        payload = request.json_body
    except ValueError:
        return body  # the forwarded request answers the bad JSON
    data = payload.get("data") if isinstance(payload, dict) else None
    if isinstance(data, dict) and data.get("id") == "default":
        data["id"] = bucket_id
        return json.dumps(payload).encode("utf-8")
    return body


def default_bucket_view(request: Request) -> Response:
    """Create what the request needs in the caller's bucket, then serve it there."""
    subpath = request.matchdict.get("subpath") or ""
    prefix = request.path_info[: request.path_info.index("/buckets/default")]
    suffix = f"/{subpath}" if subpath else ""
    if request.method.upper() == "OPTIONS":
        return _forward(request, f"{prefix}/buckets/{_PREFLIGHT_BUCKET}{suffix}", b"")
    bucket_id = request.default_bucket_id
    if bucket_id is None:
        raise httpexceptions.HTTPForbidden()
    if as_bool(request.registry.settings.get("readonly", False)):
        error = http_error(
            httpexceptions.HTTPMethodNotAllowed(),
            errno=ERRORS.METHOD_NOT_ALLOWED,
            message="The default bucket is not available on a readonly server.",
        )
        raise error
    _ensure_parents(request, bucket_id, subpath)
    body = request.body if subpath else _bucket_body(request, bucket_id)
    return _forward(request, f"{prefix}/buckets/{bucket_id}{suffix}", body)


def includeme(config: Configurator) -> None:
    """Serve ``/buckets/default``; register it before the bucket routes."""
    config.add_route("default_bucket", "/buckets/default")
    config.add_route("default_bucket_subpath", "/buckets/default/{subpath:.*}")
    for route in ("default_bucket", "default_bucket_subpath"):
        config.add_view(default_bucket_view, route_name=route, permission=NO_PERMISSION_REQUIRED)
    config.add_request_method(default_bucket_id, name="default_bucket_id", reify=True)
    config.add_request_method(get_user_info, name="get_user_info")
    config.add_api_capability(
        "default_bucket",
        description="/buckets/default is an alias of a personal bucket, created on first use "
        "together with the collections requested in it.",
        url="https://kinto.readthedocs.io/en/stable/api/1.x/buckets.html",
    )
