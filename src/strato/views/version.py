"""``GET /__version__``: the deployed build, from a JSON file."""

from __future__ import annotations

import json
import os
from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from strato.components import get_components
from strato.errors import ERRORS, http_error
from strato.service import Service

version = Service(name="version", path="/__version__", description="Deployed version")


def _candidate_paths(request: Request) -> list[str]:
    configured = request.registry.settings.get("version_json_path") or "version.json"
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return [configured, os.path.join(package_dir, "version.json")]


@version.get(permission=NO_PERMISSION_REQUIRED)
def get_version(request: Request) -> Any:
    """Serve the version file; a missing or unreadable file is a JSON 404."""
    memo = get_components(request).memo
    if "version" in memo:
        return memo["version"]
    for path in _candidate_paths(request):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        memo["version"] = data
        return data
    raise http_error(
        HTTPNotFound(),
        errno=ERRORS.MISSING_RESOURCE,
        message="No version information is available on this server.",
    )
