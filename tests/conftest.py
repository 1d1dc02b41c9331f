"""Shared fixtures: strato apps built by the same ``initialize()`` a service calls.

The foundation tests run without backends (every ``*_backend`` setting
empty), so they exercise the core wiring only.
"""

from __future__ import annotations

import json
import logging
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import webtest

from strato.testing import make_webtest

#: Settings of an app without storage, permission or cache backend.
NO_BACKENDS: dict[str, Any] = {
    "storage_backend": "",
    "permission_backend": "",
    "cache_backend": "",
}

AppFactory = Callable[..., webtest.TestApp]


@pytest.fixture
def make_app() -> AppFactory:
    """Build a test app: ``make_app(settings=None, includeme=None, **make_webtest_kw)``."""

    def factory(
        settings: dict[str, Any] | None = None,
        includeme: Any = None,
        **kw: Any,
    ) -> webtest.TestApp:
        return make_webtest(includeme, settings={**NO_BACKENDS, **(settings or {})}, **kw)

    return factory


@pytest.fixture
def app(make_app: AppFactory) -> webtest.TestApp:
    """The default app; relative URLs get the ``/v1`` prefix."""
    return make_app()


@pytest.fixture
def raw_app(make_app: AppFactory) -> webtest.TestApp:
    """The default app, URLs taken as they are (no automatic ``/v1``)."""
    return make_app(prefixed=False)


@pytest.fixture
def plugin_module(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Register a throw-away importable module; returns its dotted name.

    ``plugin_module("name", includeme=func, other=obj)`` makes
    ``name.includeme`` etc. importable for ``includes`` and
    ``initialization_sequence`` settings.
    """

    def register(name: str, **attributes: Any) -> str:
        module = types.ModuleType(name)
        for key, value in attributes.items():
            setattr(module, key, value)
        monkeypatch.setitem(sys.modules, name, module)
        return name

    return register


@pytest.fixture
def summary_lines(
    caplog: pytest.LogCaptureFixture,
) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Return a function listing the ``request.summary`` lines logged so far."""
    caplog.set_level(logging.INFO, logger="request.summary")

    def lines() -> list[dict[str, Any]]:
        return [
            json.loads(record.getMessage())
            for record in caplog.records
            if record.name == "request.summary"
        ]

    yield lines
