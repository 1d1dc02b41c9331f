"""Numbered migrations, the recorded schema version, and the start-up check.

Each test starts from an empty database: a fresh SQLite file, or a
PostgreSQL schema dropped and re-created.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyramid.config import Configurator
from sqlalchemy import inspect

from strato.cache.sql import SQLCache
from strato.cache.sql import load_from_config as load_cache
from strato.permission.sql import load_from_config as load_permission
from strato.sql import (
    SchemaError,
    SQLClient,
    current_version,
    latest_version,
    migrate,
    skip_schema_check,
)
from strato.sql.migrator import COMPONENTS, migrations
from strato.storage.sql import SQLStorage
from strato.storage.sql import load_from_config as load_storage
from strato.testing import make_webtest
from tests.sql import (
    DIALECTS,
    drop_schema,
    postgresql_client,
    postgresql_url,
    require_postgresql,
    reset_schema,
    schema_name,
    sqlite_client,
)


@pytest.fixture(params=DIALECTS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, SQLClient]]:
    """A URL and a client on an empty database."""
    if request.param == "sqlite":
        path = tmp_path / "empty.sqlite"
        client = sqlite_client(path)
        yield f"sqlite:///{path}", client
        client.dispose()
        return
    require_postgresql()
    schema = schema_name("migrate")
    reset_schema(schema)
    client = postgresql_client(schema)
    yield postgresql_url(schema), client
    client.dispose()
    drop_schema(schema)


def _tables(client: SQLClient) -> set[str]:
    with client.connect(write=False) as conn:
        return set(inspect(conn).get_table_names())


def _indexes(client: SQLClient, table: str) -> set[str]:
    with client.connect(write=False) as conn:
        return {index["name"] for index in inspect(conn).get_indexes(table)}


def _config(url: str, **settings: object) -> Configurator:
    return Configurator(
        settings={"storage_url": url, "permission_url": url, "cache_url": url, **settings}
    )


def test_steps_are_numbered_and_described() -> None:
    for component in COMPONENTS:
        steps = migrations(component)
        assert [s.version for s in steps] == list(range(1, len(steps) + 1))
        assert all(s.description and not s.description.endswith("\n") for s in steps)
    assert latest_version("storage") >= 2


def test_migrate_creates_the_schema_and_records_versions(empty: tuple[str, SQLClient]) -> None:
    _, client = empty
    assert current_version(client, "storage") is None
    for component in COMPONENTS:
        applied = migrate(client, component)
        assert [s.version for s in applied] == list(range(1, latest_version(component) + 1))
        assert current_version(client, component) == latest_version(component)
    assert {
        "strato_metadata",
        "strato_objects",
        "strato_timestamps",
        "strato_user_principals",
        "strato_access_control_entries",
        "strato_cache",
    } <= _tables(client)


def test_migrate_twice_changes_nothing(empty: tuple[str, SQLClient]) -> None:
    _, client = empty
    migrate(client, "storage")
    created = SQLStorage(client).create("thing", "", {"v": 1})
    assert migrate(client, "storage") == []
    assert SQLStorage(client).list_all("thing", "") == [created]


def test_dry_run_changes_nothing(
    empty: tuple[str, SQLClient], caplog: pytest.LogCaptureFixture
) -> None:
    _, client = empty
    caplog.set_level(logging.INFO, logger="strato.sql.migrator")
    pending = migrate(client, "storage", dry_run=True)
    assert [s.version for s in pending] == list(range(1, latest_version("storage") + 1))
    assert _tables(client) == set()
    assert "Would apply storage 0001" in caplog.text


def test_upgrade_from_an_older_version(empty: tuple[str, SQLClient]) -> None:
    _, client = empty
    migrate(client, "storage", target=1)
    assert current_version(client, "storage") == 1
    assert "strato_objects_timestamp_idx" not in _indexes(client, "strato_objects")
    assert [s.version for s in migrate(client, "storage", dry_run=True)] == [2]
    applied = migrate(client, "storage")
    assert [s.version for s in applied] == list(range(2, latest_version("storage") + 1))
    assert "strato_objects_timestamp_idx" in _indexes(client, "strato_objects")


@pytest.mark.parametrize("loader", [load_storage, load_permission, load_cache])
def test_backends_refuse_to_start_without_a_schema(empty: tuple[str, SQLClient], loader) -> None:
    url, _ = empty
    with pytest.raises(SchemaError, match="strato migrate"):
        loader(_config(url))


def test_backends_refuse_to_start_on_an_outdated_schema(empty: tuple[str, SQLClient]) -> None:
    url, client = empty
    migrate(client, "storage", target=1)
    with pytest.raises(SchemaError, match=r"version 1.*strato migrate"):
        load_storage(_config(url))
    migrate(client, "storage")
    assert isinstance(load_storage(_config(url)), SQLStorage)


def test_a_newer_schema_is_refused(empty: tuple[str, SQLClient]) -> None:
    url, client = empty
    migrate(client, "storage")
    from strato.sql.schema import metadata_table

    with client.connect(write=True) as conn:
        conn.execute(
            metadata_table.update()
            .where(metadata_table.c.name == "storage_schema_version")
            .values(value="999")
        )
    with pytest.raises(SchemaError, match="newer"):
        load_storage(_config(url))


def test_auto_migrate_creates_the_schema_at_start_up(empty: tuple[str, SQLClient]) -> None:
    url, client = empty
    cache_url = url if url.startswith("postgresql") else url.replace("empty", "cache")
    cache = load_cache(_config(url, cache_url=cache_url, cache_auto_migrate="true"))
    assert isinstance(cache, SQLCache)
    storage = load_storage(_config(url, storage_auto_migrate=True))
    assert storage.list_all("thing", "") == []
    assert current_version(client, "storage") == latest_version("storage")


def test_skip_schema_check_lets_the_migrate_command_load_backends(
    empty: tuple[str, SQLClient],
) -> None:
    url, client = empty
    with skip_schema_check():
        storage = load_storage(_config(url))
    storage.initialize_schema()
    assert current_version(client, "storage") == latest_version("storage")
    load_storage(_config(url))


def test_an_application_does_not_start_on_a_missing_schema(empty: tuple[str, SQLClient]) -> None:
    url, _ = empty
    settings = {"storage_backend": "strato.storage.sql", "storage_url": url}
    with pytest.raises(SchemaError, match="strato migrate"):
        make_webtest(settings={**settings, "permission_backend": "", "cache_backend": ""})


def test_concurrent_migrations_apply_each_step_once(empty: tuple[str, SQLClient]) -> None:
    url, _ = empty
    from strato.sql import build_engine
    from strato.sql.engine import EngineSettings

    clients = [SQLClient(build_engine(EngineSettings(url=url))) for _ in range(4)]
    applied: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(clients))

    def run(client: SQLClient) -> None:
        try:
            barrier.wait()
            applied.extend(s.version for s in migrate(client, "storage"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(applied) == list(range(1, latest_version("storage") + 1))
    for client in clients:
        client.dispose()
