"""Suite topic: which objects principals may reach, and who may reach an object."""

from __future__ import annotations

from strato.permission import PermissionBase
from strato.permission.testing._base import SuiteBase

__all__ = ["AccessSuite"]

ALICE = "account:alice"
BOB = "account:bob"


class AccessSuite(SuiteBase):
    """``get_accessible_objects``, ``get_authorized_principals``, ``check_permission``."""

    def test_all_permissions_of_principals(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        permission.add_principal_to_ace("/buckets/b1", "write", ALICE)
        permission.add_principal_to_ace("/buckets/b2", "read", "group:a")
        permission.add_principal_to_ace("/buckets/b3", "read", BOB)
        assert permission.get_accessible_objects([ALICE, "group:a"]) == {
            "/buckets/b1": {"read", "write"},
            "/buckets/b2": {"read"},
        }

    def test_no_principals_reach_nothing(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        assert permission.get_accessible_objects([]) == {}
        assert permission.get_accessible_objects([], [("/buckets/*", "read")]) == {}

    def test_empty_bound_permissions_reach_nothing(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        assert permission.get_accessible_objects([ALICE], []) == {}

    def test_exact_bound_permissions(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        permission.add_principal_to_ace("/buckets/b1", "write", ALICE)
        permission.add_principal_to_ace("/buckets/b2", "read", ALICE)
        result = permission.get_accessible_objects([ALICE], [("/buckets/b1", "write")])
        assert result == {"/buckets/b1": {"write"}}

    def test_only_the_paired_permission_counts(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "write", ALICE)
        permission.add_principal_to_ace("/buckets/b2", "read", ALICE)
        result = permission.get_accessible_objects(
            [ALICE], [("/buckets/b1", "read"), ("/buckets/b2", "read")]
        )
        assert result == {"/buckets/b2": {"read"}}

    def test_permissions_of_several_bounds_are_merged(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        permission.add_principal_to_ace("/buckets/b1", "write", "group:a")
        result = permission.get_accessible_objects(
            [ALICE, "group:a"], [("/buckets/*", "read"), ("/buckets/*", "write")]
        )
        assert result == {"/buckets/b1": {"read", "write"}}

    def test_pattern_with_children(self, permission: PermissionBase) -> None:
        for object_id in (
            "/buckets/b1",
            "/buckets/b1/collections/c1",
            "/buckets/b1/collections/c1/records/r1",
            "/buckets/b2/collections/c1",
        ):
            permission.add_principal_to_ace(object_id, "read", ALICE)
        result = permission.get_accessible_objects([ALICE], [("/buckets/b1/*", "read")])
        assert result == {
            "/buckets/b1/collections/c1": {"read"},
            "/buckets/b1/collections/c1/records/r1": {"read"},
        }

    def test_pattern_without_children(self, permission: PermissionBase) -> None:
        for object_id in (
            "/buckets/b1/collections/c1",
            "/buckets/b1/collections/c2",
            "/buckets/b1/collections/c1/records/r1",
            "/buckets/b1/groups/g1",
        ):
            permission.add_principal_to_ace(object_id, "read", ALICE)
        result = permission.get_accessible_objects(
            [ALICE], [("/buckets/b1/collections/*", "read")], with_children=False
        )
        assert result == {
            "/buckets/b1/collections/c1": {"read"},
            "/buckets/b1/collections/c2": {"read"},
        }

    def test_pattern_in_the_middle(self, permission: PermissionBase) -> None:
        for object_id in (
            "/buckets/b1/collections/c1/records/r1",
            "/buckets/b2/collections/c1/records/r2",
            "/buckets/b2/collections/c2/records/r3",
        ):
            permission.add_principal_to_ace(object_id, "read", ALICE)
        result = permission.get_accessible_objects(
            [ALICE], [("/buckets/*/collections/c1/records/*", "read")], with_children=False
        )
        assert result == {
            "/buckets/b1/collections/c1/records/r1": {"read"},
            "/buckets/b2/collections/c1/records/r2": {"read"},
        }

    def test_pattern_matches_whole_ids(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1/collections/c1", "read", ALICE)
        permission.add_principal_to_ace("/buckets/b1/collections/c10", "read", ALICE)
        permission.add_principal_to_ace("/prefix/buckets/b1/collections/c1", "read", ALICE)
        result = permission.get_accessible_objects(
            [ALICE], [("/buckets/b1/collections/c1", "read")]
        )
        assert result == {"/buckets/b1/collections/c1": {"read"}}

    def test_pattern_characters_are_literal(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/a.c", "read", ALICE)
        permission.add_principal_to_ace("/buckets/abc", "read", ALICE)
        permission.add_principal_to_ace("/buckets/a_c", "read", ALICE)
        permission.add_principal_to_ace("/buckets/a%c", "read", ALICE)
        assert permission.get_accessible_objects([ALICE], [("/buckets/a.c", "read")]) == {
            "/buckets/a.c": {"read"}
        }
        assert permission.get_accessible_objects([ALICE], [("/buckets/a_c", "read")]) == {
            "/buckets/a_c": {"read"}
        }
        assert permission.get_accessible_objects([ALICE], [("/buckets/a%c", "read")]) == {
            "/buckets/a%c": {"read"}
        }

    def test_accessible_objects_are_copies(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        permission.get_accessible_objects([ALICE])["/buckets/b1"].add("write")
        assert permission.get_accessible_objects([ALICE]) == {"/buckets/b1": {"read"}}

    def test_authorized_principals(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "write", ALICE)
        permission.add_principal_to_ace("/buckets/b1/collections/c1", "read", BOB)
        permission.add_principal_to_ace("/buckets/b1/collections/c1", "write", "group:a")
        result = permission.get_authorized_principals(
            [("/buckets/b1", "write"), ("/buckets/b1/collections/c1", "read")]
        )
        assert result == {ALICE, BOB}

    def test_authorized_principals_of_nothing(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "write", ALICE)
        assert permission.get_authorized_principals([]) == set()
        assert permission.get_authorized_principals([("/buckets/b2", "write")]) == set()

    def test_authorized_principals_do_not_expand_patterns(
        self, permission: PermissionBase
    ) -> None:
        permission.add_principal_to_ace("/buckets/b1", "write", ALICE)
        assert permission.get_authorized_principals([("/buckets/*", "write")]) == set()

    def test_authorized_principals_are_a_copy(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "write", ALICE)
        permission.get_authorized_principals([("/buckets/b1", "write")]).add(BOB)
        assert permission.get_authorized_principals([("/buckets/b1", "write")]) == {ALICE}

    def test_check_permission_granted(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "write", "group:a")
        assert permission.check_permission(
            [ALICE, "group:a"], [("/buckets/b1", "read"), ("/buckets/b1", "write")]
        )

    def test_check_permission_denied(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", BOB)
        permission.add_principal_to_ace("/buckets/b2", "write", ALICE)
        assert not permission.check_permission(
            [ALICE], [("/buckets/b1", "read"), ("/buckets/b1", "write")]
        )

    def test_check_permission_without_principals(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        assert not permission.check_permission([], [("/buckets/b1", "read")])
        assert not permission.check_permission([ALICE], [])

    def test_everyone_is_an_ordinary_principal(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", "system.Everyone")
        assert permission.check_permission(["system.Everyone"], [("/buckets/b1", "read")])
        assert not permission.check_permission([ALICE], [("/buckets/b1", "read")])
