"""Suite topic: forgetting a principal everywhere with ``purge_principal``."""

from __future__ import annotations

from strato.permission import PermissionBase
from strato.permission.testing._base import SuiteBase

__all__ = ["PurgeSuite"]

GROUP = "/buckets/b1/groups/g1"
ALICE = "account:alice"
BOB = "account:bob"


class PurgeSuite(SuiteBase):
    """``purge_principal``: users, ACEs and the principal's own principals."""

    def test_purge_takes_the_principal_from_every_user(self, permission: PermissionBase) -> None:
        permission.add_user_principal(ALICE, GROUP)
        permission.add_user_principal(ALICE, "group:b")
        permission.add_user_principal(BOB, GROUP)
        permission.purge_principal(GROUP)
        assert permission.get_user_principals(ALICE) == {"group:b"}
        assert permission.get_user_principals(BOB) == set()

    def test_purge_takes_the_principal_from_every_ace(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "write", GROUP)
        permission.add_principal_to_ace("/buckets/b1", "write", ALICE)
        permission.add_principal_to_ace("/buckets/b1", "read", GROUP)
        permission.add_principal_to_ace("/buckets/b2/collections/c1", "read", GROUP)
        permission.purge_principal(GROUP)
        assert permission.get_object_permissions("/buckets/b1") == {"write": {ALICE}}
        assert permission.get_object_permissions("/buckets/b2/collections/c1") == {}
        assert permission.get_accessible_objects([GROUP]) == {}
        assert permission.get_accessible_objects([GROUP], [("/buckets/*", "read")]) == {}
        assert permission.get_authorized_principals([("/buckets/b1", "read")]) == set()
        assert not permission.check_permission([GROUP], [("/buckets/b1", "write")])

    def test_purge_takes_back_what_the_principal_holds_as_a_user(
        self, permission: PermissionBase
    ) -> None:
        permission.add_user_principal(ALICE, GROUP)
        permission.add_user_principal(ALICE, "group:b")
        permission.add_user_principal(BOB, GROUP)
        permission.purge_principal(ALICE)
        assert permission.get_user_principals(ALICE) == set()
        assert permission.get_user_principals(BOB) == {GROUP}
        # The group's other members are untouched, and removing it later is harmless.
        permission.remove_principal(GROUP)
        assert permission.get_user_principals(BOB) == set()

    def test_purge_leaves_other_principals_alone(self, permission: PermissionBase) -> None:
        permission.add_user_principal(ALICE, "group:a")
        permission.add_user_principal("system.Authenticated", "group:all")
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        permission.add_principal_to_ace("/buckets/b1", "read", f"{GROUP}0")
        permission.add_principal_to_ace("/buckets/b1/groups", "read", BOB)
        permission.purge_principal(GROUP)
        assert permission.get_user_principals(ALICE) == {"group:a", "group:all"}
        assert permission.get_object_permissions("/buckets/b1") == {"read": {ALICE, f"{GROUP}0"}}
        assert permission.get_object_permissions("/buckets/b1/groups") == {"read": {BOB}}

    def test_purge_of_an_unknown_principal_is_harmless(self, permission: PermissionBase) -> None:
        permission.add_user_principal(ALICE, "group:a")
        permission.add_principal_to_ace("/buckets/b1", "read", ALICE)
        permission.purge_principal("group:nobody")
        assert permission.get_user_principals(ALICE) == {"group:a"}
        assert permission.get_object_permissions("/buckets/b1") == {"read": {ALICE}}

    def test_purge_twice_is_harmless(self, permission: PermissionBase) -> None:
        permission.add_user_principal(ALICE, GROUP)
        permission.add_principal_to_ace("/buckets/b1", "read", GROUP)
        permission.purge_principal(GROUP)
        permission.purge_principal(GROUP)
        assert permission.get_user_principals(ALICE) == set()
        assert permission.get_object_permissions("/buckets/b1") == {}

    def test_a_purged_principal_can_be_granted_again(self, permission: PermissionBase) -> None:
        permission.add_user_principal(ALICE, GROUP)
        permission.add_principal_to_ace("/buckets/b1", "read", GROUP)
        permission.purge_principal(GROUP)
        permission.add_user_principal(BOB, GROUP)
        permission.add_principal_to_ace("/buckets/b2", "read", GROUP)
        assert permission.get_user_principals(ALICE) == set()
        assert permission.get_user_principals(BOB) == {GROUP}
        assert permission.get_accessible_objects([GROUP]) == {"/buckets/b2": {"read"}}

    def test_purged_objects_can_still_be_deleted_by_pattern(
        self, permission: PermissionBase
    ) -> None:
        permission.add_principal_to_ace("/buckets/b1/collections/c1", "read", GROUP)
        permission.add_principal_to_ace("/buckets/b1/collections/c2", "read", GROUP)
        permission.add_principal_to_ace("/buckets/b1/collections/c2", "write", ALICE)
        permission.purge_principal(GROUP)
        permission.add_principal_to_ace("/buckets/b1/collections/c1", "read", BOB)
        permission.delete_object_permissions("/buckets/b1/*")
        assert permission.get_accessible_objects([ALICE, BOB, GROUP]) == {}

    def test_principal_names_are_literal(self, permission: PermissionBase) -> None:
        permission.add_user_principal(ALICE, "group:*")
        permission.add_user_principal(ALICE, "group:a")
        permission.add_principal_to_ace("/buckets/b1", "read", "group:a")
        permission.add_principal_to_ace("/buckets/b1", "read", "group:%")
        permission.purge_principal("group:*")
        permission.purge_principal("group:_")
        assert permission.get_user_principals(ALICE) == {"group:a"}
        assert permission.get_object_permissions("/buckets/b1") == {"read": {"group:a", "group:%"}}
