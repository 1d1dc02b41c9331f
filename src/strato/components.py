"""Typed access to the pieces an application is assembled from.

Start-up steps put the storage, permission and cache backends, heartbeat
checks, capabilities and the list of public settings into one
:class:`Components` object registered as a Pyramid utility. Views, plug-ins
and tests reach them through :func:`get_components` instead of ad-hoc
registry attributes, so a missing piece is an explicit ``None`` and type
checkers know what they hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyramid.interfaces import IRequest
from pyramid.registry import Registry
from zope.interface import Interface

if TYPE_CHECKING:
    from strato.cache import CacheBase
    from strato.permission import PermissionBase
    from strato.storage import StorageBase

__all__ = ["Components", "HeartbeatCheck", "get_components"]

#: A heartbeat check: takes the request, returns True/None when healthy.
HeartbeatCheck = Callable[[Any], "bool | None"]


class IComponents(Interface):
    """Marker interface of the :class:`Components` utility."""


@dataclass
class Components:
    """What a running strato application is made of."""

    storage: StorageBase | None = None
    permission: PermissionBase | None = None
    cache: CacheBase | None = None
    heartbeats: dict[str, HeartbeatCheck] = field(default_factory=dict)
    capabilities: dict[str, dict[str, Any]] = field(default_factory=dict)
    public_settings: set[str] = field(
        default_factory=lambda: {"batch_max_requests", "readonly", "explicit_permissions"}
    )
    id_generators: dict[str, Any] = field(default_factory=dict)
    #: Names of the authentication policies that advertise themselves in hello.
    authentication_policies: list[str] = field(default_factory=list)
    #: Values computed once per application by views (version file, OpenAPI).
    memo: dict[str, Any] = field(default_factory=dict)


def get_components(registry_or_request: Registry | IRequest) -> Components:
    """Return the :class:`Components` of an application (registry or request)."""
    registry = getattr(registry_or_request, "registry", registry_or_request)
    components: Components | None = registry.queryUtility(IComponents)
    if components is None:
        components = Components()
        registry.registerUtility(components, IComponents)
    return components
