"""Engines and pools from settings, sharing per URL, and failing fast when busy."""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyramid.config import Configurator
from sqlalchemy import text

import strato.sql
from strato import transaction
from strato.cache.sql import SQLCache
from strato.components import get_components
from strato.errors import ConfigurationError
from strato.permission.sql import SQLPermission
from strato.resource import Resource, register_resource
from strato.settings import load_settings
from strato.sql import EngineSettings, SQLClient, build_engine, get_client, redact_url
from strato.sql.engine import ISQLClients
from strato.storage import BackendError
from strato.storage.sql import SQLStorage
from strato.testing import get_user_headers, make_webtest
from tests.sql import DIALECTS, Database, database, dispose_app, flush_all, sqlite_client


@pytest.fixture(scope="module", params=DIALECTS)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from database(request.param, tmp_path_factory.mktemp(f"engine-{request.param}"))


def test_public_names_are_listed() -> None:
    public = {
        name
        for name, value in vars(strato.sql).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    imported = {"Configurator", "annotations", "as_bool"}
    assert sorted(public - imported) == strato.sql.__all__


def test_pool_settings_are_read_with_their_prefix() -> None:
    settings = {
        "storage_url": "sqlite:///x.sqlite",
        "storage_pool_size": "3",
        "storage_max_overflow": "0",
        "storage_pool_timeout": "1.5",
        "storage_pool_recycle": "-1",
    }
    assert EngineSettings.from_settings(settings, "storage_") == EngineSettings(
        "sqlite:///x.sqlite", pool_size=3, max_overflow=0, pool_timeout=1.5, pool_recycle=-1
    )
    defaults = EngineSettings.from_settings({"cache_url": "sqlite:///c.sqlite"}, "cache_")
    assert (defaults.pool_size, defaults.max_overflow) == (10, 5)
    assert defaults.pool_timeout == 10 and defaults.pool_recycle == 3600


def test_declared_settings_are_cast_at_start_up() -> None:
    loaded = load_settings({"storage_pool_size": "4", "storage_auto_migrate": "yes"}, environ={})
    assert loaded["storage_pool_size"] == 4 and loaded["storage_auto_migrate"] is True
    with pytest.raises(ConfigurationError, match="storage_pool_size"):
        load_settings({"storage_pool_size": "many"}, environ={})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "storage_url"),
        ({"storage_url": "sqlite:///x", "storage_pool_size": "0"}, "storage_pool_size"),
        ({"storage_url": "sqlite:///x", "storage_pool_timeout": "soon"}, "storage_pool_timeout"),
        ({"storage_url": "mysql://u@h/db"}, "Unsupported database"),
        ({"storage_url": "sqlite://"}, "in-memory SQLite"),
        ({"storage_url": "sqlite:///:memory:"}, "in-memory SQLite"),
        ({"storage_url": "not a url"}, "not a database URL"),
    ],
)
def test_configuration_errors_name_the_setting(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        get_client(Configurator(settings=settings), "storage_")


def test_passwords_never_appear_in_labels_or_errors() -> None:
    url = "postgresql://user:hunter2@127.0.0.1:1/db"
    assert "hunter2" not in redact_url(url)
    assert "hunter2" not in repr(EngineSettings(url))
    client = SQLClient(build_engine(EngineSettings(url, pool_timeout=0.5)))
    assert "hunter2" not in client.label
    with pytest.raises(BackendError) as caught:
        SQLStorage(client).list_all("thing", "")
    assert "hunter2" not in str(caught.value)
    client.dispose()


def test_one_client_per_url_and_per_application(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    config = Configurator(settings={"storage_url": url, "permission_url": url})
    storage_client = get_client(config, "storage_")
    assert get_client(config, "permission_") is storage_client
    other_app = Configurator(settings={"storage_url": url})
    assert get_client(other_app, "storage_") is not storage_client
    assert config.registry.queryUtility(ISQLClients) is not None
    storage_client.dispose()


def test_sqlite_refuses_a_cache_sharing_the_storage_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    config = Configurator(settings={"storage_url": url, "cache_url": url})
    get_client(config, "storage_")
    with pytest.raises(ConfigurationError, match="cache_url"):
        get_client(config, "cache_")


def test_backends_are_chosen_by_settings_and_share_one_engine(db: Database) -> None:
    app = make_webtest(settings=db.app_settings())
    try:
        components = get_components(app.app.registry)
        assert isinstance(components.storage, SQLStorage)
        assert isinstance(components.permission, SQLPermission)
        assert isinstance(components.cache, SQLCache)
        assert components.storage.client.dialect.name == db.dialect
        assert components.storage.client is components.permission.client
        expected = 1 if db.dialect == "postgresql" else 2
        assert len(app.app.registry.queryUtility(ISQLClients).by_url) == expected
    finally:
        dispose_app(app)


def test_sqlite_connections_use_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    client = sqlite_client(tmp_path / "pragmas.sqlite", pool_timeout=2.5)
    with client.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 2500
    client.dispose()


def _hold_a_connection(
    client: SQLClient, release: threading.Event, resource_name: str = "busy"
) -> threading.Thread:
    """Keep one of ``client``'s connections busy in a write until ``release``."""
    held = threading.Event()

    def hold() -> None:
        with transaction.begin():
            SQLStorage(client).create(resource_name, "", {})
            held.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(timeout=30)
    return thread


def test_an_exhausted_pool_fails_fast_with_backend_error(db: Database) -> None:
    flush_all(db.client)
    client = db.new_client(pool_size=1, max_overflow=0, pool_timeout=0.3)
    release = threading.Event()
    thread = _hold_a_connection(client, release)
    try:
        started = time.monotonic()
        with pytest.raises(BackendError, match="pool timeout"):
            SQLStorage(client).list_all("busy", "")
        assert time.monotonic() - started < 5
    finally:
        release.set()
        thread.join(timeout=30)
    assert SQLStorage(client).list_all("busy", "") == []
    client.dispose()


def test_writers_waiting_too_long_for_a_lock_fail(db: Database) -> None:
    """PostgreSQL's lock_timeout and SQLite's busy timeout follow ``pool_timeout``."""
    flush_all(db.client)
    SQLStorage(db.client).create("locked", "", {})
    impatient = db.new_client(pool_timeout=0.3)
    release = threading.Event()
    thread = _hold_a_connection(db.client, release, resource_name="locked")
    try:
        started = time.monotonic()
        with pytest.raises(BackendError):
            SQLStorage(impatient).create("locked", "", {})
        assert time.monotonic() - started < 5
        assert SQLStorage(impatient).count_all("locked", "") == 1  # readers never wait
    finally:
        release.set()
        thread.join(timeout=30)
    impatient.dispose()


class Thing(Resource):
    pass


def test_a_busy_pool_answers_503_with_retry_after(db: Database) -> None:
    flush_all(db.client)
    settings = db.app_settings(
        storage_pool_size=1, storage_max_overflow=0, storage_pool_timeout=0.2
    )
    app = make_webtest(lambda config: register_resource(config, Thing), settings)
    headers = get_user_headers("bob")
    try:
        client = get_components(app.app.registry).storage.client
        with client.engine.connect():
            response = app.get("/things", headers=headers, status=503)
        assert response.json["errno"] == 201
        assert response.headers["Retry-After"]
        assert app.get("/things", headers=headers).json["data"] == []
    finally:
        dispose_app(app)
