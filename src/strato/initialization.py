"""The ordered start-up steps of a strato application.

Each step is one small function taking the Pyramid ``Configurator``. The
``initialization_sequence`` setting lists them by dotted name, so a service
can drop, reorder or replace any step (for example swap
``setup_authentication`` for its own) without touching strato.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pyramid.config import Configurator
from pyramid.events import NewRequest, NewResponse
from pyramid.httpexceptions import HTTPGone, HTTPMethodNotAllowed, HTTPTemporaryRedirect
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.settings import aslist
from pyramid.tweens import EXCVIEW, INGRESS

from strato import transaction
from strato.components import get_components
from strato.errors import ERRORS, ConfigurationError, http_error

__all__ = [
    "load_backend",
    "restrict_http_methods_if_readonly",
    "setup_authentication",
    "setup_backoff",
    "setup_cache",
    "setup_deprecation",
    "setup_json_serializer",
    "setup_listeners",
    "setup_logging",
    "setup_metrics",
    "setup_permission",
    "setup_request_bound_data",
    "setup_requests_scheme",
    "setup_security_headers",
    "setup_sentry",
    "setup_storage",
    "setup_transaction",
    "setup_version_redirection",
]

CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def setup_request_bound_data(config: Configurator) -> None:
    """``request.bound_data``: a dict shared by a batch and its subrequests."""

    def bound_data(request: Request) -> dict[str, Any]:
        parent = getattr(request, "parent", None)
        if parent is not None:
            return parent.bound_data  # type: ignore[no-any-return]
        return {}

    config.add_request_method(bound_data, name="bound_data", reify=True)


def _render_json(info: Any) -> Callable[[Any, dict[str, Any]], str]:
    def render(value: Any, system: dict[str, Any]) -> str:
        request = system.get("request")
        if request is not None:
            response = request.response
            if response.content_type == response.default_content_type:
                response.content_type = "application/json"
                response.charset = None
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    return render


def setup_json_serializer(config: Configurator) -> None:
    """Register the ``strato_json`` renderer used by every service."""
    config.add_renderer("strato_json", _render_json)


def restrict_http_methods_if_readonly(config: Configurator) -> None:
    """In ``readonly`` mode any method but GET/HEAD/OPTIONS is a 405."""
    if not config.get_settings().get("readonly"):
        return

    def guard(event: NewRequest) -> None:
        if event.request.method not in SAFE_METHODS:
            error = http_error(
                HTTPMethodNotAllowed(),
                errno=ERRORS.METHOD_NOT_ALLOWED,
                message="Method not allowed on this endpoint.",
            )
            error.allow = SAFE_METHODS
            raise error

    config.add_subscriber(guard, NewRequest)


def setup_security_headers(config: Configurator) -> None:
    """Content-Security-Policy and nosniff on every response, JSON or not."""

    def add_headers(event: NewResponse) -> None:
        headers = event.response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")

    config.add_subscriber(add_headers, NewResponse)


def setup_logging(config: Configurator) -> None:
    """Request ids and the one-line request summary (see :mod:`strato.monitoring.logging`)."""
    from strato.monitoring import logging as strato_logging

    strato_logging.configure(config.get_settings())
    config.add_tween("strato.monitoring.logging.request_summary_tween_factory", under=INGRESS)


def load_backend(config: Configurator, kind: str, base: type) -> Any:
    """Instantiate the ``<kind>_backend`` module's backend, checking its type.

    Returns None when the setting is empty: backends are never created by
    default, so an application without storage pays nothing for it.
    """
    settings = config.get_settings()
    dotted = settings.get(f"{kind}_backend")
    if not dotted:
        return None
    try:
        module = config.maybe_dotted(dotted)
    except ImportError as exc:
        raise ConfigurationError(
            f"Setting '{kind}_backend': cannot import {dotted!r} ({exc})"
        ) from exc
    factory = getattr(module, "load_from_config", None)
    if factory is None:
        raise ConfigurationError(
            f"Setting '{kind}_backend': {dotted!r} has no load_from_config(config)"
        )
    backend = factory(config)
    if not isinstance(backend, base):
        raise ConfigurationError(
            f"Setting '{kind}_backend': {dotted!r} did not return a {base.__name__}"
        )
    return backend


def setup_storage(config: Configurator) -> None:
    """Id generators and the storage backend (``storage_backend``)."""
    from strato import storage

    components = get_components(config.registry)
    settings = config.get_settings()
    for key, value in settings.items():
        match = re.match(r"^([^_]*)_?id_generator$", key)
        if match and value:
            generator_class = config.maybe_dotted(value)
            components.id_generators[match.group(1)] = generator_class()
    backend = load_backend(config, "storage", storage.StorageBase)
    if backend is not None:
        components.storage = backend
        components.heartbeats["storage"] = storage.heartbeat(backend)


def setup_permission(config: Configurator) -> None:
    """The permission backend (``permission_backend``)."""
    from strato import permission

    backend = load_backend(config, "permission", permission.PermissionBase)
    if backend is not None:
        components = get_components(config.registry)
        components.permission = backend
        components.heartbeats["permission"] = permission.heartbeat(backend)


def setup_cache(config: Configurator) -> None:
    """The cache backend (``cache_backend``)."""
    from strato import cache

    backend = load_backend(config, "cache", cache.CacheBase)
    if backend is not None:
        components = get_components(config.registry)
        components.cache = backend
        components.heartbeats["cache"] = cache.heartbeat(backend)


def setup_requests_scheme(config: Configurator) -> None:
    """Force ``request.scheme``/``host`` from ``http_scheme``/``http_host``.

    Behind a TLS-terminating proxy, generated URLs (hello ``url``,
    ``Next-Page``) must still say ``https``.
    """
    settings = config.get_settings()
    scheme = settings.get("http_scheme")
    host = settings.get("http_host")

    def force(event: NewRequest) -> None:
        if scheme:
            event.request.scheme = scheme
        if host:
            event.request.host = host

    if scheme or host:
        config.add_subscriber(force, NewRequest)


def setup_version_redirection(config: Configurator) -> None:
    """Unprefixed URLs answer 307 to the same URL under ``/vN``."""
    settings = config.get_settings()
    if not settings.get("version_prefix_redirect_enabled", True):
        return
    prefix = config.route_prefix
    ttl = int(settings.get("version_prefix_redirect_ttl_seconds", -1))

    def redirect(request: Request) -> Response:
        from strato.views.errors import reapply_cors

        if request.method == "OPTIONS":
            # CORS preflights must answer 200, with the CORS headers.
            return reapply_cors(request, Response(status=200))
        path = request.matchdict["path"]
        qs = request.query_string
        location = f"/{prefix}/{path}" + (f"?{qs}" if qs else "")
        response = HTTPTemporaryRedirect(location=location)
        if ttl >= 0:
            response.cache_expires(ttl)
        return reapply_cors(request, response)

    # route_prefix_context() nests prefixes; this route must have none.
    saved, config.route_prefix = config.route_prefix, None
    try:
        config.add_route(name="redirect_to_version", pattern=r"/{path:(?!v[0-9]+)[^\r\n]*}")
    finally:
        config.route_prefix = saved
    config.add_view(
        view=redirect,
        route_name="redirect_to_version",
        permission=NO_PERMISSION_REQUIRED,
    )


def _parse_eos(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConfigurationError(
            f"Setting 'eos': expected an ISO 8601 date, got {value!r}"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def setup_deprecation(config: Configurator) -> None:
    """End of service: an ``Alert`` header before ``eos``, 410 after it."""
    settings = config.get_settings()
    if settings.get("eos"):
        _parse_eos(settings["eos"])  # fail at start-up on a bad date
        # Under the request summary, so a 410 still gets its request id and
        # summary line.
        config.add_tween(
            "strato.initialization._end_of_life_tween_factory",
            under=("strato.monitoring.logging.request_summary_tween_factory", INGRESS),
        )


def _end_of_life_tween_factory(handler: Callable[[Request], Response], registry: Any) -> Any:
    settings = registry.settings
    eos_date = _parse_eos(settings["eos"])
    url = settings.get("eos_url") or settings.get("project_docs")

    def tween(request: Request) -> Response:
        expired = datetime.now(UTC) >= eos_date
        alert = {
            "code": "hard-eol" if expired else "soft-eol",
            "message": settings.get("eos_message"),
            "url": url,
        }
        if expired:
            response: Response = http_error(
                HTTPGone(),
                errno=ERRORS.SERVICE_DEPRECATED,
                message=(
                    "The service you are trying to connect no longer exists at this location."
                ),
            )
            from strato.views.errors import reapply_cors

            response = reapply_cors(request, response)
        else:
            response = handler(request)
        response.headers["Alert"] = json.dumps(alert)
        return response

    return tween


def setup_authentication(config: Configurator) -> None:
    """Authentication policies from ``multiauth.*`` settings (see :mod:`strato.authentication`)."""
    from strato import authentication

    authentication.setup(config)


def setup_backoff(config: Configurator) -> None:
    """``Backoff`` on every response, optionally on a percentage of them only."""
    settings = config.get_settings()
    backoff = settings.get("backoff")
    if backoff is None:
        return
    percentage = settings.get("backoff_percentage")

    def add_backoff(event: NewResponse) -> None:
        if percentage is not None and random.random() * 100 >= percentage:
            return
        event.response.headers["Backoff"] = str(backoff)

    config.add_subscriber(add_backoff, NewResponse)


def setup_sentry(config: Configurator) -> None:
    """Sentry reporting when ``sentry_dsn`` is set (see :mod:`strato.monitoring.sentry`)."""
    settings = config.get_settings()
    if settings.get("sentry_dsn"):
        from strato.monitoring import sentry

        sentry.setup(config)


def setup_listeners(config: Configurator) -> None:
    """Event listeners named by ``event_listeners`` (see :mod:`strato.listeners`)."""
    from strato import listeners

    listeners.setup(config)


def setup_metrics(config: Configurator) -> None:
    """Metrics service: no-op unless ``statsd_url`` is set."""
    from strato.monitoring import metrics

    metrics.setup(config)


def setup_transaction(config: Configurator) -> None:
    """One transaction per request, and resource events around it."""
    from strato import events

    config.add_tween("strato.initialization._transaction_tween_factory", over=EXCVIEW)
    events.setup(config)


def _transaction_tween_factory(handler: Callable[[Request], Response], registry: Any) -> Any:
    def tween(request: Request) -> Response:
        with transaction.begin() as tx:
            request.transaction = tx
            response = handler(request)
            if tx.doomed or response.status_code >= 400:
                tx.abort()
                return response
            try:
                tx.commit()
            except Exception:
                import sys

                return request.invoke_exception_view(sys.exc_info())
            return response

    return tween


def run_sequence(config: Configurator, steps: list[str] | str) -> None:
    """Run the dotted start-up steps in order."""
    for dotted in aslist(steps) if isinstance(steps, str) else steps:
        step = config.maybe_dotted(dotted)
        step(config)
