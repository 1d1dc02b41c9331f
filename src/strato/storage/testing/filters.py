"""Every filter operator, across JSON types, nested fields and missing values."""

from __future__ import annotations

from typing import Any

import pytest

from strato.storage import COMPARISON, MISSING, Filter, Sort, StorageBase
from strato.storage.testing.support import StorageTestBase

__all__ = ["FilterTests", "LikeFilterTests", "ListFilterTests"]

#: One object per JSON type for field ``v`` (ids name the value), in the
#: documented cross-type order: null < string < number < boolean < array <
#: object < missing.
MIXED_VALUES: dict[str, Any] = {
    "null": None,
    "str_abc": "abc",
    "str_xyz": "xyz",
    "zero": 0,
    "one": 1,
    "float": 2.5,
    "ten": 10,
    "false": False,
    "true": True,
    "array": [1, 2],
    "object": {"k": 1},
    "missing": MISSING,
}
ALL = frozenset(MIXED_VALUES)


def _everything_but(*excluded: str) -> set[str]:
    return set(ALL - set(excluded))


class _FilterTestBase(StorageTestBase):
    def matching(self, storage: StorageBase, *filters: Filter, **kwargs: Any) -> set[str]:
        found = storage.list_all(filters=list(filters), **{**self.kw, **kwargs})
        return {obj["id"] for obj in found}


class FilterTests(_FilterTestBase):
    """Comparison operators over the :data:`MIXED_VALUES` collection."""

    @pytest.fixture
    def mixed(self, storage: StorageBase) -> StorageBase:
        for object_id, value in MIXED_VALUES.items():
            obj = {"id": object_id} if value is MISSING else {"id": object_id, "v": value}
            self.create(storage, obj)
        return storage

    def test_eq_number(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", 10, COMPARISON.EQ)) == {"ten"}

    def test_eq_compares_int_and_float_numerically(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", 10.0, COMPARISON.EQ)) == {"ten"}
        assert self.matching(mixed, Filter("v", 2.5, COMPARISON.EQ)) == {"float"}

    def test_eq_booleans_are_not_numbers(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", 1, COMPARISON.EQ)) == {"one"}
        assert self.matching(mixed, Filter("v", True, COMPARISON.EQ)) == {"true"}
        assert self.matching(mixed, Filter("v", 0, COMPARISON.EQ)) == {"zero"}
        assert self.matching(mixed, Filter("v", False, COMPARISON.EQ)) == {"false"}

    def test_eq_string(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", "abc", COMPARISON.EQ)) == {"str_abc"}
        assert self.matching(mixed, Filter("v", "ab", COMPARISON.EQ)) == set()

    def test_eq_string_is_not_a_number(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", "10", COMPARISON.EQ)) == set()

    def test_eq_null(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", None, COMPARISON.EQ)) == {"null"}

    def test_eq_array_is_exact(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", [1, 2], COMPARISON.EQ)) == {"array"}
        assert self.matching(mixed, Filter("v", [2, 1], COMPARISON.EQ)) == set()
        assert self.matching(mixed, Filter("v", [1], COMPARISON.EQ)) == set()

    def test_eq_object_is_exact(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", {"k": 1}, COMPARISON.EQ)) == {"object"}
        assert self.matching(mixed, Filter("v", {"k": 2}, COMPARISON.EQ)) == set()
        assert self.matching(mixed, Filter("v", {}, COMPARISON.EQ)) == set()

    def test_eq_missing(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", MISSING, COMPARISON.EQ)) == {"missing"}

    def test_not_matches_missing(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", 10, COMPARISON.NOT)) == _everything_but("ten")
        assert self.matching(mixed, Filter("v", None, COMPARISON.NOT)) == _everything_but("null")
        assert self.matching(mixed, Filter("v", 1, COMPARISON.NOT)) == _everything_but("one")

    def test_not_missing_means_present(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", MISSING, COMPARISON.NOT)) == _everything_but(
            "missing"
        )

    def test_lt_orders_across_types(self, mixed: StorageBase) -> None:
        expected = {"null", "str_abc", "str_xyz", "zero", "one", "float"}
        assert self.matching(mixed, Filter("v", 10, COMPARISON.LT)) == expected

    def test_gt_matches_greater_types_and_missing(self, mixed: StorageBase) -> None:
        expected = {"float", "ten", "false", "true", "array", "object", "missing"}
        assert self.matching(mixed, Filter("v", 1, COMPARISON.GT)) == expected

    def test_min_includes_equal(self, mixed: StorageBase) -> None:
        expected = {"ten", "false", "true", "array", "object", "missing"}
        assert self.matching(mixed, Filter("v", 10, COMPARISON.MIN)) == expected

    def test_max_includes_equal(self, mixed: StorageBase) -> None:
        expected = {"null", "str_abc", "str_xyz", "zero", "one"}
        assert self.matching(mixed, Filter("v", 1, COMPARISON.MAX)) == expected

    def test_comparisons_on_strings(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", "b", COMPARISON.LT)) == {"null", "str_abc"}
        assert self.matching(mixed, Filter("v", "xyz", COMPARISON.MAX)) == {
            "null",
            "str_abc",
            "str_xyz",
        }
        greater = _everything_but("null", "str_abc")
        assert self.matching(mixed, Filter("v", "b", COMPARISON.GT)) == greater

    def test_comparisons_on_null(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", None, COMPARISON.LT)) == set()
        assert self.matching(mixed, Filter("v", None, COMPARISON.GT)) == _everything_but("null")
        assert self.matching(mixed, Filter("v", None, COMPARISON.MIN)) == set(ALL)

    def test_comparisons_on_booleans(self, mixed: StorageBase) -> None:
        below = {"null", "str_abc", "str_xyz", "zero", "one", "float", "ten", "false"}
        assert self.matching(mixed, Filter("v", True, COMPARISON.LT)) == below
        assert self.matching(mixed, Filter("v", False, COMPARISON.GT)) == {
            "true",
            "array",
            "object",
            "missing",
        }

    def test_missing_is_greater_than_everything(self, mixed: StorageBase) -> None:
        huge = 10**15
        assert "missing" in self.matching(mixed, Filter("v", huge, COMPARISON.GT))
        assert "missing" in self.matching(mixed, Filter("v", {"z": 1}, COMPARISON.MIN))
        assert "missing" not in self.matching(mixed, Filter("v", huge, COMPARISON.LT))
        assert "missing" not in self.matching(mixed, Filter("v", {"z": 1}, COMPARISON.MAX))

    def test_comparisons_with_missing_as_value(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", MISSING, COMPARISON.LT)) == _everything_but(
            "missing"
        )
        assert self.matching(mixed, Filter("v", MISSING, COMPARISON.GT)) == set()
        assert self.matching(mixed, Filter("v", MISSING, COMPARISON.MIN)) == {"missing"}
        assert self.matching(mixed, Filter("v", MISSING, COMPARISON.MAX)) == set(ALL)

    def test_in(self, mixed: StorageBase) -> None:
        found = self.matching(mixed, Filter("v", [0, "abc", None], COMPARISON.IN))
        assert found == {"zero", "str_abc", "null"}

    def test_in_compares_types_like_eq(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", [10.0, True], COMPARISON.IN)) == {"ten", "true"}
        assert self.matching(mixed, Filter("v", [[1, 2], {"k": 1}], COMPARISON.IN)) == {
            "array",
            "object",
        }

    def test_in_empty_list_matches_nothing(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", [], COMPARISON.IN)) == set()

    def test_exclude_matches_missing(self, mixed: StorageBase) -> None:
        found = self.matching(mixed, Filter("v", [0, "abc", None], COMPARISON.EXCLUDE))
        assert found == _everything_but("zero", "str_abc", "null")

    def test_exclude_empty_list_matches_everything(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", [], COMPARISON.EXCLUDE)) == set(ALL)

    def test_has(self, mixed: StorageBase) -> None:
        assert self.matching(mixed, Filter("v", True, COMPARISON.HAS)) == _everything_but(
            "missing"
        )
        assert self.matching(mixed, Filter("v", False, COMPARISON.HAS)) == {"missing"}

    def test_filters_are_anded(self, mixed: StorageBase) -> None:
        filters = [Filter("v", 0, COMPARISON.MIN), Filter("v", 10, COMPARISON.LT)]
        assert self.matching(mixed, *filters) == {"zero", "one", "float"}

    def test_sorting_is_consistent_with_filtering(self, mixed: StorageBase) -> None:
        order = [Sort("v", 1)]
        everything = mixed.list_all(sorting=order, **self.kw)
        for value in [None, "", "m", "zzz", -1, 0, 5, 100, False, True, [0], {"a": 1}]:
            lower = mixed.list_all(
                filters=[Filter("v", value, COMPARISON.LT)], sorting=order, **self.kw
            )
            upper = mixed.list_all(
                filters=[Filter("v", value, COMPARISON.MIN)], sorting=order, **self.kw
            )
            assert lower + upper == everything, f"inconsistent around {value!r}"


class LikeFilterTests(_FilterTestBase):
    """``LIKE``: case-insensitive, ``*`` wildcard, strings only."""

    @pytest.fixture
    def names(self, storage: StorageBase) -> StorageBase:
        values: dict[str, Any] = {
            "alice": "Alice",
            "alicia": "alicia",
            "bob": "Bob",
            "underscore": "al_x",
            "alax": "alax",
            "percent": "a%b",
            "axxb": "axxb",
            "number": 12,
            "list": ["alice"],
            "null": None,
        }
        for object_id, value in values.items():
            self.create(storage, {"id": object_id, "name": value})
        self.create(storage, {"id": "missing"})
        return storage

    def test_like_without_wildcard_is_a_substring(self, names: StorageBase) -> None:
        assert self.matching(names, Filter("name", "lic", COMPARISON.LIKE)) == {"alice", "alicia"}

    def test_like_is_case_insensitive(self, names: StorageBase) -> None:
        assert self.matching(names, Filter("name", "ALI", COMPARISON.LIKE)) == {"alice", "alicia"}
        assert self.matching(names, Filter("name", "bob", COMPARISON.LIKE)) == {"bob"}

    def test_like_wildcard_anchors_the_pattern(self, names: StorageBase) -> None:
        assert self.matching(names, Filter("name", "a*e", COMPARISON.LIKE)) == {"alice"}
        assert self.matching(names, Filter("name", "*ia", COMPARISON.LIKE)) == {"alicia"}
        assert self.matching(names, Filter("name", "b*", COMPARISON.LIKE)) == {"bob"}

    def test_like_wildcard_alone_matches_every_string(self, names: StorageBase) -> None:
        found = self.matching(names, Filter("name", "*", COMPARISON.LIKE))
        assert found == {"alice", "alicia", "bob", "underscore", "alax", "percent", "axxb"}

    def test_like_treats_sql_wildcards_literally(self, names: StorageBase) -> None:
        assert self.matching(names, Filter("name", "al_x", COMPARISON.LIKE)) == {"underscore"}
        assert self.matching(names, Filter("name", "a%b", COMPARISON.LIKE)) == {"percent"}

    def test_like_only_matches_strings(self, names: StorageBase) -> None:
        assert self.matching(names, Filter("name", "1", COMPARISON.LIKE)) == set()
        assert self.matching(names, Filter("name", "null", COMPARISON.LIKE)) == set()

    def test_like_on_a_nested_field(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "a", "person": {"name": "Zoë"}})
        self.create(storage, {"id": "b", "person": {"name": "Bob"}})
        self.create(storage, {"id": "c", "person": "zoë"})
        assert self.matching(storage, Filter("person.name", "zo", COMPARISON.LIKE)) == {"a"}


class ListFilterTests(_FilterTestBase):
    """``CONTAINS``, ``CONTAINS_ANY``, nested fields, ids and timestamps."""

    @pytest.fixture
    def tagged(self, storage: StorageBase) -> StorageBase:
        values: dict[str, Any] = {
            "abc": ["a", "b", "c"],
            "a": ["a"],
            "b1": ["b", 1],
            "empty": [],
            "string": "abc",
            "null": None,
            "true": [True],
        }
        for object_id, value in values.items():
            self.create(storage, {"id": object_id, "tags": value})
        self.create(storage, {"id": "missing"})
        return storage

    def test_contains_needs_every_value(self, tagged: StorageBase) -> None:
        assert self.matching(tagged, Filter("tags", ["a"], COMPARISON.CONTAINS)) == {"abc", "a"}
        assert self.matching(tagged, Filter("tags", ["a", "b"], COMPARISON.CONTAINS)) == {"abc"}
        assert self.matching(tagged, Filter("tags", ["a", "z"], COMPARISON.CONTAINS)) == set()

    def test_contains_compares_types(self, tagged: StorageBase) -> None:
        assert self.matching(tagged, Filter("tags", [1], COMPARISON.CONTAINS)) == {"b1"}
        assert self.matching(tagged, Filter("tags", [True], COMPARISON.CONTAINS)) == {"true"}

    def test_contains_never_matches_strings(self, tagged: StorageBase) -> None:
        assert self.matching(tagged, Filter("tags", ["a"], COMPARISON.CONTAINS)) == {"abc", "a"}
        assert self.matching(tagged, Filter("tags", ["abc"], COMPARISON.CONTAINS)) == set()

    def test_contains_any_needs_one_value(self, tagged: StorageBase) -> None:
        found = self.matching(tagged, Filter("tags", ["a", "z"], COMPARISON.CONTAINS_ANY))
        assert found == {"abc", "a"}
        found = self.matching(tagged, Filter("tags", ["c", 1], COMPARISON.CONTAINS_ANY))
        assert found == {"abc", "b1"}
        assert self.matching(tagged, Filter("tags", ["z"], COMPARISON.CONTAINS_ANY)) == set()

    def test_contains_any_never_matches_strings(self, tagged: StorageBase) -> None:
        assert self.matching(tagged, Filter("tags", ["abc", "b"], COMPARISON.CONTAINS_ANY)) == {
            "abc",
            "b1",
        }

    def test_nested_fields(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "young", "person": {"age": 10}})
        self.create(storage, {"id": "old", "person": {"age": 70}})
        self.create(storage, {"id": "ageless", "person": {}})
        self.create(storage, {"id": "scalar", "person": "someone"})
        self.create(storage, {"id": "nobody"})
        assert self.matching(storage, Filter("person.age", 10, COMPARISON.EQ)) == {"young"}
        assert self.matching(storage, Filter("person.age", 30, COMPARISON.GT)) == {
            "old",
            "ageless",
            "scalar",
            "nobody",
        }
        assert self.matching(storage, Filter("person.age", 30, COMPARISON.LT)) == {"young"}
        assert self.matching(storage, Filter("person.age", True, COMPARISON.HAS)) == {
            "young",
            "old",
        }

    def test_deeply_nested_fields(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "deep", "a": {"b": {"c": {"d": "x"}}}})
        self.create(storage, {"id": "shallow", "a": {"b": "x"}})
        assert self.matching(storage, Filter("a.b.c.d", "x", COMPARISON.EQ)) == {"deep"}
        assert self.matching(storage, Filter("a.b", "x", COMPARISON.EQ)) == {"shallow"}

    def test_dotted_keys(self, storage: StorageBase) -> None:
        if not storage.supports_dotted_keys:
            pytest.skip("backend does not resolve keys containing dots")
        self.create(storage, {"id": "flat", "a.b": 1})
        self.create(storage, {"id": "nested", "a": {"b": 1}})
        self.create(storage, {"id": "mixed", "a.b": {"c": 1}})
        assert self.matching(storage, Filter("a.b", 1, COMPARISON.EQ)) == {"flat", "nested"}
        assert self.matching(storage, Filter("a.b.c", 1, COMPARISON.EQ)) == {"mixed"}

    def test_id_filters_compare_as_strings(self, storage: StorageBase) -> None:
        for object_id in ("1", "12", "2", "abc"):
            self.create(storage, {"id": object_id})
        assert self.matching(storage, Filter("id", 12, COMPARISON.EQ)) == {"12"}
        assert self.matching(storage, Filter("id", [1, "abc"], COMPARISON.IN)) == {"1", "abc"}
        assert self.matching(storage, Filter("id", "2", COMPARISON.LT)) == {"1", "12"}
        assert self.matching(storage, Filter("id", 2, COMPARISON.NOT)) == {"1", "12", "abc"}

    def test_last_modified_filters(self, storage: StorageBase) -> None:
        created = self.create_many(storage, [{"id": str(n)} for n in range(4)])
        stamp = created[1]["last_modified"]
        assert self.matching(storage, Filter("last_modified", stamp, COMPARISON.GT)) == {"2", "3"}
        assert self.matching(storage, Filter("last_modified", stamp, COMPARISON.MIN)) == {
            "1",
            "2",
            "3",
        }
        assert self.matching(storage, Filter("last_modified", stamp, COMPARISON.LT)) == {"0"}
        assert self.matching(storage, Filter("last_modified", stamp, COMPARISON.MAX)) == {"0", "1"}
        assert self.matching(storage, Filter("last_modified", stamp, COMPARISON.EQ)) == {"1"}
        assert self.matching(storage, Filter("last_modified", [stamp], COMPARISON.IN)) == {"1"}

    def test_unicode_values(self, storage: StorageBase) -> None:
        self.create(storage, {"id": "snow", "v": "☃ Zoë"})
        self.create(storage, {"id": "plain", "v": "Zoe"})
        assert self.matching(storage, Filter("v", "☃ Zoë", COMPARISON.EQ)) == {"snow"}
        assert self.matching(storage, Filter("v", "☃", COMPARISON.LIKE)) == {"snow"}
