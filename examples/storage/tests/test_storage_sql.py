"""The service on the SQL backends: SQLite files, and PostgreSQL when it answers.

PostgreSQL runs use ``STORAGE_TEST_POSTGRESQL_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``) in a schema of their own,
dropped afterwards; without a server they are skipped.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import sqlalchemy
import webtest
from kinto_http import Client
from pyramid.paster import get_appsettings
from sqlalchemy.schema import CreateSchema, DropSchema
from storage_service import main

POSTGRESQL_URL = os.environ.get(
    "STORAGE_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REPO = Path(__file__).resolve().parents[3]


def _postgresql_schema() -> Iterator[str]:
    admin_url = sqlalchemy.make_url(POSTGRESQL_URL).set(drivername="postgresql+psycopg2")
    engine = sqlalchemy.create_engine(admin_url, poolclass=sqlalchemy.pool.NullPool)
    name = f"storage_service_{uuid.uuid4().hex[:12]}"
    try:
        with engine.begin() as conn:
            conn.execute(CreateSchema(name))
    except sqlalchemy.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL is not available: {exc.orig}")
    try:
        yield f"{POSTGRESQL_URL}?options={quote(f'-csearch_path={name}')}"
    finally:
        with engine.begin() as conn:
            conn.execute(DropSchema(name, cascade=True))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_settings(request, tmp_path) -> Iterator[dict[str, str]]:
    """Settings putting storage and permissions in SQL (cache: its own SQLite file)."""
    settings = {
        "storage_backend": "strato.storage.sql",
        "permission_backend": "strato.permission.sql",
        "cache_backend": "strato.cache.sql",
        "cache_url": f"sqlite:///{tmp_path / 'cache.sqlite'}",
        "storage_auto_migrate": "true",
        "permission_auto_migrate": "true",
        "cache_auto_migrate": "true",
    }
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'storage.sqlite'}"
        yield {**settings, "storage_url": url, "permission_url": url}
    else:
        for url in _postgresql_schema():
            yield {**settings, "storage_url": url, "permission_url": url}


@pytest.fixture
def sql_app(make_app, sql_settings):
    return make_app(**sql_settings)


def test_hierarchy_permissions_and_cascades(sql_app, auth, basic_userid):
    app, owner, bob = sql_app, auth("owner"), auth("bob")
    app.put_json("/v1/buckets/b", {"permissions": {"read": [basic_userid("bob")]}}, headers=owner)
    app.put_json(
        "/v1/buckets/b/groups/g", {"data": {"members": [basic_userid("bob")]}}, headers=owner
    )
    app.put_json(
        "/v1/buckets/b/collections/c", {"data": {"schema": {"required": ["t"]}}}, headers=owner
    )
    app.post_json("/v1/buckets/b/collections/c/records", {"data": {}}, headers=owner, status=400)
    app.put_json("/v1/buckets/b/collections/c/records/r", {"data": {"t": 1}}, headers=owner)
    assert app.get("/v1/buckets/b/collections/c/records/r", headers=bob).json["data"]["t"] == 1
    assert "/buckets/b/groups/g" in app.get("/v1/", headers=bob).json["user"]["principals"]
    app.patch_json("/v1/buckets/b/collections/c/records/r", {"data": {}}, headers=bob, status=403)

    app.delete("/v1/buckets/b", headers=owner)
    assert "/buckets/b/groups/g" not in app.get("/v1/", headers=bob).json["user"]["principals"]
    app.put_json("/v1/buckets/b", {}, headers=owner)
    app.put_json("/v1/buckets/b/collections/c", {}, headers=owner)
    assert (
        app.get("/v1/buckets/b/collections/c/records?_since=0", headers=owner).json["data"] == []
    )
    app.get("/v1/buckets/b/collections/c", headers=bob, status=403)


def test_accounts_default_bucket_and_permissions(sql_app, auth):
    app = sql_app
    app.put_json("/v1/accounts/alice", {"data": {"password": "pw"}})
    alice = auth("alice", "pw")
    app.post_json("/v1/buckets/default/collections/c/records", {"data": {"x": 1}}, headers=alice)
    app.patch_json("/v1/accounts/alice", {"data": {"password": "new"}}, headers=alice)
    assert app.get("/v1/", headers=alice).json["user"]["id"].startswith("basicauth:")
    alice = auth("alice", "new")
    user = app.get("/v1/", headers=alice).json["user"]
    assert user["id"] == "account:alice"
    uris = {e["uri"] for e in app.get("/v1/permissions", headers=alice).json["data"]}
    assert f"/buckets/{user['bucket']}/collections/c" in uris


def test_concurrent_first_uses_of_the_default_bucket(live_server, sql_settings, auth):
    url = live_server(**sql_settings)
    headers = auth("racer")
    statuses: list[int] = []

    def first_use() -> None:
        resp = requests.post(
            f"{url}/buckets/default/collections/c/records", json={"data": {}}, headers=headers
        )
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=first_use) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A storage conflict is a 409 the client may retry; nothing else may fail.
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1
    client = Client(server_url=url, auth=("racer", "secret"), collection="c")
    assert len(client.get_records()) == statuses.count(201)
    assert len(client.get_buckets()) == 1


def test_config_ini_runs_this_service_on_sqlite(tmp_path, monkeypatch):
    settings = get_appsettings(str(REPO / "config.ini"))
    assert settings["storage.storage_url"] == "sqlite:///data/storage.sqlite"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    overrides = {f"storage.{c}_auto_migrate": "true" for c in ("storage", "permission", "cache")}
    app = webtest.TestApp(main({}, **{**settings, **overrides}))
    hello = app.get("/v1/").json
    assert hello["authentication"]["policies"] == ["account", "basicauth"]
    assert {"accounts", "default_bucket", "schema"} <= set(hello["capabilities"])
    app.post("/v1/__flush__", status=404)


def test_postgresql_ini_runs_this_service(monkeypatch):
    settings = get_appsettings(str(REPO / "postgresql.ini"))
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(settings["storage.cache_url"]).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not available")
    for url in _postgresql_schema():
        overrides = {
            "storage.storage_url": url,
            "storage.permission_url": url,
            "storage.storage_auto_migrate": "true",
            "storage.permission_auto_migrate": "true",
            "storage.cache_prefix": f"test-{uuid.uuid4().hex}:",
        }
        app = webtest.TestApp(main({}, **{**settings, **overrides}))
        app.put_json("/v1/accounts/pat", {"data": {"password": "pw"}})
        headers = {"Authorization": "Basic cGF0OnB3"}
        assert app.get("/v1/", headers=headers).json["user"]["id"] == "account:pat"
        app.put_json("/v1/buckets/b", {}, headers=headers)
        app.delete("/v1/accounts/pat", headers=headers)
