"""Keyset pagination: ``pagination_rules`` and walking a collection page by page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from strato.storage import COMPARISON, MISSING, Filter, Sort, StorageBase
from strato.storage.testing.support import StorageTestBase, ids

__all__ = ["PaginationTests", "next_page_rules"]


def next_page_rules(last: dict[str, Any], sorting: Sequence[Sort]) -> list[list[Filter]]:
    """Rules selecting what comes after ``last`` in ``sorting`` order.

    This is what the resource layer builds from a pagination token: for sort
    fields s1..sn, ``(s1..s(k-1) equal AND sk beyond)`` for each k, ORed.
    Absent fields become :data:`MISSING`.
    """
    rules = []
    for index, sort in enumerate(sorting):
        rule = [Filter(s.field, _value(last, s.field), COMPARISON.EQ) for s in sorting[:index]]
        beyond = COMPARISON.GT if sort.direction > 0 else COMPARISON.LT
        rule.append(Filter(sort.field, _value(last, sort.field), beyond))
        rules.append(rule)
    return rules


def _value(obj: dict[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


class PaginationTests(StorageTestBase):
    """``pagination_rules`` semantics and full walks without duplicates or gaps."""

    def walk(
        self,
        storage: StorageBase,
        sorting: list[Sort],
        page_size: int,
        between_pages: Callable[[], object] | None = None,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        rules: list[list[Filter]] | None = None
        for _ in range(1000):
            page = storage.list_all(
                sorting=sorting, pagination_rules=rules, limit=page_size, **{**self.kw, **kwargs}
            )
            seen.extend(page)
            if len(page) < page_size:
                return seen
            rules = next_page_rules(page[-1], sorting)
            if between_pages is not None:
                between_pages()
        raise AssertionError("pagination did not end")

    def assert_walk_matches_full_list(
        self, storage: StorageBase, sorting: list[Sort], page_size: int, **kwargs: Any
    ) -> None:
        everything = storage.list_all(sorting=sorting, **self.kw, **kwargs)
        walked = self.walk(storage, sorting, page_size, **kwargs)
        assert ids(walked) == ids(everything)

    def populate(self, storage: StorageBase) -> None:
        values: list[Any] = [3, None, "b", 3, MISSING, 1.5, True, "a", MISSING, False, 3, 0]
        for index, value in enumerate(values):
            obj: dict[str, Any] = {"id": f"o{index:02}", "group": index % 3}
            if value is not MISSING:
                obj["v"] = value
            self.create(storage, obj)

    def test_rules_are_ored(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": str(n), "n": n} for n in range(5)])
        rules = [[Filter("n", 1, COMPARISON.EQ)], [Filter("n", 3, COMPARISON.EQ)]]
        assert sorted(self.list_ids(storage, pagination_rules=rules)) == ["1", "3"]

    def test_filters_inside_a_rule_are_anded(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": str(n), "n": n} for n in range(5)])
        rules = [
            [Filter("n", 1, COMPARISON.GT), Filter("n", 3, COMPARISON.LT)],
            [Filter("n", 0, COMPARISON.EQ)],
        ]
        assert sorted(self.list_ids(storage, pagination_rules=rules)) == ["0", "2"]

    def test_rules_are_anded_with_filters(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": str(n), "n": n} for n in range(5)])
        rules = [[Filter("n", 1, COMPARISON.GT)]]
        filters = [Filter("n", 4, COMPARISON.NOT)]
        found = self.list_ids(storage, pagination_rules=rules, filters=filters)
        assert sorted(found) == ["2", "3"]

    def test_no_rules_select_everything(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"n": n} for n in range(3)])
        assert len(self.list_ids(storage, pagination_rules=[])) == 3
        assert len(self.list_ids(storage, pagination_rules=None)) == 3

    def test_walk_by_newest_first(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"n": n} for n in range(10)])
        self.assert_walk_matches_full_list(storage, [Sort("last_modified", -1)], 3)

    def test_walk_by_id(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": f"id-{n}"} for n in (5, 3, 9, 1, 7, 2)])
        self.assert_walk_matches_full_list(storage, [Sort("id", 1)], 4)
        self.assert_walk_matches_full_list(storage, [Sort("id", -1)], 4)

    def test_walk_with_ties(self, storage: StorageBase) -> None:
        self.populate(storage)
        order = [Sort("group", 1), Sort("last_modified", -1)]
        self.assert_walk_matches_full_list(storage, order, 2)

    def test_walk_over_mixed_types_and_missing_ascending(self, storage: StorageBase) -> None:
        self.populate(storage)
        order = [Sort("v", 1), Sort("last_modified", -1)]
        self.assert_walk_matches_full_list(storage, order, 3)

    def test_walk_over_mixed_types_and_missing_descending(self, storage: StorageBase) -> None:
        self.populate(storage)
        order = [Sort("v", -1), Sort("last_modified", 1)]
        self.assert_walk_matches_full_list(storage, order, 3)

    def test_walk_by_several_fields(self, storage: StorageBase) -> None:
        self.populate(storage)
        order = [Sort("group", -1), Sort("v", 1), Sort("id", 1)]
        for page_size in (1, 2, 5):
            self.assert_walk_matches_full_list(storage, order, page_size)

    def test_walk_with_filters(self, storage: StorageBase) -> None:
        self.populate(storage)
        order = [Sort("v", 1), Sort("last_modified", -1)]
        filters = [Filter("group", 1, COMPARISON.NOT)]
        walked = self.walk(storage, order, 2, filters=filters)
        assert len(walked) == 8
        assert ids(walked) == self.list_ids(storage, sorting=order, filters=filters)

    def test_walk_including_tombstones(self, storage: StorageBase) -> None:
        self.populate(storage)
        storage.delete(object_id="o03", **self.kw)
        storage.delete(object_id="o07", **self.kw)
        order = [Sort("v", 1), Sort("last_modified", -1)]
        self.assert_walk_matches_full_list(storage, order, 3, include_deleted=True)

    def test_walk_one_by_one(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"n": n % 2} for n in range(5)])
        self.assert_walk_matches_full_list(storage, [Sort("n", 1), Sort("last_modified", 1)], 1)

    def test_walk_survives_concurrent_inserts(self, storage: StorageBase) -> None:
        originals = self.create_many(storage, [{"n": n} for n in range(9)])
        walked = self.walk(
            storage, [Sort("last_modified", -1)], 2, between_pages=lambda: self.create(storage)
        )
        walked_ids = ids(walked)
        assert len(walked_ids) == len(set(walked_ids))
        assert walked_ids == ids(reversed(originals))

    def test_walk_survives_concurrent_deletes(self, storage: StorageBase) -> None:
        self.create_many(storage, [{"id": f"o{n}"} for n in range(9)])

        def delete_seen_and_unseen() -> None:
            storage.delete(object_id="o7", **self.kw)
            storage.delete(object_id="o5", **self.kw)

        walked = self.walk(
            storage, [Sort("id", -1)], 3, between_pages=_once(delete_seen_and_unseen)
        )
        assert ids(walked) == ["o8", "o7", "o6", "o4", "o3", "o2", "o1", "o0"]


def _once(func: Callable[[], None]) -> Callable[[], None]:
    done = False

    def call() -> None:
        nonlocal done
        if not done:
            done = True
            func()

    return call
