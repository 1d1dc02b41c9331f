"""What every topic of the permission suite shares."""

from __future__ import annotations

import pytest

from strato.permission import PermissionBase


class SuiteBase:
    """Declares the ``permission`` fixture that concrete suites must override."""

    @pytest.fixture
    def permission(self) -> PermissionBase:
        """Override with a fixture returning an empty backend (and cleaning up)."""
        raise NotImplementedError(
            "subclass strato.permission.testing.PermissionTest and define a "
            "`permission` fixture returning the backend under test"
        )
