"""Suite topic: access control entries of objects, read, replaced and deleted."""

from __future__ import annotations

import pytest

from strato.permission import PermissionBase
from strato.permission.testing._base import SuiteBase

__all__ = ["AceSuite"]

BUCKET = "/buckets/b1"
COLLECTION = "/buckets/b1/collections/c1"


class AceSuite(SuiteBase):
    """``add/remove_principal_to/from_ace``, ``get_object(s)_permissions``, replace, delete."""

    def test_unknown_ace_has_no_principals(self, permission: PermissionBase) -> None:
        assert permission.get_object_permission_principals(BUCKET, "read") == set()

    def test_added_principals_are_returned(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "read", "system.Everyone")
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        assert permission.get_object_permission_principals(BUCKET, "read") == {
            "account:alice",
            "system.Everyone",
        }

    def test_aces_are_per_object_and_permission(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "write", "account:alice")
        permission.add_principal_to_ace(COLLECTION, "read", "account:bob")
        assert permission.get_object_permission_principals(BUCKET, "read") == set()
        assert permission.get_object_permission_principals(COLLECTION, "write") == set()
        assert permission.get_object_permission_principals(COLLECTION, "read") == {"account:bob"}

    def test_remove_principal_from_ace(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "read", "account:bob")
        permission.remove_principal_from_ace(BUCKET, "read", "account:alice")
        assert permission.get_object_permission_principals(BUCKET, "read") == {"account:bob"}

    def test_removing_absent_principal_is_harmless(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.remove_principal_from_ace(BUCKET, "read", "account:bob")
        permission.remove_principal_from_ace(BUCKET, "write", "account:alice")
        permission.remove_principal_from_ace("/buckets/nope", "read", "account:alice")
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:alice"}}

    def test_removing_last_principal_removes_the_ace(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "write", "account:alice")
        permission.remove_principal_from_ace(BUCKET, "read", "account:alice")
        assert permission.get_object_permissions(BUCKET) == {"write": {"account:alice"}}
        assert permission.get_accessible_objects(["account:alice"]) == {BUCKET: {"write"}}

    def test_principals_set_is_a_copy(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.get_object_permission_principals(BUCKET, "read").add("account:mallory")
        assert permission.get_object_permission_principals(BUCKET, "read") == {"account:alice"}

    def test_object_permissions(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "write", "account:bob")
        permission.add_principal_to_ace(BUCKET, "collection:create", "system.Authenticated")
        assert permission.get_object_permissions(BUCKET) == {
            "read": {"account:alice"},
            "write": {"account:bob"},
            "collection:create": {"system.Authenticated"},
        }

    def test_object_permissions_filtered(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "write", "account:bob")
        assert permission.get_object_permissions(BUCKET, ["write", "unknown"]) == {
            "write": {"account:bob"}
        }
        assert permission.get_object_permissions(BUCKET, []) == {}

    def test_object_permissions_of_unknown_object(self, permission: PermissionBase) -> None:
        assert permission.get_object_permissions("/buckets/nope") == {}

    def test_object_permissions_exclude_other_objects(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(COLLECTION, "write", "account:bob")
        permission.add_principal_to_ace("/buckets/b10", "write", "account:carol")
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:alice"}}

    def test_object_permissions_are_copies(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        returned = permission.get_object_permissions(BUCKET)
        returned["read"].add("account:mallory")
        returned["write"] = {"account:mallory"}
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:alice"}}

    def test_objects_permissions_follow_the_given_order(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(COLLECTION, "write", "account:bob")
        result = permission.get_objects_permissions([COLLECTION, "/buckets/nope", BUCKET])
        assert result == [{"write": {"account:bob"}}, {}, {"read": {"account:alice"}}]

    def test_objects_permissions_filtered(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "write", "account:bob")
        permission.add_principal_to_ace(COLLECTION, "read", "account:carol")
        result = permission.get_objects_permissions([BUCKET, COLLECTION], ["read"])
        assert result == [{"read": {"account:alice"}}, {"read": {"account:carol"}}]

    def test_objects_permissions_of_no_object(self, permission: PermissionBase) -> None:
        assert permission.get_objects_permissions([]) == []

    def test_replace_creates_aces(self, permission: PermissionBase) -> None:
        permission.replace_object_permissions(
            BUCKET, {"read": ["account:alice", "account:bob"], "write": {"account:alice"}}
        )
        assert permission.get_object_permissions(BUCKET) == {
            "read": {"account:alice", "account:bob"},
            "write": {"account:alice"},
        }

    def test_replace_overwrites_listed_aces(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "read", "account:bob")
        permission.replace_object_permissions(BUCKET, {"read": ["account:carol"]})
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:carol"}}

    def test_replace_keeps_unlisted_aces(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "write", "account:bob")
        permission.replace_object_permissions(BUCKET, {"write": ["account:carol"]})
        assert permission.get_object_permissions(BUCKET) == {
            "read": {"account:alice"},
            "write": {"account:carol"},
        }

    def test_replace_with_empty_list_deletes_ace(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "write", "account:bob")
        permission.replace_object_permissions(BUCKET, {"write": [], "unknown": []})
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:alice"}}
        assert permission.get_accessible_objects(["account:bob"]) == {}

    def test_replace_with_nothing_changes_nothing(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.replace_object_permissions(BUCKET, {})
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:alice"}}

    def test_replace_refuses_a_bare_string(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        with pytest.raises(TypeError):
            permission.replace_object_permissions(BUCKET, {"read": "account:bob"})
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:alice"}}

    def test_replace_does_not_keep_a_reference(self, permission: PermissionBase) -> None:
        principals = {"account:alice"}
        permission.replace_object_permissions(BUCKET, {"read": principals})
        principals.add("account:mallory")
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:alice"}}

    def test_delete_object_permissions(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.add_principal_to_ace(BUCKET, "write", "account:alice")
        permission.add_principal_to_ace(COLLECTION, "read", "account:alice")
        permission.delete_object_permissions(BUCKET)
        assert permission.get_object_permissions(BUCKET) == {}
        assert permission.get_object_permissions(COLLECTION) == {"read": {"account:alice"}}

    def test_delete_several_objects(self, permission: PermissionBase) -> None:
        for object_id in (BUCKET, COLLECTION, "/buckets/b2"):
            permission.add_principal_to_ace(object_id, "read", "account:alice")
        permission.delete_object_permissions(BUCKET, COLLECTION)
        assert permission.get_accessible_objects(["account:alice"]) == {"/buckets/b2": {"read"}}

    def test_delete_by_pattern_covers_descendants(self, permission: PermissionBase) -> None:
        for object_id in (
            BUCKET,
            COLLECTION,
            f"{COLLECTION}/records/r1",
            "/buckets/b10",
            "/buckets/b2/collections/c1",
        ):
            permission.add_principal_to_ace(object_id, "read", "account:alice")
        permission.delete_object_permissions(f"{BUCKET}/*")
        assert permission.get_accessible_objects(["account:alice"]) == {
            BUCKET: {"read"},
            "/buckets/b10": {"read"},
            "/buckets/b2/collections/c1": {"read"},
        }

    def test_delete_pattern_in_the_middle(self, permission: PermissionBase) -> None:
        for object_id in (
            "/buckets/b1/collections/c1",
            "/buckets/b2/collections/c1",
            "/buckets/b2/groups/c1",
        ):
            permission.add_principal_to_ace(object_id, "read", "account:alice")
        permission.delete_object_permissions("/buckets/*/collections/c1")
        assert permission.get_accessible_objects(["account:alice"]) == {
            "/buckets/b2/groups/c1": {"read"}
        }

    def test_delete_keeps_user_principals(self, permission: PermissionBase) -> None:
        permission.add_user_principal("account:alice", BUCKET + "/groups/g1")
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.delete_object_permissions(f"{BUCKET}*")
        assert permission.get_user_principals("account:alice") == {BUCKET + "/groups/g1"}

    def test_delete_nothing(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace(BUCKET, "read", "account:alice")
        permission.delete_object_permissions()
        permission.delete_object_permissions("/buckets/nope")
        assert permission.get_object_permissions(BUCKET) == {"read": {"account:alice"}}
