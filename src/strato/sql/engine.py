"""Engines and connection pools built from settings, one per database URL.

Each SQL backend reads its settings under its own prefix (``storage_``,
``permission_``, ``cache_``):

- ``<prefix>url``: ``postgresql://user@host:5432/db`` or
  ``sqlite:///relative/path.sqlite`` (``sqlite:////absolute/path``);
- ``<prefix>pool_size`` (default 10) and ``<prefix>max_overflow``
  (default 5): connections kept open, and opened beyond them under load;
- ``<prefix>pool_timeout`` (default 10): seconds a call waits for a free
  connection, or for a lock held by another transaction, before failing
  with :class:`~strato.storage.errors.BackendError`;
- ``<prefix>pool_recycle`` (default 3600): seconds after which a pooled
  connection is replaced (-1: never).

Backends configured with the same URL share one :class:`SQLClient` (and
so one pool and, during a request, one transaction): the first backend to
ask creates it with its own pool settings. Clients are kept in a registry
utility of the Pyramid application, never in module globals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pyramid.config import Configurator
from pyramid.registry import Registry
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from zope.interface import Interface

from strato.errors import ConfigurationError
from strato.settings import as_float, as_int
from strato.sql.dialect import dialect_for
from strato.sql.session import SQLClient

__all__ = ["EngineSettings", "build_engine", "get_client", "redact_url"]

_logger = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 5
DEFAULT_POOL_TIMEOUT = 10.0
DEFAULT_POOL_RECYCLE = 3600


def redact_url(url: str | URL) -> str:
    """``url`` without its password, safe for logs and error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


@dataclass(frozen=True)
class EngineSettings:
    """How to reach one database and size its pool."""

    url: str
    pool_size: int = DEFAULT_POOL_SIZE
    max_overflow: int = DEFAULT_MAX_OVERFLOW
    pool_timeout: float = DEFAULT_POOL_TIMEOUT
    pool_recycle: int = DEFAULT_POOL_RECYCLE

    def __repr__(self) -> str:
        return (
            f"EngineSettings(url={redact_url(self.url)!r}, pool_size={self.pool_size}, "
            f"max_overflow={self.max_overflow}, pool_timeout={self.pool_timeout}, "
            f"pool_recycle={self.pool_recycle})"
        )

    @classmethod
    def from_settings(cls, settings: dict[str, Any], prefix: str) -> EngineSettings:
        """Read ``<prefix>url`` and the pool settings; empty values take defaults.

        Raises :class:`~strato.errors.ConfigurationError` naming the setting
        when the URL is missing or a number is not valid.
        """
        url = str(settings.get(f"{prefix}url") or "").strip()
        if not url:
            raise ConfigurationError(
                f"Setting '{prefix}url': a database URL is required by the SQL backend "
                "(postgresql://user@host/db or sqlite:///path/to/file.sqlite)"
            )

        def number(name: str, default: Any, cast: Any, minimum: float) -> Any:
            raw = settings.get(f"{prefix}{name}")
            if raw is None or raw == "":
                return default
            value = cast(raw, f"{prefix}{name}")
            if value < minimum:
                raise ConfigurationError(
                    f"Setting '{prefix}{name}': expected at least {minimum:g}, got {raw!r}"
                )
            return value

        return cls(
            url=url,
            pool_size=number("pool_size", DEFAULT_POOL_SIZE, as_int, 1),
            max_overflow=number("max_overflow", DEFAULT_MAX_OVERFLOW, as_int, 0),
            pool_timeout=number("pool_timeout", DEFAULT_POOL_TIMEOUT, as_float, 0),
            pool_recycle=number("pool_recycle", DEFAULT_POOL_RECYCLE, as_int, -1),
        )


def build_engine(engine_settings: EngineSettings, *, setting: str = "url") -> Engine:
    """Create the engine and pool described by ``engine_settings``.

    Connects to nothing yet. ``setting`` names the URL setting in errors.
    """
    try:
        url = make_url(engine_settings.url)
    except ArgumentError:
        raise ConfigurationError(
            f"Setting {setting!r}: not a database URL: {redact_url(engine_settings.url)!r}"
        ) from None
    try:
        dialect = dialect_for(url.get_backend_name())
        url = dialect.prepare_url(url)
    except ValueError as exc:
        raise ConfigurationError(f"Setting {setting!r}: {exc}") from None
    options: dict[str, Any] = {
        "pool_size": engine_settings.pool_size,
        "max_overflow": engine_settings.max_overflow,
        "pool_timeout": engine_settings.pool_timeout,
        "pool_recycle": engine_settings.pool_recycle,
        # Error messages (and so logs) never carry bound values.
        "hide_parameters": True,
    }
    options.update(dialect.engine_options(url.get_driver_name(), engine_settings.pool_timeout))
    try:
        engine = create_engine(url, **options)
    except ImportError as exc:
        raise ConfigurationError(
            f"Setting {setting!r}: the database driver is not installed ({exc}); "
            "for PostgreSQL install strato[postgresql]"
        ) from None
    dialect.configure(engine, engine_settings.pool_timeout)
    return engine


class ISQLClients(Interface):
    """Marker interface of the per-application registry of SQL clients."""


class _Clients:
    def __init__(self) -> None:
        self.by_url: dict[str, SQLClient] = {}
        self.settings: dict[str, EngineSettings] = {}
        self.prefixes: dict[str, set[str]] = {}


def get_client(config: Configurator | Registry, prefix: str) -> SQLClient:
    """The client of the database named by ``<prefix>url``, created on first use.

    ``prefix`` is ``"storage_"``, ``"permission_"`` or ``"cache_"``. A second
    prefix with the same URL gets the same client (its pool settings are
    then ignored, with a warning when they differ).

    On SQLite (one writer at a time) the cache must use a file of its own: it commits outside the
    request's transaction and would otherwise wait for the write lock that
    transaction holds. That case raises :class:`~strato.errors.ConfigurationError`.
    """
    registry = config.registry if isinstance(config, Configurator) else config
    settings = registry.settings or {}
    engine_settings = EngineSettings.from_settings(settings, prefix)
    clients: _Clients | None = registry.queryUtility(ISQLClients)
    if clients is None:
        clients = _Clients()
        registry.registerUtility(clients, ISQLClients)
    try:
        key = make_url(engine_settings.url).render_as_string(hide_password=False)
    except ArgumentError:
        raise ConfigurationError(
            f"Setting '{prefix}url': not a database URL: {redact_url(engine_settings.url)!r}"
        ) from None
    client = clients.by_url.get(key)
    if client is None:
        engine = build_engine(engine_settings, setting=f"{prefix}url")
        client = SQLClient(engine, label=redact_url(engine_settings.url))
        clients.by_url[key] = client
        clients.settings[key] = engine_settings
    elif clients.settings[key] != engine_settings:
        _logger.warning(
            "%surl names a database already configured; its pool settings are ignored",
            prefix,
        )
    users = clients.prefixes.setdefault(key, set())
    users.add(prefix)
    if client.dialect.single_writer and "cache_" in users and len(users) > 1:
        raise ConfigurationError(
            f"Setting 'cache_url': on {client.dialect.name} the cache needs its own database "
            "(it commits outside the request transaction, which holds the write lock); "
            "for example cache_url = sqlite:///data/cache.sqlite"
        )
    return client
