"""Matching and ordering in Python (``strato.storage._query``), through ``apply_query``.

``apply_query`` promises the semantics of every backend: the same queries
are run on the memory, SQLite and PostgreSQL backends and must select the
same objects in the same order (PostgreSQL skips without a server, see
:mod:`tests.sql`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from strato.sql import SQLClient
from strato.storage import COMPARISON, MISSING, Filter, Sort, StorageBase
from strato.storage.memory import MemoryStorage, apply_query
from strato.storage.sql import SQLStorage
from tests.sql import module_postgresql_client, module_sqlite_client, schema_name

OBJECTS: list[dict[str, Any]] = [
    {"id": "a", "value": "apple", "n": 3, "tags": ["red", "fruit"], "person": {"age": 30}},
    {"id": "b", "value": "Banana", "n": 1.5, "tags": ["yellow"], "person": {"age": 20}},
    {"id": "c", "value": None, "n": 10, "tags": [], "flag": True},
    {"id": "d", "value": 7, "n": -2, "flag": False, "person": {"name": "x"}},
    {"id": "e", "value": True, "tags": ["red"], "person": "not an object"},
    {"id": "f", "value": ["x"], "n": 3},
    {"id": "g", "value": {"k": 1}, "n": 0, "dotted.key": "yes"},
    {"id": "10", "n": 3},
]

QUERIES: list[tuple[list[Filter], list[Sort]]] = [
    ([], [Sort("id", 1)]),
    ([], [Sort("value", 1), Sort("id", 1)]),
    ([], [Sort("value", -1), Sort("id", -1)]),
    ([], [Sort("n", 1), Sort("id", -1)]),
    ([], [Sort("person.age", -1), Sort("id", 1)]),
    ([Filter("n", 3)], [Sort("id", 1)]),
    ([Filter("n", 3, COMPARISON.NOT)], [Sort("id", 1)]),
    ([Filter("n", 1, COMPARISON.GT)], [Sort("id", 1)]),
    ([Filter("n", 1, COMPARISON.LT)], [Sort("id", 1)]),
    ([Filter("n", 3, COMPARISON.MIN), Filter("n", 10, COMPARISON.MAX)], [Sort("id", 1)]),
    ([Filter("value", "apple", COMPARISON.GT)], [Sort("id", 1)]),
    ([Filter("value", "AN", COMPARISON.LIKE)], [Sort("id", 1)]),
    ([Filter("value", "b*a", COMPARISON.LIKE)], [Sort("id", 1)]),
    ([Filter("value", None)], [Sort("id", 1)]),
    ([Filter("flag", True, COMPARISON.HAS)], [Sort("id", 1)]),
    ([Filter("flag", False, COMPARISON.HAS)], [Sort("id", 1)]),
    ([Filter("value", [7, "apple", None], COMPARISON.IN)], [Sort("id", 1)]),
    ([Filter("n", [3, 0], COMPARISON.EXCLUDE)], [Sort("id", 1)]),
    ([Filter("tags", ["red"], COMPARISON.CONTAINS)], [Sort("id", 1)]),
    ([Filter("tags", ["yellow", "fruit"], COMPARISON.CONTAINS_ANY)], [Sort("id", 1)]),
    ([Filter("person.age", 25, COMPARISON.LT)], [Sort("id", 1)]),
    ([Filter("person.name", "x")], [Sort("id", 1)]),
    ([Filter("dotted.key", "yes")], [Sort("id", 1)]),
    ([Filter("id", 10)], [Sort("id", 1)]),
    ([Filter("id", ["a", 10], COMPARISON.IN)], [Sort("id", 1)]),
    ([Filter("value", {"k": 1})], [Sort("id", 1)]),
    ([Filter("value", ["x"])], [Sort("id", 1)]),
    ([Filter("n", True)], [Sort("id", 1)]),
    ([Filter("n", 1.5)], [Sort("id", 1)]),
]


@pytest.fixture(scope="module")
def sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLClient]:
    yield from module_sqlite_client(tmp_path_factory.mktemp("sqlite-query"))


@pytest.fixture(scope="module")
def postgresql() -> Iterator[SQLClient]:
    yield from module_postgresql_client(schema_name("query"))


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[StorageBase]:
    storage: StorageBase
    if request.param == "memory":
        storage = MemoryStorage()
    else:
        storage = SQLStorage(request.getfixturevalue(request.param))
    for obj in OBJECTS:
        storage.create("thing", "", obj)
    yield storage
    storage.flush()


def ids(objects: list[dict[str, Any]]) -> list[str]:
    return [obj["id"] for obj in objects]


@pytest.mark.parametrize(("filters", "sorting"), QUERIES, ids=[repr(q) for q in QUERIES])
def test_selects_what_the_backends_select(backend, filters, sorting):
    stored = backend.list_all("thing", "", filters=filters, sorting=sorting)
    assert ids(apply_query(OBJECTS, filters, sorting)) == ids(stored)


@pytest.mark.parametrize("limit", [None, 0, 2, 100])
def test_pagination_rules_and_limit_as_the_backends(backend, limit):
    sorting = [Sort("n", 1), Sort("id", 1)]
    # Objects after (n=3, id="a"): a greater n, or the same n and a greater id.
    rules = [[Filter("n", 3, COMPARISON.GT)], [Filter("n", 3), Filter("id", "a", COMPARISON.GT)]]
    stored = backend.list_all("thing", "", sorting=sorting, pagination_rules=rules, limit=limit)
    found = apply_query(OBJECTS, sorting=sorting, pagination_rules=rules, limit=limit)
    assert ids(found) == ids(stored)


def test_without_anything_every_object_is_kept_in_order():
    assert apply_query(OBJECTS) == OBJECTS
    assert apply_query([]) == []


def test_sorting_is_stable():
    objects = [{"id": str(i), "group": i % 2} for i in range(6)]
    assert ids(apply_query(objects, sorting=[Sort("group", 1)])) == ["0", "2", "4", "1", "3", "5"]
    assert ids(apply_query(objects, sorting=[Sort("group", -1)])) == ["1", "3", "5", "0", "2", "4"]


def test_missing_fields_sort_last_ascending_and_first_descending():
    objects = [{"id": "x"}, {"id": "y", "n": 2}, {"id": "z", "n": 1}]
    assert ids(apply_query(objects, sorting=[Sort("n", 1)])) == ["z", "y", "x"]
    assert ids(apply_query(objects, sorting=[Sort("n", -1)])) == ["x", "y", "z"]


def test_a_missing_value_filter_matches_absent_fields():
    objects = [{"id": "x"}, {"id": "y", "n": None}]
    assert ids(apply_query(objects, [Filter("n", MISSING)])) == ["x"]


def test_returns_the_given_objects_not_copies():
    objects = [{"id": "x", "inner": {"n": 1}}]
    assert apply_query(objects, [Filter("inner.n", 1)])[0] is objects[0]


def test_another_id_field_is_compared_as_a_string():
    entries = [{"uri": "/1"}, {"uri": "7"}, {"uri": 7}]
    found = apply_query(entries, [Filter("uri", 7)], id_field="uri")
    assert found == [{"uri": "7"}]
    # With the default id field, ``uri`` is an ordinary field.
    assert apply_query(entries, [Filter("uri", 7)]) == [{"uri": 7}]


def test_accepts_any_iterable():
    found = apply_query((obj for obj in OBJECTS), [Filter("n", 3)], [Sort("id", -1)])
    assert ids(found) == ["f", "a", "10"]


def test_a_negative_limit_is_refused():
    with pytest.raises(ValueError, match="limit"):
        apply_query(OBJECTS, limit=-1)


def test_values_that_are_not_json_are_refused():
    with pytest.raises(TypeError, match="Not a JSON value"):
        apply_query([{"id": "x", "when": object()}], [Filter("when", 1)])
