"""strato: production HTTP microservices on Pyramid, speaking Kinto's protocol.

The public face of the package. Importing it does nothing: wiring happens
when an application calls :func:`initialize` (or includes ``strato``) and
scans its views.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from typing import Any

from pyramid.config import Configurator
from pyramid.settings import aslist

from strato.errors import ConfigurationError as _ConfigurationError
from strato.service import Service
from strato.settings import SETTINGS as _SETTINGS
from strato.settings import Setting as _Setting
from strato.settings import as_bool as _as_bool
from strato.settings import load_settings as _load_settings

try:
    __version__ = _dist_version("strato")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Service",
    "__version__",
    "add_api_capability",
    "add_heartbeat",
    "includeme",
    "initialize",
    "install_middlewares",
    "load_default_settings",
]

_SETTINGS_KEY = "strato.declared_settings"


def _split_defaults(
    defaults: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, _Setting]]:
    values: dict[str, Any] = {}
    declared: dict[str, _Setting] = {}
    for name, value in (defaults or {}).items():
        if isinstance(value, _Setting):
            declared[name] = value
            values[name] = value.default
        else:
            values[name] = value
    return values, declared


def initialize(
    config: Configurator,
    version: str | None = None,
    project_name: str = "",
    settings_prefix: str = "",
    default_settings: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Load settings and include strato's core under the ``/vN`` prefix.

    ``default_settings`` adds the application's own defaults (plain values,
    or :class:`strato.settings.Setting` objects to declare a type). The
    resulting route prefix stays set on ``config`` so the application's own
    views land under ``/vN`` too.

    Raises :class:`strato.errors.ConfigurationError` on any bad setting.
    """
    route_prefix = _load_core_settings(
        config, version, project_name, settings_prefix, default_settings, environ
    )
    config.include("strato", route_prefix=route_prefix)
    config.route_prefix = route_prefix


def _load_core_settings(
    config: Configurator,
    version: str | None = None,
    project_name: str = "",
    settings_prefix: str = "",
    default_settings: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Load and check the settings into the registry; return the ``vN`` route prefix."""
    ini = dict(config.get_settings())
    prefix = str(ini.pop("settings_prefix", "") or settings_prefix or project_name or "")
    if not prefix:
        warnings.warn(
            "No settings prefix given: environment overrides use no project prefix",
            UserWarning,
            stacklevel=3,
        )

    app_values, app_declared = _split_defaults(default_settings)
    defaults = {name: s.default for name, s in _SETTINGS.items()}
    defaults.update(app_values)
    declared = {**_SETTINGS, **app_declared}
    if project_name:
        defaults["project_name"] = project_name
    if version:
        defaults["project_version"] = version
    settings = _load_settings(
        ini, prefix=prefix, environ=environ, defaults=defaults, declared=declared
    )
    settings["settings_prefix"] = prefix

    if not settings.get("project_version"):
        raise _ConfigurationError("Setting 'project_version': a version is required")
    api_version = settings.get("http_api_version")
    if not api_version:
        parts = str(settings["project_version"]).split(".")
        api_version = ".".join([*parts, "0"][:2])
    settings["http_api_version"] = str(api_version)
    if settings.get("http_scheme") not in (None, "https"):
        warnings.warn("HTTPS is not enabled (http_scheme)", UserWarning, stacklevel=3)

    config.registry.settings.clear()
    config.registry.settings.update(settings)
    config.registry.settings[_SETTINGS_KEY] = declared
    return f"v{str(api_version).split('.')[0]}"


def includeme(config: Configurator) -> None:
    """Wire strato's core into ``config`` (called through :func:`initialize`)."""
    from strato import initialization
    from strato.components import get_components

    settings = config.get_settings()
    if "initialization_sequence" not in settings:
        # Included directly (``config.include("strato")``): load the settings
        # as initialize() does and put strato's routes under /vN.
        config.route_prefix = _load_core_settings(config, environ=os.environ)
        settings = config.get_settings()

    get_components(config.registry)
    config.add_directive("add_api_capability", add_api_capability)
    config.add_directive("add_heartbeat", add_heartbeat)

    settings["handle_exceptions"] = False
    config.include("cornice")

    from strato import requests as strato_requests

    strato_requests.setup(config)
    initialization.run_sequence(config, settings["initialization_sequence"])

    config.scan("strato.views")
    from strato.views import batch, openapi

    batch.setup_capability(config)
    openapi.setup_capability(config)
    # Core first: plug-ins included afterwards may override what it set
    # (request methods, views) instead of silently losing to it.
    config.commit()
    for plugin in aslist(" ".join(settings.get("includes") or [])):
        config.include(plugin)


def add_api_capability(
    config: Configurator,
    identifier: str,
    description: str = "",
    url: str = "",
    **extra: Any,
) -> None:
    """Advertise a capability in the hello view (``capabilities.<identifier>``).

    Two registrations of the same identifier fail at start-up.
    """
    from strato.components import get_components

    capability = {"description": description, "url": url, **extra}
    components = get_components(config.registry)
    if identifier in components.capabilities:
        raise ValueError(f"The capability {identifier!r} is already registered")

    components.capabilities[identifier] = capability


def add_heartbeat(config: Configurator, name: str, check: Any) -> None:
    """Register a heartbeat check run by ``GET /__heartbeat__``.

    ``check(request)`` returns True (or None) when healthy; it runs in a
    worker thread with ``heartbeat_timeout_seconds`` to answer.
    """
    from strato.components import get_components

    get_components(config.registry).heartbeats[name] = check


def load_default_settings(config: Configurator, default_settings: Mapping[str, Any]) -> None:
    """Add a plug-in's defaults to the settings, honouring INI and environment.

    Keys already set (INI or earlier defaults) keep their value; the
    environment overrides as for core settings. Values given as
    :class:`strato.settings.Setting` are cast and checked.
    """
    settings = config.get_settings()
    prefix = settings.get("settings_prefix", "")
    values, declared = _split_defaults(default_settings)
    ini = {k: settings[k] for k in values if k in settings}
    loaded = _load_settings(
        ini, prefix=prefix, environ=os.environ, defaults=values, declared=declared
    )
    for name in values:
        settings[name] = loaded[name]
    registered = settings.setdefault(_SETTINGS_KEY, dict(_SETTINGS))
    registered.update(declared)


def install_middlewares(app: Any, settings: Mapping[str, Any]) -> Any:
    """Wrap the WSGI ``app`` with optional middlewares (profiler).

    ``settings`` may be the raw INI values (``profiler_enabled = yes``) or
    the loaded ones. See :mod:`strato.monitoring.profiling`.
    """
    if not _as_bool(settings.get("profiler_enabled"), "profiler_enabled"):
        return app
    from strato.monitoring import profiling

    return profiling.install(app, settings)
