"""Helpers shared by the SQL backend tests (PostgreSQL and SQLite).

PostgreSQL tests use ``STRATO_TEST_POSTGRESQL_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``). Each test process (one per
pytest-xdist worker) works in its own PostgreSQL schema, through
``search_path``, so workers, and test runs sharing a server, never see each
other's rows; a test module migrates its schema once, flushes it between
tests and drops it at the end. Without a server the PostgreSQL tests skip,
except when ``CI`` is set: then they fail.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlalchemy
from sqlalchemy.schema import CreateSchema, DropSchema

from strato.sql import SQLClient, build_engine, migrate
from strato.sql.engine import EngineSettings
from tests.services import unavailable

if TYPE_CHECKING:
    from strato.storage.sql import SQLStorage

POSTGRESQL_URL = os.environ.get(
    "STRATO_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
#: The same server through the default driver, for direct (non-strato) connections.
_ADMIN_URL = sqlalchemy.make_url(POSTGRESQL_URL).set(drivername="postgresql+psycopg2")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
#: ``application_name`` of the test connections, to find (and kill) them.
APPLICATION = f"strato-tests-{WORKER}-{os.getpid()}"


def schema_name(suffix: str = "") -> str:
    """The PostgreSQL schema of this test process (plus ``suffix``)."""
    name = f"strato_test_{WORKER}_{os.getpid()}{'_' + suffix if suffix else ''}"
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def postgresql_url(schema: str, application: str = APPLICATION) -> str:
    """The test server URL with ``search_path`` set to ``schema``."""
    separator = "&" if "?" in POSTGRESQL_URL else "?"
    # synchronous_commit=off: commits skip the disk flush (tests only).
    options = quote(f"-csearch_path={schema} -csynchronous_commit=off")
    return f"{POSTGRESQL_URL}{separator}options={options}&application_name={application}"


def require_postgresql(url: str | sqlalchemy.URL | None = None) -> None:
    """Skip (or fail under CI) when the PostgreSQL test server does not answer."""
    target = _ADMIN_URL if url is None else url
    engine = sqlalchemy.create_engine(
        target, poolclass=sqlalchemy.pool.NullPool, connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.OperationalError as exc:
        shown = sqlalchemy.make_url(target).render_as_string(hide_password=True)
        unavailable("PostgreSQL", f"{shown}: {exc.orig}")
    finally:
        engine.dispose()


def reset_schema(schema: str) -> None:
    """Drop and re-create ``schema`` (for tests needing a pristine database)."""
    engine = sqlalchemy.create_engine(_ADMIN_URL, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True, if_exists=True))
            conn.execute(CreateSchema(schema))
    finally:
        engine.dispose()


def drop_schema(schema: str) -> None:
    engine = sqlalchemy.create_engine(_ADMIN_URL, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(DropSchema(schema, cascade=True, if_exists=True))
    finally:
        engine.dispose()


def postgresql_client(schema: str, **pool: object) -> SQLClient:
    """A client on ``schema``, which must exist."""
    engine = build_engine(EngineSettings(url=postgresql_url(schema), **pool))  # type: ignore[arg-type]
    return SQLClient(engine, label=f"test PostgreSQL ({schema})")


def sqlite_client(path: Path, **pool: object) -> SQLClient:
    engine = build_engine(EngineSettings(url=f"sqlite:///{path}", **pool))  # type: ignore[arg-type]
    return SQLClient(engine, label=f"test SQLite ({path.name})")


def migrated(client: SQLClient) -> SQLClient:
    for component in ("storage", "permission", "cache"):
        migrate(client, component)
    return client


def module_postgresql_client(schema: str | None = None) -> Iterator[SQLClient]:
    """Body of a module-scoped fixture: a migrated, flushed PostgreSQL client."""
    require_postgresql()
    name = schema or schema_name()
    engine = sqlalchemy.create_engine(_ADMIN_URL, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(CreateSchema(name, if_not_exists=True))
    finally:
        engine.dispose()
    client = migrated(postgresql_client(name))
    flush_all(client)
    yield client
    client.dispose()
    drop_schema(name)


def module_sqlite_client(directory: Path) -> Iterator[SQLClient]:
    """Body of a module-scoped fixture: a migrated SQLite client in ``directory``."""
    client = migrated(sqlite_client(directory / "strato.sqlite"))
    yield client
    client.dispose()


def flush_all(client: SQLClient) -> None:
    from strato.sql.schema import (
        access_control_entries,
        cache_entries,
        objects,
        timestamps,
        user_principals,
    )

    with client.connect(write=True, join=False) as conn:
        for table in (objects, timestamps, user_principals, access_control_entries, cache_entries):
            conn.execute(table.delete())


#: The dialects every dialect-parametrised test runs on.
DIALECTS = ("sqlite", "postgresql")


@dataclass
class Database:
    """A migrated test database and how to point an application at it."""

    dialect: str
    url: str
    cache_url: str
    client: SQLClient

    def new_client(self, **pool: object) -> SQLClient:
        """Another engine (own pool) on the same database."""
        engine = build_engine(EngineSettings(url=self.url, **pool))  # type: ignore[arg-type]
        return SQLClient(engine, label=f"test {self.dialect}")

    def new_cache_client(self) -> SQLClient:
        """A client on the cache database (its own file on SQLite)."""
        return SQLClient(build_engine(EngineSettings(url=self.cache_url)), label="test cache")

    def app_settings(self, **extra: object) -> dict[str, object]:
        """Settings of an application using the SQL backends on this database."""
        return {
            "storage_backend": "strato.storage.sql",
            "storage_url": self.url,
            "permission_backend": "strato.permission.sql",
            "permission_url": self.url,
            "cache_backend": "strato.cache.sql",
            "cache_url": self.cache_url,
            "multiauth.policies": "basicauth",
            **extra,
        }


def database(dialect: str, directory: Path) -> Iterator[Database]:
    """Body of a (module-scoped) fixture yielding a migrated, flushed database."""
    if dialect == "sqlite":
        cache_url = f"sqlite:///{directory / 'cache.sqlite'}"
        cache_client = sqlite_client(directory / "cache.sqlite")
        migrate(cache_client, "cache")
        cache_client.dispose()
        url = f"sqlite:///{directory / 'strato.sqlite'}"
        for client in module_sqlite_client(directory):
            yield Database(dialect, url, cache_url, client)
        return
    url = postgresql_url(schema_name())
    for client in module_postgresql_client():
        yield Database(dialect, url, url, client)


def dispose_app(app: object) -> None:
    """Close the pools of a test application's SQL clients."""
    from strato.sql.engine import ISQLClients

    clients = app.app.registry.queryUtility(ISQLClients)  # type: ignore[attr-defined]
    for client in getattr(clients, "by_url", {}).values():
        client.dispose()


# -- several processes --------------------------------------------------------


def run_processes(target: Callable[..., Any], arguments: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``target(*args)`` in one new process per ``args``, started together.

    Processes are spawned (not forked), so none inherits a connection of
    this one. Returns the results in order; an exception in a process is
    re-raised here as an AssertionError naming it.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(target, barrier, results, index, args))
        for index, args in enumerate(arguments)
    ]
    for process in processes:
        process.start()
    outcomes: dict[int, tuple[str, Any]] = {}
    try:
        for _ in processes:
            index, status, value = results.get(timeout=120)
            outcomes[index] = (status, value)
    finally:
        for process in processes:
            process.join(timeout=30)
    errors = [value for status, value in outcomes.values() if status == "error"]
    assert not errors, errors
    return [outcomes[index][1] for index in range(len(arguments))]


def _process_main(
    target: Callable[..., Any], barrier: Any, results: Any, index: int, args: tuple[Any, ...]
) -> None:
    try:
        barrier.wait(timeout=60)
        results.put((index, "ok", target(*args)))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put((index, "error", f"{type(exc).__name__}: {exc}"))


def _process_storage(url: str) -> SQLStorage:
    from strato.storage.sql import SQLStorage

    return SQLStorage(SQLClient(build_engine(EngineSettings(url=url, pool_size=1))))


def create_objects(url: str, resource_name: str, count: int) -> list[int]:
    """Process body: create ``count`` objects, return their timestamps in order."""
    storage = _process_storage(url)
    try:
        return [
            storage.create(resource_name, "", {"pid": os.getpid(), "n": n})["last_modified"]
            for n in range(count)
        ]
    finally:
        storage.client.dispose()


def conditional_update(url: str, resource_name: str, object_id: str, version: int) -> str:
    """Process body: update with ``if_match=version``; "won" or "modified"."""
    from strato.storage import ObjectModifiedError

    storage = _process_storage(url)
    try:
        storage.update(resource_name, "", object_id, {"by": os.getpid()}, if_match=version)
    except ObjectModifiedError:
        return "modified"
    finally:
        storage.client.dispose()
    return "won"


def kill_connections(application: str) -> int:
    """Terminate every PostgreSQL connection named ``application``; return how many."""
    activity = sqlalchemy.table(
        "pg_stat_activity", sqlalchemy.column("pid"), sqlalchemy.column("application_name")
    )
    engine = sqlalchemy.create_engine(_ADMIN_URL, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            killed = conn.execute(
                sqlalchemy.select(sqlalchemy.func.pg_terminate_backend(activity.c.pid)).where(
                    activity.c.application_name == application,
                    activity.c.pid != sqlalchemy.func.pg_backend_pid(),
                )
            ).all()
    finally:
        engine.dispose()
    return len(killed)
