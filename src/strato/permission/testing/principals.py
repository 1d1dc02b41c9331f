"""Suite topic: the principals users hold (groups, roles)."""

from __future__ import annotations

from strato.permission import PermissionBase
from strato.permission.testing._base import SuiteBase

__all__ = ["UserPrincipalsSuite"]


class UserPrincipalsSuite(SuiteBase):
    """``add_user_principal``, ``remove_user_principal``, ``remove_principal``, reads."""

    def test_unknown_user_has_no_principals(self, permission: PermissionBase) -> None:
        assert permission.get_user_principals("basicauth:nobody") == set()

    def test_added_principals_are_returned(self, permission: PermissionBase) -> None:
        permission.add_user_principal("basicauth:abc", "/buckets/b1/groups/g1")
        permission.add_user_principal("basicauth:abc", "/buckets/b1/groups/g2")
        assert permission.get_user_principals("basicauth:abc") == {
            "/buckets/b1/groups/g1",
            "/buckets/b1/groups/g2",
        }

    def test_adding_twice_is_harmless(self, permission: PermissionBase) -> None:
        permission.add_user_principal("basicauth:abc", "group:a")
        permission.add_user_principal("basicauth:abc", "group:a")
        assert permission.get_user_principals("basicauth:abc") == {"group:a"}

    def test_users_do_not_see_each_other(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", "group:a")
        permission.add_user_principal("account:bob", "group:b")
        assert permission.get_user_principals("account:alice") == {"group:a"}
        assert permission.get_user_principals("account:bob") == {"group:b"}

    def test_user_id_is_not_its_own_principal(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", "group:a")
        assert "account:alice" not in permission.get_user_principals("account:alice")

    def test_remove_user_principal(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", "group:a")
        permission.add_user_principal("account:alice", "group:b")
        permission.remove_user_principal("account:alice", "group:a")
        assert permission.get_user_principals("account:alice") == {"group:b"}

    def test_removing_last_principal_leaves_user_empty(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", "group:a")
        permission.remove_user_principal("account:alice", "group:a")
        assert permission.get_user_principals("account:alice") == set()

    def test_removing_absent_principal_is_harmless(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", "group:a")
        permission.remove_user_principal("account:alice", "group:zzz")
        permission.remove_user_principal("account:nobody", "group:a")
        assert permission.get_user_principals("account:alice") == {"group:a"}

    def test_remove_principal_takes_it_from_every_user(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", "group:a")
        permission.add_user_principal("account:alice", "group:b")
        permission.add_user_principal("account:bob", "group:a")
        permission.remove_principal("group:a")
        assert permission.get_user_principals("account:alice") == {"group:b"}
        assert permission.get_user_principals("account:bob") == set()

    def test_remove_principal_keeps_aces(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", "group:a")
        permission.add_principal_to_ace("/buckets/b1", "write", "group:a")
        permission.remove_principal("group:a")
        assert permission.get_object_permission_principals("/buckets/b1", "write") == {"group:a"}

    def test_authenticated_principals_are_inherited(self, permission: PermissionBase) -> None:
        permission.add_user_principal("system.Authenticated", "group:everybody")
        permission.add_user_principal("account:alice", "group:a")
        assert permission.get_user_principals("account:alice") == {
            "group:a",
            "group:everybody",
        }
        assert permission.get_user_principals("account:unknown") == {"group:everybody"}

    def test_removing_from_authenticated_stops_inheritance(
        self, permission: PermissionBase
    ) -> None:
        permission.add_user_principal("system.Authenticated", "group:everybody")
        permission.remove_user_principal("system.Authenticated", "group:everybody")
        assert permission.get_user_principals("account:alice") == set()

    def test_returned_set_is_a_copy(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", "group:a")
        permission.add_user_principal("system.Authenticated", "group:all")
        returned = permission.get_user_principals("account:alice")
        returned.add("group:intruder")
        returned.discard("group:all")
        assert permission.get_user_principals("account:alice") == {"group:a", "group:all"}
