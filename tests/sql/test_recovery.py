"""Connections that die (server restart, pg_terminate_backend) and processes that restart.

A call whose connection dies raises BackendError (the HTTP layer answers
503 with Retry-After); the next call gets a fresh connection, without
restarting the application.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyramid.config import Configurator
from pyramid.security import NO_PERMISSION_REQUIRED

from strato import transaction
from strato.components import get_components
from strato.sql import SQLClient
from strato.storage import BackendError
from strato.storage.sql import SQLStorage
from strato.testing import make_webtest
from tests.sql import (
    Database,
    database,
    dispose_app,
    flush_all,
    kill_connections,
    migrated,
    postgresql_url,
    schema_name,
    sqlite_client,
)

VICTIM = f"strato-tests-victim-{os.getpid()}"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    yield from database("postgresql", tmp_path_factory.mktemp("recovery"))


@pytest.fixture
def victim(db: Database) -> Iterator[SQLStorage]:
    flush_all(db.client)
    storage = SQLStorage(_client(postgresql_url(schema_name(), application=VICTIM)))
    yield storage
    storage.client.dispose()


def _client(url: str) -> SQLClient:
    from strato.sql import build_engine
    from strato.sql.engine import EngineSettings

    return SQLClient(build_engine(EngineSettings(url=url, pool_size=2, max_overflow=0)))


def test_a_connection_killed_in_a_transaction(victim: SQLStorage) -> None:
    with transaction.begin() as tx:
        victim.create("thing", "", {"id": "lost"})
        assert kill_connections(VICTIM) >= 1
        with pytest.raises(BackendError):
            victim.create("thing", "", {"id": "also-lost"})
        tx.abort()
    created = victim.create("thing", "", {"id": "kept"})
    assert [o["id"] for o in victim.list_all("thing", "")] == [created["id"]]


def test_idle_connections_killed_in_the_pool_are_replaced(victim: SQLStorage) -> None:
    for _ in range(3):
        victim.list_all("thing", "")
    assert kill_connections(VICTIM) >= 1
    assert victim.create("thing", "", {"id": "after"})["id"] == "after"
    assert victim.get("thing", "", "after")["id"] == "after"


def _write_kill_write(request: Any) -> Any:
    storage = get_components(request).storage
    storage.create("thing", "", {"step": 1})
    if request.params.get("kill"):
        kill_connections(VICTIM)
    storage.create("thing", "", {"step": 2})
    return {"ok": True}


def _includeme(config: Configurator) -> None:
    config.add_route("write_kill_write", "/write-kill-write")
    config.add_view(
        _write_kill_write,
        route_name="write_kill_write",
        renderer="json",
        permission=NO_PERMISSION_REQUIRED,
    )


def test_a_request_in_flight_gets_a_503_and_the_next_one_succeeds(
    db: Database, victim: SQLStorage
) -> None:
    url = postgresql_url(schema_name(), application=VICTIM)
    app = make_webtest(_includeme, db.app_settings(storage_url=url, permission_url=url))
    try:
        response = app.get("/write-kill-write?kill=1", status=503)
        assert response.json["errno"] == 201
        assert response.headers["Retry-After"]
        assert "SELECT" not in response.text and "INSERT" not in response.text
        assert victim.list_all("thing", "") == []
        assert app.get("/write-kill-write").json == {"ok": True}
        assert sorted(o["step"] for o in victim.list_all("thing", "")) == [1, 2]
    finally:
        dispose_app(app)


def test_a_restarted_sqlite_process_finds_its_data(tmp_path: Path) -> None:
    path = tmp_path / "restart.sqlite"
    first = SQLStorage(migrated(sqlite_client(path)))
    with transaction.begin() as tx:
        committed = first.create("thing", "", {"v": 1})
        tx.commit()
    with transaction.begin():
        first.create("thing", "", {"v": "never committed"})
    first.client.dispose()
    second = SQLStorage(sqlite_client(path))
    assert second.list_all("thing", "") == [committed]
    assert second.create("thing", "", {"v": 2})["last_modified"] > committed["last_modified"]
    second.client.dispose()


def test_a_restarted_postgresql_client_finds_its_data(db: Database, victim: SQLStorage) -> None:
    committed = victim.create("thing", "", {"v": 1})
    victim.client.dispose()
    again = SQLStorage(_client(postgresql_url(schema_name(), application=VICTIM)))
    try:
        assert again.list_all("thing", "") == [committed]
    finally:
        again.client.dispose()
