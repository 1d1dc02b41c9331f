"""Under CI a missing PostgreSQL fails the SQL tests; elsewhere it skips them."""

from __future__ import annotations

import pytest

from tests.sql import require_postgresql

# Nothing listens on port 1: connecting is refused at once.
NOWHERE = "postgresql+psycopg2://postgres@127.0.0.1:1/test"


@pytest.mark.parametrize("value", ["true", "1", "yes"])
def test_a_missing_server_fails_under_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_postgresql(NOWHERE)


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_a_missing_server_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception):
        require_postgresql(NOWHERE)
