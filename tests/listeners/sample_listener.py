"""A listener plug-in for the tests: it keeps every event it receives.

Options under its prefix: ``fail = true`` makes every delivery raise.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator

from strato.listeners import ListenerBase
from strato.settings import as_bool

#: Events received, per settings prefix (``event_listeners.<name>.``).
RECEIVED: dict[str, list[Any]] = {}


class RecordingListener(ListenerBase):
    def __init__(self, prefix: str, fail: bool) -> None:
        self.prefix = prefix
        self.fail = fail

    def __call__(self, event: Any) -> None:
        if self.fail:
            raise RuntimeError("the listener is broken")
        RECEIVED.setdefault(self.prefix, []).append(event)


def load_from_config(config: Configurator, prefix: str) -> RecordingListener:
    settings = config.get_settings()
    return RecordingListener(prefix, as_bool(settings.get(f"{prefix}fail", False)))
