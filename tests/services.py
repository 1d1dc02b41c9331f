"""Reaching the real PostgreSQL and Redis servers from the tests.

A test that needs a server skips when it does not answer, except under CI
(``CI`` set to anything but false): there a missing server is a failure,
never a silent skip.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

#: The Redis server of the tests (a database number is appended per suite).
REDIS_SERVER = os.environ.get("STRATO_TEST_REDIS_URL", "redis://127.0.0.1:6379")
#: The pytest-xdist worker running this process, for per-worker key prefixes.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def ci() -> bool:
    """True when running under CI, where a missing server is a failure."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(service: str, reason: object) -> NoReturn:
    """Skip the test because ``service`` does not answer (fail under CI)."""
    message = f"{service} is not available: {reason}"
    if ci():
        pytest.fail(f"{message} (CI is set: these tests must run)", pytrace=False)
    pytest.skip(message)
