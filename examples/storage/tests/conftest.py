"""Fixtures of the storage service tests: WebTest apps and live servers.

Every app runs on the memory backends with Basic auth, accounts, JSON
schema validation, ``/permissions`` and ``/__flush__`` enabled, unless a
test overrides settings.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from typing import Any

import bcrypt
import pytest
import webtest
from storage_service import main
from waitress.server import create_server

from strato.authentication import hmac_digest

SECRET = "test-secret"

SETTINGS: dict[str, str] = {
    "storage_backend": "strato.storage.memory",
    "permission_backend": "strato.permission.memory",
    "cache_backend": "strato.cache.memory",
    "userid_hmac_secret": SECRET,
    "multiauth.policies": "account basicauth",
    "multiauth.policy.account.use": "storage_service.accounts.AccountsPolicy",
    "accounts_enabled": "true",
    "account_create_principals": "system.Everyone",
    "account_write_principals": "account:admin",
    "experimental_collection_schema_validation": "true",
    "experimental_permissions_endpoint": "true",
    "flush_endpoint_enabled": "true",
}

AppFactory = Callable[..., webtest.TestApp]


def build_wsgi_app(**overrides: Any) -> Any:
    """The service's WSGI app, as ``pserve`` would build it."""
    return main({}, **{**SETTINGS, **overrides})


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cheapest bcrypt cost: tests hash many passwords."""
    gensalt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": gensalt(4, prefix))


@pytest.fixture
def make_wsgi_app() -> Callable[..., Any]:
    """``make_wsgi_app(**settings)``: the bare WSGI app, to wrap in test middlewares."""
    return build_wsgi_app


@pytest.fixture
def make_app() -> AppFactory:
    """``make_app(**settings)``: a WebTest app with these settings overriding the defaults."""

    def factory(**overrides: Any) -> webtest.TestApp:
        return webtest.TestApp(build_wsgi_app(**overrides))

    return factory


@pytest.fixture
def app(make_app: AppFactory) -> webtest.TestApp:
    return make_app()


@pytest.fixture
def auth() -> Callable[..., dict[str, str]]:
    """``auth(user, password="secret")``: Basic auth headers."""

    def headers(user: str, password: str = "secret") -> dict[str, str]:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}

    return headers


@pytest.fixture
def basic_userid() -> Callable[..., str]:
    """``basic_userid(user, password="secret")``: the principal Basic auth gives them."""

    def userid(user: str, password: str = "secret") -> str:
        return "basicauth:" + hmac_digest(SECRET, f"{user}:{password}")

    return userid


@pytest.fixture
def live_server() -> Iterator[Callable[..., str]]:
    """``live_server(wsgi_app=None, **settings)``: serve an app, return its ``/v1`` URL.

    Each server runs waitress in a thread on a free port of 127.0.0.1 and
    is stopped at the end of the test.
    """
    servers: list[tuple[Any, dict[int, Any], threading.Thread]] = []

    def start(wsgi_app: Any = None, **overrides: Any) -> str:
        wsgi_app = wsgi_app if wsgi_app is not None else build_wsgi_app(**overrides)
        # Our own socket map, to close client connections kept alive too.
        sockets: dict[int, Any] = {}
        server = create_server(
            wsgi_app, map=sockets, host="127.0.0.1", port=0, threads=4, asyncore_loop_timeout=0.1
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, sockets, thread))
        return f"http://127.0.0.1:{server.effective_port}/v1"

    yield start
    for server, sockets, thread in servers:

        def close_all(sockets: dict[int, Any] = sockets) -> None:
            for channel in list(sockets.values()):
                channel.close()

        # Run by the server's own thread: closing sockets under a running
        # select() from another thread would break it.
        try:
            server.trigger.pull_trigger(close_all)
        except OSError:
            # The loop has already stopped and closed its trigger: nothing
            # runs select() any more, so close what is left from here.
            close_all()
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the test server did not stop"
