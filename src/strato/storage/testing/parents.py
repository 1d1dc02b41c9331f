"""``parent_id`` patterns (``*``) in list_all, count_all and delete_all."""

from __future__ import annotations

from strato.storage import StorageBase
from strato.storage.testing.support import StorageTestBase, ids

__all__ = ["ParentPatternTests"]


class ParentPatternTests(StorageTestBase):
    """``*`` matches any run of characters; everything else is literal."""

    def fill_parents(self, storage: StorageBase, *parents: str) -> None:
        for parent in parents:
            self.create(storage, {"id": parent}, parent_id=parent)

    def listed(self, storage: StorageBase, pattern: str, **kwargs: bool) -> list[str]:
        return sorted(self.list_ids(storage, parent_id=pattern, **kwargs))

    def test_prefix_pattern(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "abc", "abd", "xabc", "ab")
        assert self.listed(storage, "ab*") == ["ab", "abc", "abd"]

    def test_suffix_pattern(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "abc", "xbc", "bcx")
        assert self.listed(storage, "*bc") == ["abc", "xbc"]

    def test_inner_pattern(self, storage: StorageBase) -> None:
        self.fill_parents(
            storage, "/buckets/a/collections/x", "/buckets/b/collections/x", "/buckets/a"
        )
        assert self.listed(storage, "/buckets/*/collections/x") == [
            "/buckets/a/collections/x",
            "/buckets/b/collections/x",
        ]

    def test_star_alone_matches_every_parent(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "a", "b", "")
        assert self.listed(storage, "*") == ["", "a", "b"]

    def test_without_star_the_parent_is_exact(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "ab", "abc")
        assert self.listed(storage, "ab") == ["ab"]

    def test_sql_wildcards_are_literal(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "a_c", "abc", "a%c", "a.c")
        assert self.listed(storage, "a_*") == ["a_c"]
        assert self.listed(storage, "a%*") == ["a%c"]
        assert self.listed(storage, "a.*") == ["a.c"]
        assert self.listed(storage, "a_c") == ["a_c"]

    def test_pattern_keeps_the_resource_name(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "abc")
        self.create(storage, {"id": "other"}, parent_id="abd", resource_name="other")
        assert self.listed(storage, "ab*") == ["abc"]

    def test_pattern_with_tombstones(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "abc", "abd")
        storage.delete(object_id="abc", resource_name=self.resource_name, parent_id="abc")
        assert self.listed(storage, "ab*") == ["abd"]
        assert self.listed(storage, "ab*", include_deleted=True) == ["abc", "abd"]

    def test_count_with_pattern(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "abc", "abd", "xyz")
        assert storage.count_all(resource_name=self.resource_name, parent_id="ab*") == 2

    def test_delete_all_with_pattern(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "abc", "abd", "xyz")
        deleted = storage.delete_all(resource_name=self.resource_name, parent_id="ab*")
        assert sorted(ids(deleted)) == ["abc", "abd"]
        assert self.listed(storage, "*") == ["xyz"]

    def test_delete_all_with_pattern_and_every_resource(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "/b/1", "/b/2", "/c/1")
        self.create(storage, {"id": "r"}, parent_id="/b/1/x", resource_name="record")
        deleted = storage.delete_all(resource_name=None, parent_id="/b/*", with_deleted=False)
        assert sorted(ids(deleted)) == ["/b/1", "/b/2", "r"]
        assert self.listed(storage, "*", include_deleted=True) == ["/c/1"]

    def test_unicode_pattern(self, storage: StorageBase) -> None:
        self.fill_parents(storage, "Rémy-1", "Rémy-2", "Remy-3")
        assert self.listed(storage, "Rém*") == ["Rémy-1", "Rémy-2"]
