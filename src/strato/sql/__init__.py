"""SQL databases behind the storage, permission and cache backends.

One implementation serves PostgreSQL (production) and SQLite (embedded,
single host): statements are SQLAlchemy Core expressions with bound
parameters, and what differs between the two databases lives in
:mod:`strato.sql.dialect`. Service authors only set
``storage_backend = strato.storage.sql`` and ``storage_url`` (likewise
``permission_`` and ``cache_``); see ``docs/sql.rst``.

For plug-in authors writing another SQL-backed component:
:func:`get_client` gives the shared :class:`SQLClient` of a URL, whose
:meth:`SQLClient.connect` joins the request's transaction, and
:func:`load_client` also checks (or migrates) the schema at start-up.
"""

from __future__ import annotations

from pyramid.config import Configurator

from strato.settings import as_bool
from strato.sql.engine import EngineSettings, build_engine, get_client, redact_url
from strato.sql.migrator import (
    SchemaError,
    check_schema,
    current_version,
    latest_version,
    migrate,
    prepare_schema,
    skip_schema_check,
)
from strato.sql.session import SQLClient

__all__ = [
    "EngineSettings",
    "SQLClient",
    "SchemaError",
    "build_engine",
    "check_schema",
    "current_version",
    "get_client",
    "latest_version",
    "load_client",
    "migrate",
    "prepare_schema",
    "redact_url",
    "skip_schema_check",
]


def load_client(config: Configurator, component: str) -> SQLClient:
    """The client of ``<component>_url``, its schema checked or migrated.

    ``component`` is ``storage``, ``permission`` or ``cache``. When
    ``<component>_auto_migrate`` is true the missing migrations are applied;
    otherwise a missing or outdated schema raises :class:`SchemaError`,
    whose message says to run ``strato migrate``.
    """
    settings = config.get_settings() or {}
    client = get_client(config, f"{component}_")
    auto = as_bool(settings.get(f"{component}_auto_migrate", False), f"{component}_auto_migrate")
    prepare_schema(client, component, auto_migrate=auto)
    return client
