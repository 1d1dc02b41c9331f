"""Helpers for testing services built with strato (and strato itself).

Service authors use :func:`make_webtest` or subclass :class:`BaseWebTest`
to run their API under WebTest with the memory backends, exactly as
``initialize()`` wires it in production.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

import webtest
from pyramid.config import Configurator

import strato

__all__ = [
    "MEMORY_SETTINGS",
    "BaseWebTest",
    "assert_formatted_error",
    "get_user_headers",
    "make_webtest",
]

#: Settings that put every backend in memory.
MEMORY_SETTINGS: dict[str, Any] = {
    "storage_backend": "strato.storage.memory",
    "permission_backend": "strato.permission.memory",
    "cache_backend": "strato.cache.memory",
    "userid_hmac_secret": "test-secret",
}


def get_user_headers(user: str, password: str = "secret") -> dict[str, str]:
    """Basic auth headers for ``user``."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def assert_formatted_error(
    response: Any,
    code: int,
    errno: int,
    error: str | None = None,
    message: str | None = None,
    info: str | None = None,
) -> None:
    """Check that ``response`` carries strato's JSON error body."""
    assert response.status_code == code, response.status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json
    assert body["code"] == code
    assert body["errno"] == errno
    if error is not None:
        assert body["error"] == error
    if message is not None:
        assert message in body["message"], body
    if info is not None:
        assert info in body["info"]


class _PrefixedTestApp(webtest.TestApp):  # type: ignore[misc]
    """A TestApp that adds the API prefix to relative paths."""

    def __init__(self, app: Any, prefix: str, **kw: Any) -> None:
        super().__init__(app, **kw)
        self.api_prefix = prefix

    def _prefixed(self, url: str) -> str:
        prefix = self.api_prefix
        if prefix and url.startswith("/") and not url.startswith(f"{prefix}/") and url != prefix:
            return prefix + url
        return url

    def do_request(self, req: Any, status: Any = None, expect_errors: Any = None) -> Any:
        # Work on the raw WSGI string: a test may send non-UTF-8 path bytes.
        req.environ["PATH_INFO"] = self._prefixed(req.environ.get("PATH_INFO", ""))
        return super().do_request(req, status=status, expect_errors=expect_errors)


def make_webtest(
    includeme: Callable[[Configurator], None] | str | None = None,
    settings: Mapping[str, Any] | None = None,
    *,
    version: str = "1.0.0",
    project_name: str = "testapp",
    prefixed: bool = True,
    environ: Mapping[str, str] | None = None,
    default_settings: Mapping[str, Any] | None = None,
) -> webtest.TestApp:
    """Build a WSGI app the way a service would and wrap it in WebTest.

    ``includeme`` (a callable or dotted name) registers the service's own
    views; ``settings`` are the INI values (memory backends by default).
    When ``prefixed``, relative URLs get the ``/vN`` prefix automatically.
    """
    all_settings = {**MEMORY_SETTINGS, **(settings or {})}
    config = Configurator(settings=all_settings)
    strato.initialize(
        config,
        version=version,
        project_name=project_name,
        environ=environ if environ is not None else {},
        default_settings=default_settings,
    )
    if includeme is not None:
        config.include(includeme)
    app = strato.install_middlewares(config.make_wsgi_app(), config.get_settings())
    prefix = "/" + config.route_prefix if prefixed else ""
    return _PrefixedTestApp(app, prefix)


class BaseWebTest:
    """Base class for pytest test classes exercising a service over HTTP.

    Subclasses set ``includeme`` (their app's wiring) and optionally
    ``settings``; each test gets a fresh ``self.app``.
    """

    includeme: Callable[[Configurator], None] | str | None = None
    settings: Mapping[str, Any] = {}
    headers: Mapping[str, str] = {"Content-Type": "application/json"}

    def setup_method(self) -> None:
        self.app = make_webtest(self.includeme, self.settings)
