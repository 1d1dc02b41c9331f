"""SQL backends join the request's transaction; the cache never does.

Runs on SQLite and PostgreSQL, through a real application
(:func:`strato.testing.make_webtest`) and through :mod:`strato.transaction`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pyramid.config import Configurator
from pyramid.security import NO_PERMISSION_REQUIRED

from strato import transaction
from strato.cache.sql import SQLCache
from strato.components import get_components
from strato.permission.sql import SQLPermission
from strato.resource import Resource, register_resource
from strato.storage.sql import SQLStorage
from strato.testing import get_user_headers, make_webtest
from tests.sql import DIALECTS, Database, database, dispose_app, flush_all

BOB = get_user_headers("bob")


class Failing(Resource):
    """Writes to storage, permissions and cache, then fails before storing its object."""

    def process_object(self, new: dict[str, Any], old: dict[str, Any] | None = None) -> Any:
        components = get_components(self.request)
        components.storage.create("side", "", {"written": "first"})
        components.permission.add_principal_to_ace("/side", "read", "system.Everyone")
        components.cache.set("side", "cached", 60)
        raise RuntimeError("the request fails after a first write")


class Plain(Resource):
    pass


def _write_then_fail(request: Any) -> Any:
    components = get_components(request)
    components.storage.create("side", "", {"written": "by a view"})
    components.storage.update("side", "", "fixed", {"v": 1})
    raise RuntimeError("the view fails after writing")


def includeme(config: Configurator) -> None:
    register_resource(config, Failing)
    register_resource(config, Plain)
    config.add_route("write_then_fail", "/write-then-fail")
    config.add_view(
        _write_then_fail, route_name="write_then_fail", permission=NO_PERMISSION_REQUIRED
    )


@pytest.fixture(scope="module", params=DIALECTS)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from database(request.param, tmp_path_factory.mktemp(f"tx-{request.param}"))


@pytest.fixture
def app(db: Database) -> Iterator[Any]:
    flush_all(db.client)
    cache_client = db.new_cache_client()
    SQLCache(cache_client, "").flush()
    cache_client.dispose()
    test_app = make_webtest(includeme, db.app_settings())
    yield test_app
    dispose_app(test_app)


@pytest.fixture
def storage(db: Database) -> SQLStorage:
    return SQLStorage(db.client)


@pytest.fixture
def permission(db: Database) -> SQLPermission:
    return SQLPermission(db.client)


def test_a_failing_request_leaves_nothing_behind(
    app: Any, storage: SQLStorage, permission: SQLPermission
) -> None:
    response = app.post_json("/failings", {"data": {"name": "x"}}, headers=BOB, status=500)
    assert response.json["errno"] == 999
    assert storage.list_all("side", "*", include_deleted=True) == []
    assert storage.list_all("failing", "*", include_deleted=True) == []
    assert storage.all_resources_timestamps("side") == {}
    assert permission.get_object_permissions("/side") == {}


def test_the_cache_commits_even_when_the_request_fails(app: Any, db: Database) -> None:
    app.post_json("/failings", {"data": {}}, headers=BOB, status=500)
    client = db.new_cache_client()
    assert SQLCache(client, "").get("side") == "cached"
    client.dispose()


def test_a_view_writing_then_failing_leaves_nothing(app: Any, storage: SQLStorage) -> None:
    app.get("/write-then-fail", status=500)
    assert storage.list_all("side", "", include_deleted=True) == []
    assert storage.all_resources_timestamps("side") == {}


def test_a_successful_request_commits(app: Any, db: Database) -> None:
    created = app.post_json("/plains", {"data": {"n": 1}}, headers=BOB, status=201).json["data"]
    other = SQLStorage(db.new_client())
    assert other.get("plain", "", created["id"])["n"] == 1
    other.client.dispose()


def test_writes_are_invisible_to_others_until_commit(db: Database, storage: SQLStorage) -> None:
    flush_all(db.client)
    other = SQLStorage(db.new_client())
    try:
        with transaction.begin() as tx:
            created = storage.create("thing", "", {"n": 1})
            assert storage.get("thing", "", created["id"]) == created  # read your writes
            assert other.list_all("thing", "") == []
            tx.commit()
        assert other.list_all("thing", "") == [created]
    finally:
        other.client.dispose()


def test_an_aborted_transaction_rolls_back_every_backend(
    db: Database, storage: SQLStorage, permission: SQLPermission
) -> None:
    flush_all(db.client)
    with transaction.begin() as tx:
        storage.create("thing", "", {"id": "a"})
        storage.resource_timestamp("fresh", "")
        permission.add_user_principal("alice", "group:a")
        permission.add_principal_to_ace("/things/a", "write", "alice")
        tx.abort()
    assert storage.list_all("thing", "", include_deleted=True) == []
    assert storage.all_resources_timestamps("fresh") == {}
    assert permission.get_user_principals("alice") == set()
    assert permission.get_object_permissions("/things/a") == {}


def test_a_transaction_left_open_is_rolled_back(db: Database, storage: SQLStorage) -> None:
    flush_all(db.client)
    with transaction.begin():
        storage.create("thing", "", {"id": "a"})
    assert storage.list_all("thing", "", include_deleted=True) == []


def test_storage_and_permission_share_one_connection(
    db: Database, storage: SQLStorage, permission: SQLPermission
) -> None:
    with transaction.begin() as tx:
        storage.create("thing", "", {"id": "a"})
        permission.add_principal_to_ace("/things/a", "write", "alice")
        assert len(tx._participants) == 1
        tx.abort()


def test_without_a_transaction_each_call_commits(db: Database, storage: SQLStorage) -> None:
    flush_all(db.client)
    other = SQLStorage(db.new_client())
    try:
        created = storage.create("thing", "", {"n": 1})
        assert other.get("thing", "", created["id"]) == created
    finally:
        other.client.dispose()


def test_a_batch_shares_one_transaction(app: Any, storage: SQLStorage) -> None:
    body = {
        "requests": [
            {"method": "POST", "path": "/plains", "body": {"data": {"n": 1}}},
            {"method": "POST", "path": "/plains", "body": {"data": {"n": 2}}},
        ]
    }
    response = app.post_json("/batch", body, headers=BOB)
    assert [r["status"] for r in response.json["responses"]] == [201, 201]
    assert sorted(o["n"] for o in storage.list_all("plain", "")) == [1, 2]
