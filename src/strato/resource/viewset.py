"""Registration: turning a resource class into two cornice services.

``{name}-plural`` serves the collection and ``{name}-object`` one object.
Which methods exist is decided here, from the ``register()`` arguments and
the settings ``{plural|object}_{name}_{method}_enabled`` and ``readonly``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from cornice import service as cornice_service
from pyramid.config import Configurator
from pyramid.request import Request

from strato.authorization import DYNAMIC, RouteFactory
from strato.components import get_components
from strato.errors import ConfigurationError
from strato.service import Service

__all__ = ["register_resource"]

PLURAL_METHODS = ("HEAD", "GET", "POST", "DELETE")
OBJECT_METHODS = ("GET", "PUT", "PATCH", "DELETE")
_VIEW_NAMES = {
    ("plural", "HEAD"): "plural_head",
    ("plural", "GET"): "plural_get",
    ("plural", "POST"): "plural_post",
    ("plural", "DELETE"): "plural_delete",
    ("object", "GET"): "get",
    ("object", "PUT"): "put",
    ("object", "PATCH"): "patch",
    ("object", "DELETE"): "delete",
}
_CACHE_HEADERS = ("Last-Modified", "ETag", "Cache-Control", "Expires", "Pragma")
_EXPOSED = {
    ("plural", "GET"): ("Next-Page", *_CACHE_HEADERS),
    ("plural", "HEAD"): ("Next-Page", *_CACHE_HEADERS, "Total-Objects", "Total-Records"),
    ("object", "GET"): _CACHE_HEADERS,
}


def _make_view(resource_cls: type, view_name: str) -> Callable[[Request], Any]:
    def view(request: Request) -> Any:
        resource = resource_cls(request, context=getattr(request, "context", None))
        return getattr(resource, view_name)()

    view.__name__ = f"{resource_cls.__name__}_{view_name}"
    view.__doc__ = getattr(resource_cls, view_name).__doc__
    return view


def _enabled(settings: dict[str, Any], endpoint: str, name: str, method: str) -> bool:
    if settings.get("readonly") and method not in ("GET", "HEAD"):
        return False
    key = f"{endpoint}_{name}_{method.lower()}_enabled"
    value = settings.get(key, True)
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off")
    return bool(value)


def _forget_service(service: Service) -> None:
    """Drop what cornice keeps about ``service`` outside the registry.

    cornice appends every service to a module-level list and attaches a scan
    callback holding the frame that created it, hence ``config`` and the
    whole application: each app built in a process (tests build hundreds)
    would stay in memory. The registry keeps the service for the views and
    the OpenAPI document.
    """
    with contextlib.suppress(AttributeError):
        del service.__venusian_callbacks__
    with contextlib.suppress(ValueError):
        cornice_service.SERVICES.remove(service)


def register_resource(
    config: Configurator,
    resource_cls: type,
    *,
    name: str | None = None,
    plural_path: str | None = None,
    object_path: str | None = "",
    plural_methods: Sequence[str] = PLURAL_METHODS,
    object_methods: Sequence[str] = OBJECT_METHODS,
    factory: Any = None,
    permission: Any = None,
    description: str | None = None,
) -> None:
    """Register ``resource_cls`` on ``config`` (what ``@register()`` does at scan time).

    ``plural_path`` defaults to ``/{name}s`` and ``object_path`` to
    ``{plural_path}/{id}``; ``object_path=None`` registers no object
    endpoint. Paths may hold parent placeholders (``/buckets/{bucket_id}/...``).
    """
    if get_components(config.registry).storage is None:
        raise ConfigurationError(
            f"Resource {resource_cls.__name__!r} needs a storage backend: "
            "set the 'storage_backend' setting"
        )
    class_name = getattr(resource_cls, "name", "")
    resource_name = name or (class_name if isinstance(class_name, str) and class_name else "")
    resource_name = resource_name or resource_cls.__name__.lower()
    resource_cls.name = resource_name  # type: ignore[attr-defined]

    plural = plural_path or f"/{resource_name}s"
    plural = plural.replace("{resource_name}", resource_name)
    obj_path = object_path
    if obj_path == "":
        obj_path = plural.rstrip("/") + "/{id}"
    elif obj_path is not None:
        obj_path = obj_path.replace("{resource_name}", resource_name)

    settings = config.get_settings()
    schema_name = resource_name.replace("-", "_")
    endpoints: list[tuple[str, str, Sequence[str]]] = [("plural", plural, plural_methods)]
    if obj_path is not None:
        endpoints.append(("object", obj_path, object_methods))

    for endpoint, path, methods in endpoints:
        service_kwargs: dict[str, Any] = {"factory": factory or RouteFactory}
        service = Service(
            name=f"{resource_name}-{endpoint}",
            path=path,
            description=description or f"{endpoint} endpoint of {resource_name}",
            **service_kwargs,
        )
        service.resource = resource_cls
        service.type = endpoint
        service.plural_path = plural
        service.object_path = obj_path
        # cornice derives a HEAD view from GET; an explicit HEAD view (plural
        # counts) replaces it, so GET must be added first.
        ordered = sorted({m.upper() for m in methods}, key=lambda m: (m != "GET", m))
        for method in ordered:
            if not _enabled(settings, endpoint, schema_name, method):
                continue
            if method == "HEAD":
                service.definitions = [d for d in service.definitions if d[0] != "HEAD"]
            view_kwargs: dict[str, Any] = {"cors_headers": _EXPOSED.get((endpoint, method), ())}
            view_kwargs["permission"] = permission or DYNAMIC
            service.add_view(
                method, _make_view(resource_cls, _VIEW_NAMES[(endpoint, method)]), **view_kwargs
            )
        config.add_cornice_service(service)
        _forget_service(service)
