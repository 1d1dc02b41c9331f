"""Run the numbered migrations and check the schema version at start-up.

Each component (``storage``, ``permission``, ``cache``) has its own schema
version, recorded in the ``strato_metadata`` table under
``<component>_schema_version``. :func:`migrate` applies the missing steps
of :mod:`strato.sql.migrations` in order, in one transaction, holding a
lock so that two processes migrating at once do not collide; running it
again changes nothing. :func:`prepare_schema` is what backends call when
they are loaded: an application refuses to start on a missing or outdated
schema, and says to run ``strato migrate``.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import pkgutil
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from strato.errors import ConfigurationError
from strato.sql import migrations as _migrations_package
from strato.sql.schema import metadata_table
from strato.sql.session import SQLClient

__all__ = [
    "COMPONENTS",
    "Migration",
    "SchemaError",
    "check_schema",
    "current_version",
    "latest_version",
    "migrate",
    "migrations",
    "prepare_schema",
    "skip_schema_check",
]

_logger = logging.getLogger(__name__)

COMPONENTS = ("storage", "permission", "cache")

_MODULE_NAME = re.compile(r"^(?P<component>[a-z]+)_(?P<version>\d{4})_(?P<slug>\w+)$")

_check_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "strato_sql_schema_check", default=True
)


class SchemaError(ConfigurationError):
    """The database schema does not match this version of strato."""


@dataclass(frozen=True)
class Migration:
    """One numbered step: after it, ``component``'s schema is at ``version``."""

    component: str
    version: int
    module: str
    description: str

    def upgrade(self, connection: Connection, client: SQLClient) -> None:
        step = importlib.import_module(self.module)
        step.upgrade(connection, client.dialect)

    def __str__(self) -> str:
        return f"{self.component} {self.version:04d}: {self.description}"


def migrations(component: str) -> list[Migration]:
    """Every step of ``component``, in order; their versions are 1, 2, 3..."""
    if component not in COMPONENTS:
        raise ValueError(f"Unknown component {component!r} (known: {', '.join(COMPONENTS)})")
    found = []
    for info in pkgutil.iter_modules(_migrations_package.__path__):
        match = _MODULE_NAME.match(info.name)
        if match is None or match["component"] != component:
            continue
        module = f"{_migrations_package.__name__}.{info.name}"
        doc = importlib.import_module(module).__doc__ or match["slug"]
        found.append(
            Migration(component, int(match["version"]), module, doc.strip().splitlines()[0])
        )
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"Migrations of {component} are not numbered 1, 2, 3...: {found}")
    return found


def latest_version(component: str) -> int:
    """The schema version this strato expects for ``component``."""
    return len(migrations(component))


def _version_key(component: str) -> str:
    return f"{component}_schema_version"


def _read_version(connection: Connection, component: str) -> int | None:
    if not inspect(connection).has_table(metadata_table.name):
        return None
    value = connection.execute(
        select(metadata_table.c.value).where(metadata_table.c.name == _version_key(component))
    ).scalar()
    return None if value is None else int(value)


def current_version(client: SQLClient, component: str) -> int | None:
    """The recorded schema version of ``component``, None when never migrated."""
    with client.connect(write=False, join=False) as connection:
        return _read_version(connection, component)


def migrate(
    client: SQLClient, component: str, *, dry_run: bool = False, target: int | None = None
) -> list[Migration]:
    """Apply the missing steps up to ``target`` (default: the latest); return them.

    With ``dry_run`` nothing is changed: the steps that would run are
    logged and returned. Steps already applied are never run again.
    """
    steps = migrations(component)
    goal = len(steps) if target is None else target
    if dry_run:
        version = current_version(client, component) or 0
        pending = [m for m in steps if version < m.version <= goal]
        for step in pending:
            _logger.info("Would apply %s (dry run)", step)
        if not pending:
            _logger.info("%s schema of %s is up to date (dry run)", component, client.label)
        return pending
    with client.connect(write=True, join=False) as connection:
        client.dialect.migration_lock(connection)
        metadata_table.create(connection, checkfirst=True)
        version = _read_version(connection, component) or 0
        pending = [m for m in steps if version < m.version <= goal]
        for step in pending:
            step.upgrade(connection, client)
            _logger.info("Applied %s", step)
        if pending:
            insert = client.dialect.insert(metadata_table).values(
                name=_version_key(component), value=str(pending[-1].version)
            )
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[metadata_table.c.name], set_={"value": insert.excluded.value}
                )
            )
        else:
            _logger.info("%s schema of %s is up to date", component, client.label)
    return pending


def check_schema(client: SQLClient, component: str) -> None:
    """Raise :class:`SchemaError` unless ``component``'s schema is at the latest version."""
    version = current_version(client, component)
    latest = latest_version(component)
    if version == latest:
        return
    if version is None:
        problem = f"the {component} tables do not exist in {client.label}"
    elif version < latest:
        problem = (
            f"the {component} schema of {client.label} is at version {version}, "
            f"this strato needs version {latest}"
        )
    else:
        raise SchemaError(
            f"The {component} schema of {client.label} is at version {version}, newer than "
            f"the version {latest} this strato knows: upgrade strato"
        )
    raise SchemaError(
        f"Cannot start: {problem}. Run `strato migrate --ini <your .ini file>` "
        f"(or set {component}_auto_migrate = true)."
    )


def prepare_schema(client: SQLClient, component: str, *, auto_migrate: bool) -> None:
    """What a backend does when loaded: migrate (``auto_migrate``) or check.

    Does nothing inside :func:`skip_schema_check`.
    """
    if not _check_enabled.get():
        return
    if auto_migrate:
        migrate(client, component)
    else:
        check_schema(client, component)


@contextmanager
def skip_schema_check() -> Iterator[None]:
    """Load backends without checking their schema (``strato migrate`` needs this)."""
    token = _check_enabled.set(False)
    try:
        yield
    finally:
        _check_enabled.reset(token)
