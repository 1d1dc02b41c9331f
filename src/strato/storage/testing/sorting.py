"""Sorting by one or several fields, across types and with missing values."""

from __future__ import annotations

from typing import Any

from strato.storage import COMPARISON, MISSING, Filter, Sort, StorageBase
from strato.storage.testing.support import StorageTestBase, ids

__all__ = ["SortingTests"]


class SortingTests(StorageTestBase):
    """``sorting`` in ``list_all`` (and ``delete_all``)."""

    def fill_values(self, storage: StorageBase, values: dict[str, Any], field: str = "v") -> None:
        for object_id, value in values.items():
            obj = {"id": object_id} if value is MISSING else {"id": object_id, field: value}
            self.create(storage, obj)

    def sorted_ids(self, storage: StorageBase, *sorting: Sort, **kwargs: Any) -> list[str]:
        return self.list_ids(storage, sorting=list(sorting), **kwargs)

    def test_ascending_order_across_types(self, storage: StorageBase) -> None:
        expected = ["null", "str", "neg", "num", "false", "true", "array", "object", "missing"]
        values = {
            "true": True,
            "missing": MISSING,
            "object": {"a": 1},
            "num": 3,
            "array": ["x"],
            "neg": -2.5,
            "null": None,
            "str": "zzz",
            "false": False,
        }
        self.fill_values(storage, values)
        assert self.sorted_ids(storage, Sort("v", 1)) == expected
        assert self.sorted_ids(storage, Sort("v", -1)) == expected[::-1]

    def test_numbers_sort_numerically(self, storage: StorageBase) -> None:
        self.fill_values(storage, {"a": 3, "b": 1.5, "c": 2, "d": -1, "e": 0.25, "f": 10})
        assert self.sorted_ids(storage, Sort("v", 1)) == ["d", "e", "b", "c", "a", "f"]

    def test_strings_sort_alphabetically(self, storage: StorageBase) -> None:
        self.fill_values(storage, {"a": "pear", "b": "apple", "c": "fig", "d": "", "e": "apples"})
        assert self.sorted_ids(storage, Sort("v", 1)) == ["d", "b", "e", "c", "a"]

    def test_false_sorts_before_true(self, storage: StorageBase) -> None:
        self.fill_values(storage, {"t": True, "f": False})
        assert self.sorted_ids(storage, Sort("v", 1)) == ["f", "t"]
        assert self.sorted_ids(storage, Sort("v", -1)) == ["t", "f"]

    def test_missing_last_ascending_first_descending(self, storage: StorageBase) -> None:
        self.fill_values(storage, {"gone": MISSING, "one": 1, "two": 2})
        assert self.sorted_ids(storage, Sort("v", 1)) == ["one", "two", "gone"]
        assert self.sorted_ids(storage, Sort("v", -1)) == ["gone", "two", "one"]

    def test_null_first_ascending(self, storage: StorageBase) -> None:
        self.fill_values(storage, {"one": 1, "null": None, "str": "s"})
        assert self.sorted_ids(storage, Sort("v", 1)) == ["null", "str", "one"]

    def test_several_fields(self, storage: StorageBase) -> None:
        objects: list[dict[str, Any]] = [
            {"id": "a", "x": 1, "y": "b"},
            {"id": "b", "x": 2, "y": "a"},
            {"id": "c", "x": 1, "y": "c"},
            {"id": "d", "x": 2, "y": "c"},
            {"id": "e", "x": 1, "y": "a"},
        ]
        self.create_many(storage, objects)
        assert self.sorted_ids(storage, Sort("x", 1), Sort("y", -1)) == ["c", "a", "e", "d", "b"]
        assert self.sorted_ids(storage, Sort("x", -1), Sort("y", 1)) == ["b", "d", "e", "a", "c"]
        assert self.sorted_ids(storage, Sort("y", 1), Sort("x", 1)) == ["e", "b", "a", "c", "d"]

    def test_several_fields_with_missing_values(self, storage: StorageBase) -> None:
        objects: list[dict[str, Any]] = [
            {"id": "a", "x": 1},
            {"id": "b", "y": 1},
            {"id": "c", "x": 1, "y": 2},
            {"id": "d"},
            {"id": "e", "y": 0},
        ]
        self.create_many(storage, objects)
        assert self.sorted_ids(storage, Sort("x", 1), Sort("y", 1)) == ["c", "a", "e", "b", "d"]
        assert self.sorted_ids(storage, Sort("x", -1), Sort("y", -1)) == ["d", "b", "e", "a", "c"]

    def test_nested_field(self, storage: StorageBase) -> None:
        objects: list[dict[str, Any]] = [
            {"id": "a", "person": {"age": 30}},
            {"id": "b", "person": {"age": 5}},
            {"id": "c", "person": {}},
            {"id": "d", "person": {"age": 12}},
        ]
        self.create_many(storage, objects)
        assert self.sorted_ids(storage, Sort("person.age", 1)) == ["b", "d", "a", "c"]
        assert self.sorted_ids(storage, Sort("person.age", -1)) == ["c", "a", "d", "b"]

    def test_id(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": i} for i in ("b", "c", "a")])
        assert self.sorted_ids(storage, Sort("id", 1)) == ["a", "b", "c"]
        assert self.sorted_ids(storage, Sort("id", -1)) == ["c", "b", "a"]

    def test_last_modified(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": i} for i in ("b", "c", "a")])
        assert self.sorted_ids(storage, Sort("last_modified", 1)) == ["b", "c", "a"]
        assert self.sorted_ids(storage, Sort("last_modified", -1)) == ["a", "c", "b"]

    def test_ties_then_last_modified(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": i, "v": 1} for i in ("b", "c", "a")])
        order = [Sort("v", 1), Sort("last_modified", -1)]
        assert self.sorted_ids(storage, *order) == ["a", "c", "b"]

    def test_limit_applies_after_sorting(self, storage: StorageBase) -> None:
        self.fill_values(storage, {"a": 5, "b": 1, "c": 4, "d": 2, "e": 3})
        assert self.sorted_ids(storage, Sort("v", 1), limit=2) == ["b", "d"]
        assert self.sorted_ids(storage, Sort("v", -1), limit=2) == ["a", "c"]

    def test_filters_and_sorting_together(self, storage: StorageBase) -> None:
        self.fill_values(storage, {"a": 5, "b": 1, "c": 4, "d": 2, "e": 3})
        found = self.sorted_ids(storage, Sort("v", -1), filters=[Filter("v", 2, COMPARISON.GT)])
        assert found == ["a", "c", "e"]

    def test_delete_all_respects_sorting(self, storage: StorageBase) -> None:
        self.fill_values(storage, {"a": 5, "b": 1, "c": 4})
        deleted = storage.delete_all(sorting=[Sort("v", 1)], **self.kw)
        assert ids(deleted) == ["b", "c", "a"]
