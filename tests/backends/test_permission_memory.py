import pytest

from strato.permission.memory import MemoryPermission
from strato.permission.testing import PermissionTest


class TestMemoryPermission(PermissionTest):
    @pytest.fixture
    def permission(self) -> MemoryPermission:
        return MemoryPermission()
