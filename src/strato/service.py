"""The cornice ``Service`` every strato endpoint is declared with.

It differs from cornice's in three ways that matter to clients:

- errors are rendered by :func:`strato.errors.json_error_handler` (errno 107);
- responses use strato's JSON renderer (``application/json``, no charset);
- CORS is on by default, with origins and max-age read from the settings
  of the application serving the request (``cors_origins``,
  ``cors_max_age_seconds``), so the same module-level service object can be
  served by several apps with different settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cornice
from pyramid.threadlocal import get_current_registry

from strato.errors import json_error_handler

__all__ = ["EXPOSED_HEADERS", "Service"]

#: Headers exposed to browsers on every response of a service.
EXPOSED_HEADERS = ("Backoff", "Retry-After", "Alert", "Content-Length", "Content-Type")


class Service(cornice.Service):  # type: ignore[misc]
    """A cornice service wired to strato's errors, renderer and CORS settings.

    Service authors use it exactly like :class:`cornice.Service`; passing
    ``cors_origins`` explicitly pins the origins of that service regardless of
    settings.
    """

    renderer = "strato_json"
    default_cors_headers = EXPOSED_HEADERS

    def __init__(self, name: str, path: str | None = None, **kw: Any) -> None:
        self._pinned_origins = tuple(kw.pop("cors_origins", ()) or ())
        kw.setdefault("error_handler", json_error_handler)
        kw.setdefault("depth", 2)
        super().__init__(name, path=path, **kw)

    def _configured_origins(self) -> tuple[str, ...]:
        if self._pinned_origins:
            return self._pinned_origins
        settings = get_current_registry().settings or {}
        origins = settings.get("cors_origins", ("*",))
        if isinstance(origins, str):
            origins = origins.split()
        return tuple(origins)

    @property
    def cors_enabled(self) -> bool:
        return self._cors_enabled is not False

    @cors_enabled.setter
    def cors_enabled(self, value: bool | None) -> None:
        self._cors_enabled = value

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return self._configured_origins()

    @cors_origins.setter
    def cors_origins(self, value: Iterable[str]) -> None:
        # cornice assigns the constructor's list here; origins come from
        # the settings of the serving app instead (see class docstring).
        pass

    @property
    def cors_supported_origins(self) -> set[str]:
        return set(self._configured_origins())

    def cors_origins_for(self, method: str) -> tuple[str, ...]:
        return self._configured_origins()

    def cors_max_age_for(self, method: str | None = None) -> int | None:
        settings = get_current_registry().settings or {}
        value = settings.get("cors_max_age_seconds", 3600)
        return None if value in (None, "") else int(value)
