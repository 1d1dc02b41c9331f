"""Event listeners: plug-ins told about resource changes, loaded from settings.

A listener forwards resource events somewhere else (a queue, a webhook,
an e-mail). Operators choose them in the INI file::

    event_listeners = audit tests.listeners.sample_listener
    event_listeners.audit.use = myservice.audit_listener
    event_listeners.audit.actions = create delete
    event_listeners.audit.resources = article comment

Each name either has an ``event_listeners.<name>.use`` module, or is
itself a dotted module name (its last segment then names its settings:
``event_listeners.sample_listener.*``). The module exposes
``load_from_config(config, prefix) -> listener``; ``prefix`` is
``event_listeners.<name>.`` so the listener reads its own options.

Delivery rules a listener author may rely on:

- A listener receives :class:`strato.events.AfterResourceChanged` events
  (actions ``create``, ``update``, ``delete`` by default), and
  :class:`strato.events.AfterResourceRead` events only when ``read`` is
  listed in ``actions``. Both are sent after the request's transaction
  committed: a rolled-back request never reaches a listener, so external
  work never announces data that does not exist.
- ``resources`` (resource names) narrows delivery; empty means all.
- An exception raised by a listener is logged and counted
  (``listeners.<name>.failure``), never turned into an error response, and
  does not keep other listeners from receiving the event. Each delivery is
  timed as ``listeners.<name>``.

Values are read from the settings as loaded from the INI file (an
environment variable overrides a listener key only when the INI sets it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pyramid.config import Configurator

from strato.errors import ConfigurationError
from strato.events import ACTIONS, AfterResourceChanged, AfterResourceRead
from strato.monitoring import logging as strato_logging
from strato.monitoring.metrics import get_metrics
from strato.settings import as_list

__all__ = ["DEFAULT_ACTIONS", "Listener", "ListenerBase", "setup"]

#: What a listener receives when its ``actions`` setting is absent.
DEFAULT_ACTIONS = (ACTIONS.CREATE, ACTIONS.UPDATE, ACTIONS.DELETE)

_WRITE_ACTIONS = frozenset(DEFAULT_ACTIONS)

logger = strato_logging.get_logger("strato.listeners")


class Listener(Protocol):
    """What ``load_from_config(config, prefix)`` must return: a callable."""

    def __call__(self, event: Any) -> None: ...


class ListenerBase:
    """Base class for listener plug-ins (for plug-in authors).

    Subclass it, implement :meth:`__call__`, and return an instance from
    the module's ``load_from_config(config, prefix)``. The event has
    ``payload`` (``action``, ``resource_name``, ``uri``, ``user_id``,
    ``timestamp``, parent ids), the ``request``, and ``impacted_objects``
    (changes) or ``read_objects`` (reads).
    """

    def __call__(self, event: Any) -> None:
        """Handle one event; exceptions are logged and counted, never re-raised."""
        raise NotImplementedError


def _load_listener(config: Configurator, name: str) -> tuple[str, Listener]:
    settings = config.get_settings()
    dotted = settings.get(f"event_listeners.{name}.use")
    key = name
    if not dotted:
        dotted = name
        key = name.rsplit(".", 1)[-1]
    setting = f"event_listeners.{name}.use" if dotted != name else "event_listeners"
    try:
        module = config.maybe_dotted(dotted)
    except ImportError as exc:
        hint = "" if dotted != name else f"; or set event_listeners.{name}.use"
        raise ConfigurationError(
            f"Setting {setting!r}: cannot import {dotted!r} ({exc}{hint})"
        ) from exc
    factory = getattr(module, "load_from_config", None)
    if not callable(factory):
        raise ConfigurationError(
            f"Setting {setting!r}: {dotted!r} has no load_from_config(config, prefix)"
        )
    listener = factory(config, f"event_listeners.{key}.")
    if not callable(listener):
        raise ConfigurationError(
            f"Setting {setting!r}: {dotted!r} load_from_config() did not return a callable"
        )
    return key, listener


def _actions(settings: Any, key: str) -> frozenset[ACTIONS]:
    name = f"event_listeners.{key}.actions"
    raw = settings.get(name)
    if raw is None:
        return frozenset(DEFAULT_ACTIONS)
    try:
        return frozenset(ACTIONS.from_string_list(as_list(raw, name)))
    except ValueError:
        expected = ", ".join(a.value for a in ACTIONS)
        raise ConfigurationError(
            f"Setting {name!r}: expected actions among {expected}, got {raw!r}"
        ) from None


def _deliverer(
    key: str, listener: Listener, actions: frozenset[ACTIONS], resources: Sequence[str]
) -> Callable[[Any], None]:
    wanted_actions = {action.value for action in actions}
    wanted_resources = frozenset(resources)

    def deliver(event: Any) -> None:
        payload = event.payload
        if payload.get("action") not in wanted_actions:
            return
        if wanted_resources and payload.get("resource_name") not in wanted_resources:
            return
        metrics = get_metrics(event.request.registry)
        try:
            with metrics.timer("listeners", labels=[("name", key)]):
                listener(event)
        except Exception:
            logger.exception("Listener failed", listener=key, resource_event=repr(event))
            metrics.count("listeners", unique=[("name", key), ("outcome", "failure")])
        else:
            metrics.count("listeners", unique=[("name", key), ("outcome", "success")])

    deliver.__name__ = f"deliver_to_{key}"
    return deliver


def setup(config: Configurator) -> None:
    """Load each listener named in ``event_listeners`` (none by default).

    Raises :class:`ConfigurationError` when a module cannot be imported,
    has no ``load_from_config``, or an ``actions`` value is unknown.
    """
    settings = config.get_settings()
    for name in as_list(settings.get("event_listeners"), "event_listeners"):
        key, listener = _load_listener(config, name)
        actions = _actions(settings, key)
        resources = as_list(
            settings.get(f"event_listeners.{key}.resources"), f"event_listeners.{key}.resources"
        )
        deliver = _deliverer(key, listener, actions, resources)
        if actions & _WRITE_ACTIONS:
            config.add_subscriber(deliver, AfterResourceChanged)
        if ACTIONS.READ in actions:
            config.add_subscriber(deliver, AfterResourceRead)
