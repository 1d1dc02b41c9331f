"""Batch outcomes against real transactions: what a batch acknowledges is stored.

Kinto answers 201 for writes that a later conflict rolled back; strato
reports those entries as 409, so every 2xx entry must be in the database and
every write entry reported as rolled back must not be.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import webtest

from strato.components import get_components
from strato.testing import make_webtest
from tests.sql import DIALECTS, Database, database, dispose_app, flush_all

IDS = [f"0000000{i}-aaaa-4bbb-8ccc-dddddddddddd" for i in range(10)]


@pytest.fixture(scope="module", params=DIALECTS)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from database(request.param, tmp_path_factory.mktemp(f"batch-{request.param}"))


@pytest.fixture
def app(db: Database) -> Iterator[webtest.TestApp]:
    flush_all(db.client)
    test_app = make_webtest("tests.views.batch_app", db.app_settings())
    yield test_app
    dispose_app(test_app)


def stored(app: webtest.TestApp) -> set[str]:
    storage = get_components(app.app.registry).storage
    assert storage is not None
    return {o["id"] for o in storage.list_all("item", "")}


def put(i: int, **data: Any) -> dict[str, Any]:
    return {"method": "PUT", "path": f"/items/{IDS[i]}", "body": {"data": {"n": i, **data}}}


def test_a_conflict_rolls_back_and_reports_earlier_writes(app: webtest.TestApp) -> None:
    body = {"requests": [put(0), put(1), put(2, conflict=True), put(3), put(4)]}
    responses = app.post_json("/batch", body).json["responses"]
    statuses = [r["status"] for r in responses]
    assert statuses == [409, 409, 409, 201, 201]
    acknowledged = {IDS[i] for i, s in enumerate(statuses) if 200 <= s < 300}
    rolled_back = {IDS[i] for i, s in enumerate(statuses) if s == 409}
    assert acknowledged <= stored(app)
    assert not rolled_back & stored(app)


def test_client_errors_keep_the_writes_around_them(app: webtest.TestApp) -> None:
    body = {"requests": [put(0), {"method": "PUT", "path": "/items/bad id", "body": {}}, put(1)]}
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [201, 400, 201]
    assert stored(app) == {IDS[0], IDS[1]}


def test_a_server_error_keeps_nothing(app: webtest.TestApp) -> None:
    body = {"requests": [put(0), put(1), put(2, crash=True)]}
    app.post_json("/batch", body, status=500)
    assert stored(app) == set()


def test_an_atomic_batch_keeps_nothing_when_one_fails(app: webtest.TestApp) -> None:
    body = {
        "atomic": True,
        "requests": [put(0), put(1), {"method": "PUT", "path": "/items/bad id", "body": {}}],
    }
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [409, 409, 400]
    assert stored(app) == set()


def test_an_atomic_batch_that_succeeds_keeps_everything(app: webtest.TestApp) -> None:
    body = {"atomic": True, "requests": [put(0), put(1)]}
    responses = app.post_json("/batch", body).json["responses"]
    assert [r["status"] for r in responses] == [201, 201]
    assert stored(app) == {IDS[0], IDS[1]}
