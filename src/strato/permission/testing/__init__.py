"""Conformance suite for permission backends.

Every backend, ours and third parties', proves it honours
:class:`~strato.permission.PermissionBase` by passing :class:`PermissionTest`
unchanged. Subclass it in a test module and provide a ``permission``
fixture that returns an empty backend and cleans up after the test::

    import pytest

    from strato.permission.memory import MemoryPermission
    from strato.permission.testing import PermissionTest


    class TestMemoryPermission(PermissionTest):
        @pytest.fixture
        def permission(self):
            return MemoryPermission()

The topic classes are exported too, for a backend that must run one topic
alone. To override a single test honestly, redefine it in the subclass and
say in its docstring why the backend differs.
"""

from __future__ import annotations

from strato.permission.testing.access import AccessSuite
from strato.permission.testing.aces import AceSuite
from strato.permission.testing.interface import InterfaceSuite
from strato.permission.testing.principals import UserPrincipalsSuite
from strato.permission.testing.purge import PurgeSuite

__all__ = [
    "AccessSuite",
    "AceSuite",
    "InterfaceSuite",
    "PermissionTest",
    "PurgeSuite",
    "UserPrincipalsSuite",
]


class PermissionTest(InterfaceSuite, UserPrincipalsSuite, AceSuite, AccessSuite, PurgeSuite):
    """Every topic of the permission suite; inherit it to test a backend."""
