"""``GET /``: who the service is, what it can do, and who is asking."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from strato.components import get_components
from strato.service import Service

hello = Service(name="hello", path="/", description="Welcome")


@hello.get(permission=NO_PERMISSION_REQUIRED)
def get_hello(request: Request) -> dict[str, Any]:
    """Project name/version, API version, public settings, capabilities, user."""
    settings = request.registry.settings
    components = get_components(request)
    data: dict[str, Any] = {
        "project_name": settings["project_name"],
        "project_version": settings["project_version"],
        "http_api_version": settings["http_api_version"],
        "project_docs": settings["project_docs"],
        "url": request.route_url(hello.name),
    }
    if settings.get("eos"):
        data["eos"] = settings["eos"]
    data["settings"] = {name: settings.get(name) for name in sorted(components.public_settings)}
    # Names of the enabled authentication policies; [] = anonymous-only.
    data["authentication"] = {"policies": list(components.authentication_policies)}
    user = request.get_user_info()
    if user:
        data["user"] = user
    data["capabilities"] = dict(components.capabilities)

    if settings.get("readonly"):
        request.response.cache_expires(int(settings["root_cache_expires_seconds"]))
    return data
