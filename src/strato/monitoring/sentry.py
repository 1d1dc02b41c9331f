"""Sentry error reporting, initialised only when ``sentry_dsn`` is set.

Unexpected errors (the 500s) are reported through sentry-sdk's Pyramid
integration; log records reach Sentry through its logging integration,
as breadcrumbs from ``sentry_breadcrumbs_min_level`` and as events from
``sentry_events_min_level``. Every event raised while serving a request
carries the request's id as the ``request_id`` tag, the same id as the
``X-Request-Id`` response header and the ``rid`` of the logs, so a report
leads straight to its log lines.

No credentials leave the process: sentry-sdk collects no personal data
(``send_default_pii=False``, the default), and :func:`scrub_event` removes from
every event the ``Authorization``/``Cookie`` headers, any value stored
under a sensitive name (password, secret, token, ...) and any text that
looks like an ``Authorization`` header value.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.tweens import INGRESS

from strato.errors import ConfigurationError
from strato.monitoring import logging as strato_logging

__all__ = ["FILTERED", "init", "request_id_tween_factory", "scrub_event", "setup"]

#: What replaces a scrubbed value.
FILTERED = "[Filtered]"

_SENSITIVE_NAME = re.compile(
    r"authori[sz]ation|cookie|passw|secret|token|credential|api[_-]?key|session|signature",
    re.IGNORECASE,
)
_CREDENTIAL_TEXT = re.compile(
    r"\b(basic|bearer|digest|hawk|negotiate)\s+[A-Za-z0-9._~+/=\-]{6,}", re.IGNORECASE
)
_QUERY_PAIR = re.compile(r"(^|&)([^=&]+)=([^&]*)")


def _level(name: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    level = logging.getLevelName(str(value).strip().upper())
    if not isinstance(level, int):
        raise ConfigurationError(
            f"Setting {name!r}: expected a log level name (DEBUG, INFO, ...), got {value!r}"
        )
    return level


def _scrub_text(text: str) -> str:
    return _CREDENTIAL_TEXT.sub(lambda m: f"{m.group(1)} {FILTERED}", text)


def _scrub_query(query: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if _SENSITIVE_NAME.search(match.group(2)):
            return f"{match.group(1)}{match.group(2)}={FILTERED}"
        return match.group(0)

    return _QUERY_PAIR.sub(replace, query)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: FILTERED if _SENSITIVE_NAME.search(str(key)) else _scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        # Headers may be a list of [name, value] pairs.
        if (
            len(value) == 2
            and isinstance(value[0], str)
            and _SENSITIVE_NAME.search(value[0])
            and isinstance(value[1], str)
        ):
            return [value[0], FILTERED]
        return [_scrub(item) for item in value]
    if isinstance(value, str):
        return _scrub_text(value)
    return value


def scrub_event(event: dict[str, Any], hint: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Remove credentials from a Sentry event (the ``before_send`` hook).

    Returns the event to send; it is never dropped.
    """
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        query = request.get("query_string")
        if isinstance(query, str):
            request["query_string"] = _scrub_query(query)
    return _scrub(event)  # type: ignore[no-any-return]


def init(settings: Mapping[str, Any], **options: Any) -> None:
    """Initialise sentry-sdk from the ``sentry_*`` settings.

    ``options`` are passed on to :func:`sentry_sdk.init` and win over the
    settings (service authors may add integrations or a ``release``).
    Raises :class:`ConfigurationError` on an unknown log level.
    """
    import sentry_sdk
    from sentry_sdk.consts import DEFAULT_OPTIONS
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.pyramid import PyramidIntegration

    integrations: list[Any] = [
        PyramidIntegration(),
        LoggingIntegration(
            level=_level(
                "sentry_breadcrumbs_min_level",
                settings.get("sentry_breadcrumbs_min_level", "DEBUG"),
            ),
            event_level=_level(
                "sentry_events_min_level", settings.get("sentry_events_min_level", "WARNING")
            ),
        ),
    ]
    try:
        from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
    except Exception:  # pragma: no cover - SQLAlchemy missing
        pass
    else:
        integrations.append(SqlalchemyIntegration())

    release = None
    if settings.get("project_name") and settings.get("project_version"):
        release = f"{settings['project_name']}@{settings['project_version']}"
    arguments: dict[str, Any] = {
        "dsn": settings["sentry_dsn"],
        "environment": settings.get("sentry_env"),
        "release": release,
        "before_send": scrub_event,
        "integrations": integrations,
    }
    if "data_collection" not in DEFAULT_OPTIONS:
        # Older SDKs: say it explicitly. Newer ones deprecate the flag and
        # collect no personal data unless ``data_collection`` asks for it.
        arguments["send_default_pii"] = False
    arguments.update(options)
    sentry_sdk.init(**arguments)


def request_id_tween_factory(
    handler: Callable[[Request], Response], registry: Any
) -> Callable[[Request], Response]:
    """Tween tagging every event reported during a request with its id."""
    import sentry_sdk

    def tween(request: Request) -> Response:
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("request_id", strato_logging.request_id(request))
            return handler(request)

    return tween


def setup(config: Configurator) -> None:
    """Initialise Sentry and install the request id tween (needs ``sentry_dsn``)."""
    init(config.get_settings())
    config.add_tween(
        "strato.monitoring.sentry.request_id_tween_factory",
        under=("strato.monitoring.logging.request_summary_tween_factory", INGRESS),
    )
