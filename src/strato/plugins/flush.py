"""``POST /__flush__``: empty every backend (test and demo servers only).

Including this plug-in lets *anyone* delete all data: storage, permissions
and cache are flushed without any permission check. It exists for client
test suites that need a clean server between tests; never include it on a
server holding data worth keeping. Readonly servers refuse it (405).

The endpoint answers ``202 {}``, notifies :class:`ServerFlushed` and
advertises the ``flush_endpoint`` capability.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from strato.components import get_components
from strato.service import Service

__all__ = ["ServerFlushed", "includeme"]

_flush = Service(name="flush", path="/__flush__", description="Empty every backend")


class ServerFlushed:
    """Notified after ``POST /__flush__`` emptied the backends, inside its transaction."""

    def __init__(self, request: Request) -> None:
        self.request = request


@_flush.post(permission=NO_PERMISSION_REQUIRED)
def _post_flush(request: Request) -> dict[str, Any]:
    components = get_components(request)
    for backend in (components.storage, components.permission, components.cache):
        if backend is not None:
            backend.flush()
    request.registry.notify(ServerFlushed(request))
    request.response.status_code = 202
    return {}


def includeme(config: Configurator) -> None:
    """Serve ``POST /__flush__`` under the API prefix of ``config``."""
    config.add_cornice_service(_flush)
    config.add_api_capability(
        "flush_endpoint",
        description="POST /__flush__ deletes every object, permission and cached value.",
        url="https://kinto.readthedocs.io/en/stable/api/1.x/flush.html",
    )
