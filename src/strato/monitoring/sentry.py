"""Sentry error reporting, initialised only when ``sentry_dsn`` is set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["init"]


def init(settings: Mapping[str, Any]) -> None:
    """Initialise sentry-sdk with the Pyramid integration."""
    import logging

    import sentry_sdk
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.pyramid import PyramidIntegration

    sentry_sdk.init(
        dsn=settings["sentry_dsn"],
        environment=settings.get("sentry_env"),
        send_default_pii=False,
        integrations=[
            PyramidIntegration(),
            LoggingIntegration(
                level=logging.getLevelName(settings.get("sentry_breadcrumbs_min_level", "DEBUG")),
                event_level=logging.getLevelName(
                    settings.get("sentry_events_min_level", "WARNING")
                ),
            ),
        ],
    )
