"""On PostgreSQL, the hot queries of a 100,000-object collection use indexes.

The collection is filled server-side in one statement, analysed, then the
statements the backend really runs (captured from the engine) are
explained: none may scan the whole objects table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import BigInteger, event, false, func, insert, literal, select

from strato.sql import SQLClient
from strato.sql.dialect import PostgreSQLDialect
from strato.sql.schema import objects
from strato.storage import Filter, Sort
from strato.storage.sql import SQLStorage
from tests.sql import (
    drop_schema,
    migrated,
    postgresql_client,
    require_postgresql,
    reset_schema,
    schema_name,
)

COUNT = 100_000
BASE_TIMESTAMP = 1_700_000_000_000


@pytest.fixture(scope="module")
def big() -> Iterator[SQLStorage]:
    require_postgresql()
    schema = schema_name("explain")
    reset_schema(schema)
    client = migrated(postgresql_client(schema))
    number = func.generate_series(1, COUNT).column_valued("n")
    document = func.jsonb_build_object(
        "n",
        number,
        "group",
        number % 1000,
        "meta",
        func.jsonb_build_object("group", number % 1000),
    )
    rows = select(
        literal("item"),
        literal(""),
        func.concat("o", number),
        literal(BASE_TIMESTAMP, BigInteger) + number,
        false(),
        document,
    )
    columns = ["resource_name", "parent_id", "id", "last_modified", "deleted", "data"]
    with client.connect(write=True) as conn:
        conn.execute(insert(objects).from_select(columns, rows))
    with client.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE strato_objects")
    storage = SQLStorage(client)
    storage.create("item", "", {"n": COUNT + 1, "group": 1})
    yield storage
    client.dispose()
    drop_schema(schema)


def explain(client: SQLClient, call: Any) -> list[str]:
    """Run ``call()`` and return the plan of each statement it ran on the objects table."""
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "strato_objects" in statement:
            captured.append((statement, parameters))

    event.listen(client.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(client.engine, "before_cursor_execute", capture)
    assert captured, "no statement captured"
    plans = []
    with client.engine.connect() as conn:
        for statement, parameters in captured:
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plans.append("\n".join(row[0] for row in rows))
    return plans


def assert_uses_indexes(client: SQLClient, call: Any) -> None:
    for plan in explain(client, call):
        assert "Seq Scan on strato_objects" not in plan, plan
        assert "Index" in plan, plan


def test_the_dialect_is_postgresql(big: SQLStorage) -> None:
    assert isinstance(big.dialect, PostgreSQLDialect)
    assert big.count_all("item", "") == COUNT + 1


def test_list_page_in_timestamp_order(big: SQLStorage) -> None:
    call = lambda: big.list_all("item", "", sorting=[Sort("last_modified", -1)], limit=101)  # noqa: E731
    assert_uses_indexes(big.client, call)
    assert len(call()) == 101


def test_equality_filter(big: SQLStorage) -> None:
    def call() -> list[dict]:
        return big.list_all(
            "item",
            "",
            filters=[Filter("group", 42, "eq")],
            sorting=[Sort("last_modified", -1)],
            limit=101,
        )

    assert_uses_indexes(big.client, call)
    assert len(call()) == 100


def test_nested_equality_filter(big: SQLStorage) -> None:
    def call() -> list[dict]:
        return big.list_all("item", "", filters=[Filter("meta.group", 7, "eq")], limit=101)

    assert_uses_indexes(big.client, call)
    assert len(call()) == 100


def test_since_polling(big: SQLStorage) -> None:
    since = BASE_TIMESTAMP + COUNT - 50

    def call() -> list[dict]:
        return big.list_all(
            "item",
            "",
            filters=[Filter("last_modified", since, "gt")],
            sorting=[Sort("last_modified", 1)],
            include_deleted=True,
            limit=101,
        )

    assert_uses_indexes(big.client, call)
    assert len(call()) == 51


def test_get_one_object(big: SQLStorage) -> None:
    assert_uses_indexes(big.client, lambda: big.get("item", "", "o500"))
