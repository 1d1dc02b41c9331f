"""Suite topic: the backend honours the interface and its life cycle."""

from __future__ import annotations

import pytest
from pyramid.registry import Registry
from pyramid.request import Request

from strato.permission import PermissionBase, heartbeat
from strato.permission.testing._base import SuiteBase

__all__ = ["InterfaceSuite"]


def _request(**settings: object) -> Request:
    request = Request.blank("/__heartbeat__")
    registry = Registry("heartbeat-test")
    registry.settings = settings
    request.registry = registry
    return request


class InterfaceSuite(SuiteBase):
    """Class checks, capability flags, schema, flush and heartbeat."""

    def test_backend_implements_the_interface(self, permission: PermissionBase) -> None:
        assert isinstance(permission, PermissionBase)

    @pytest.mark.parametrize("flag", ["persistent", "transactional"])
    def test_capability_flags_are_declared(self, permission: PermissionBase, flag: str) -> None:
        assert isinstance(getattr(type(permission), flag, None), bool)

    def test_initialize_schema_can_run_twice(self, permission: PermissionBase) -> None:
        permission.initialize_schema()
        permission.initialize_schema()
        permission.add_user_principal("alice", "group:a")
        permission.initialize_schema()
        assert permission.get_user_principals("alice") == {"group:a"}

    def test_initialize_schema_dry_run_keeps_data(self, permission: PermissionBase) -> None:
        permission.add_principal_to_ace("/buckets/b1", "read", "alice")
        permission.initialize_schema(dry_run=True)
        assert permission.get_object_permission_principals("/buckets/b1", "read") == {"alice"}

    def test_flush_removes_principals_and_aces(self, permission: PermissionBase) -> None:
        permission.add_user_principal("alice", "group:a")
        permission.add_user_principal("system.Authenticated", "group:all")
        permission.add_principal_to_ace("/buckets/b1", "read", "alice")
        permission.flush()
        assert permission.get_user_principals("alice") == set()
        assert permission.get_object_permissions("/buckets/b1") == {}
        assert permission.get_accessible_objects(["alice"]) == {}

    def test_heartbeat_succeeds_and_leaves_nothing(self, permission: PermissionBase) -> None:
        assert heartbeat(permission)(_request()) is True
        assert permission.get_user_principals("__heartbeat__") == set()

    def test_heartbeat_succeeds_in_readonly_mode(self, permission: PermissionBase) -> None:
        assert heartbeat(permission)(_request(readonly="true")) is True
