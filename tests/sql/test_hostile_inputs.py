"""Values, field names, ids and patterns that would break naive SQL.

Every query runs on the SQL backend (SQLite and PostgreSQL) and on the
memory backend, which defines the expected answer: results must be equal,
and the database must be intact afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from strato.sql.schema import metadata_table, objects
from strato.storage import COMPARISON, MISSING, Filter, Sort
from strato.storage.memory import MemoryStorage
from strato.storage.sql import SQLStorage
from strato.testing import get_user_headers, make_webtest
from tests.sql import DIALECTS, Database, database, dispose_app, flush_all

NASTY_STRINGS = [
    "'; DROP TABLE strato_objects; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM strato_timestamps; --",
    "%",
    "_",
    "\\",
    "\\%",
    "a%b_c\\d",
    "*",
    "[a-z]?",
    "$.data",
    '{"json": "text"}',
    "null",
    "1",
    "Zoë ☃ 😀",
    "x" * 10_000,
    "tab\tnew\nline\r",
    "\u2028\u2029",
    "",
]

NASTY_FIELDS = [
    "a.b",
    'quo"te',
    "it's",
    "back\\slash",
    "select",
    "from",
    "$",
    "[0]",
    "a[0]",
    "-1",
    "0",
    "new\nline",
    "😀",
    "%",
    "_",
    "*",
    "a'.\"b",
    "",
]


def _objects() -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    for index, value in enumerate(NASTY_STRINGS):
        made.append({"id": f"s{index}", "v": value, "n": index, "tags": [value, index]})
    for index, field in enumerate(NASTY_FIELDS):
        made.append({"id": f"f{index}", field: NASTY_STRINGS[index % len(NASTY_STRINGS)]})
        made.append({"id": f"g{index}", "nested": {field: index}, "list": [0, index]})
    made.append({"id": "dotted", "a.b": 1, "a": {"b": 2}})
    made.append({"id": "tags-array", "tags": ["x", "y"], "-1": [1]})
    return made


@pytest.fixture(scope="module", params=DIALECTS)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    yield from database(request.param, tmp_path_factory.mktemp(f"hostile-{request.param}"))


@pytest.fixture(scope="module")
def pair(db: Database) -> tuple[SQLStorage, MemoryStorage]:
    flush_all(db.client)
    sql, memory = SQLStorage(db.client), MemoryStorage()
    for obj in _objects():
        for backend in (sql, memory):
            backend.create("thing", "parent", obj)
    return sql, memory


def same(pair: tuple[SQLStorage, MemoryStorage], **kwargs: Any) -> list[str]:
    sql, memory = pair
    kw = {"resource_name": "thing", "parent_id": "parent", **kwargs}
    expected = sorted(o["id"] for o in memory.list_all(**kw))
    found = sorted(o["id"] for o in sql.list_all(**kw))
    assert found == expected, kwargs
    return found


def test_the_fixture_is_stored_intact(pair: tuple[SQLStorage, MemoryStorage]) -> None:
    sql, memory = pair
    by_id = {o.pop("id"): o for o in memory.list_all("thing", "parent")}
    for obj in sql.list_all("thing", "parent"):
        assert obj.pop("last_modified") > 0
        expected = by_id[obj.pop("id")]
        expected.pop("last_modified")
        assert obj == expected


@pytest.mark.parametrize("value", NASTY_STRINGS, ids=range(len(NASTY_STRINGS)))
@pytest.mark.parametrize("operator", ["eq", "not", "lt", "gt", "min", "max", "like"])
def test_string_values(pair: Any, value: str, operator: str) -> None:
    same(pair, filters=[Filter("v", value, operator)])


@pytest.mark.parametrize("value", NASTY_STRINGS, ids=range(len(NASTY_STRINGS)))
def test_string_values_in_lists(pair: Any, value: str) -> None:
    same(pair, filters=[Filter("v", [value, "other"], "in")])
    same(pair, filters=[Filter("v", [value], "exclude")])
    same(pair, filters=[Filter("tags", [value], "contains")])
    same(pair, filters=[Filter("tags", [value, 3], "contains_any")])
    same(pair, filters=[Filter("id", [value, "s1"], "in")])


@pytest.mark.parametrize("field", NASTY_FIELDS, ids=range(len(NASTY_FIELDS)))
def test_field_names(pair: Any, field: str) -> None:
    value = NASTY_STRINGS[NASTY_FIELDS.index(field) % len(NASTY_STRINGS)]
    for operator in ("eq", "not", "lt", "min"):
        same(pair, filters=[Filter(field, value, operator)])
    same(pair, filters=[Filter(field, True, "has")])
    same(pair, filters=[Filter(field, False, "has")])
    same(pair, filters=[Filter(f"nested.{field}", NASTY_FIELDS.index(field), "eq")])
    same(pair, filters=[Filter(f"nested.{field}", 3, "gt")])
    same(pair, filters=[Filter(f"nested.{field}", [1, 2, 3], "in")])


@pytest.mark.parametrize("field", NASTY_FIELDS, ids=range(len(NASTY_FIELDS)))
def test_sorting_on_field_names(pair: Any, field: str) -> None:
    sql, memory = pair
    sorting = [Sort(field, -1), Sort("id", 1)]
    kw = {"resource_name": "thing", "parent_id": "parent", "sorting": sorting}
    assert [o["id"] for o in sql.list_all(**kw)] == [o["id"] for o in memory.list_all(**kw)]


def test_dotted_and_array_like_paths(pair: Any) -> None:
    same(pair, filters=[Filter("a.b", 1, "eq")])
    same(pair, filters=[Filter("a.b", 2, "eq")])
    same(pair, filters=[Filter("tags.0", "x", "eq")])
    same(pair, filters=[Filter("list.1", 3, "eq")])
    same(pair, filters=[Filter("-1.0", 1, "eq")])
    same(pair, filters=[Filter("tags.0", MISSING, "eq")])


def test_ten_thousand_values_in_a_list(pair: Any) -> None:
    values: list[Any] = [f"value-{n}" for n in range(9_990)] + [0, 3, None, True, "Zoë ☃ 😀"]
    values += ["%", "_", "\\", [1], {"k": "v"}]
    same(pair, filters=[Filter("v", values, "in")])
    same(pair, filters=[Filter("n", values, "exclude")])
    same(pair, filters=[Filter("id", [f"s{n}" for n in range(10_000)], "in")])
    same(pair, filters=[Filter("tags", values, "contains_any")])


@pytest.mark.parametrize("pattern", ["*%*", "*_*", "*\\*", "a%b_c\\d", "[a-z]?", "*'*", '*"*'])
def test_like_patterns(pair: Any, pattern: str) -> None:
    same(pair, filters=[Filter("v", pattern, COMPARISON.LIKE)])


def test_nul_characters_are_refused_before_reaching_the_database(pair: Any) -> None:
    sql, _ = pair
    for flt in (
        Filter("v", "a\x00b", "eq"),
        Filter("v\x00", "a", "eq"),
        Filter("v", ["ok", "a\x00"], "in"),
        Filter("v", "a\x00", "like"),
    ):
        with pytest.raises(ValueError, match="0x00"):
            sql.list_all("thing", "parent", filters=[flt])


@pytest.mark.parametrize(
    "parent", ["a%b", "a_b", "a\\b", "[x]", "a?b", "a'b", 'a"b', "a.b", "/buckets/'; --"]
)
def test_parent_ids_and_patterns(db: Database, parent: str) -> None:
    sql, memory = SQLStorage(db.client), MemoryStorage()
    others = ["axb", "a%%b", "ab", "[x", "x]", "aXb"]
    for backend in (sql, memory):
        for name in [parent, *others]:
            backend.create("pat", name, {"id": "o", "p": name})
    for pattern in (parent, parent[:2] + "*", "*" + parent[-2:], parent.replace("a", "*", 1)):
        found = sorted(o["p"] for o in sql.list_all("pat", pattern))
        assert found == sorted(o["p"] for o in memory.list_all("pat", pattern)), pattern
    sql.delete_all("pat", "*", with_deleted=False)


def test_hostile_ids_and_resource_names(db: Database) -> None:
    sql = SQLStorage(db.client)
    for text in NASTY_STRINGS[:8]:
        created = sql.create(text, text, {"id": text, "v": text})
        assert sql.get(text, text, text) == created
        assert sql.list_all(text, text) == [created]
        sql.delete(text, text, text, with_deleted=False)


def test_the_database_is_intact(db: Database, pair: Any) -> None:
    with db.client.connect(write=False) as conn:
        assert conn.execute(select(func.count()).select_from(objects)).scalar() > 0
        names = conn.execute(select(metadata_table.c.name)).scalars().all()
    assert "storage_schema_version" in names


def test_nul_in_a_querystring_is_a_400_not_a_500(db: Database) -> None:
    from strato.resource import Resource, register_resource

    class Note(Resource):
        pass

    app = make_webtest(lambda config: register_resource(config, Note), db.app_settings())
    try:
        headers = get_user_headers("bob")
        response = app.get("/notes?title=a%00b", headers=headers, status=400)
        assert "0x00" in response.json["message"]
        response = app.get("/notes?lt_title=%27%3B%20DROP%20TABLE%20x", headers=headers)
        assert response.json["data"] == []
    finally:
        dispose_app(app)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
@pytest.mark.parametrize("operator", ["eq", "not", "lt", "gt", "min", "max"])
def test_integers_beyond_64_bits(pair: Any, value: int, operator: str) -> None:
    same(pair, filters=[Filter("n", value, COMPARISON(operator))])
    same(pair, filters=[Filter("n", [value, 1], COMPARISON.IN)])
