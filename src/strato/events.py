"""Resource events: what changed, told to subscribers and listeners.

During a request, the resource layer *stacks* one event per (resource,
parent, action) in ``request.bound_data`` (a batch shares it with its
subrequests, so a whole batch produces one event per key). When the view
has answered successfully:

- :class:`ResourceRead` / :class:`ResourceChanged` are notified inside the
  transaction; a subscriber raising aborts the request (and rolls back).
- :class:`AfterResourceRead` / :class:`AfterResourceChanged` are notified
  after a successful commit only; their exceptions are logged and swallowed.
  Listeners doing external work (queues, e-mails) subscribe to these.

A failed request (status >= 400 or an exception) emits nothing.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from strato import transaction

__all__ = [
    "ACTIONS",
    "AfterResourceChanged",
    "AfterResourceRead",
    "ResourceChanged",
    "ResourceRead",
    "notify_resource_event",
    "setup",
]

logger = logging.getLogger(__name__)

_EVENTS_KEY = "resource_events"


class ACTIONS(enum.StrEnum):
    """What happened to the objects of an event."""

    CREATE = "create"
    DELETE = "delete"
    READ = "read"
    UPDATE = "update"

    @staticmethod
    def from_string_list(values: Iterable[str]) -> tuple[ACTIONS, ...]:
        return tuple(ACTIONS(v) for v in values)


class _ResourceEvent:
    def __init__(self, payload: dict[str, Any], request: Request) -> None:
        self.payload = payload
        self.request = request

    def __repr__(self) -> str:
        return f"<{type(self).__name__} action={self.payload['action']} uri={self.payload['uri']}>"


class _ReadEvent(_ResourceEvent):
    def __init__(self, payload: dict[str, Any], read_objects: list[Any], request: Request):
        super().__init__(payload, request)
        self.read_objects = read_objects


class _ChangeEvent(_ResourceEvent):
    def __init__(
        self, payload: dict[str, Any], impacted_objects: list[dict[str, Any]], request: Request
    ):
        super().__init__(payload, request)
        self.impacted_objects = impacted_objects


# The "after" classes deliberately do not derive from the in-transaction
# ones: Pyramid hands an event to the subscribers of every base class, and a
# ResourceChanged subscriber must not run a second time after the commit.


class ResourceRead(_ReadEvent):
    """Objects were read (inside the transaction)."""


class ResourceChanged(_ChangeEvent):
    """Objects were created, updated or deleted (inside the transaction)."""


class AfterResourceRead(_ReadEvent):
    """Like :class:`ResourceRead`, after the transaction committed."""


class AfterResourceChanged(_ChangeEvent):
    """Like :class:`ResourceChanged`, after the transaction committed."""


def _strip_permissions(obj: Any) -> Any:
    if isinstance(obj, dict) and "__permissions__" in obj:
        obj = {k: v for k, v in obj.items() if k != "__permissions__"}
    return obj


def notify_resource_event(
    request: Request,
    parent_id: str,
    timestamp: int,
    data: Any,
    action: ACTIONS | str,
    old: Any = None,
    resource_name: str | None = None,
    resource_data: dict[str, Any] | None = None,
) -> None:
    """Stack an event for the current request (merged with same-key events).

    ``data`` is the object (or, for reads, the list of objects); ``old``
    its previous version for updates and deletions. ``resource_data``
    (``{"uri": ..., plus matchdict values}``) defaults to the current route's.
    """
    action = ACTIONS(action)
    if resource_name is None:
        resource_name = getattr(request, "current_resource_name", None) or ""
    if resource_data is None:
        resource_data = _resource_data(request, resource_name)
    payload = {
        "timestamp": timestamp,
        "action": action.value,
        "uri": resource_data.get("uri", ""),
        "user_id": request.prefixed_userid,
        "resource_name": resource_name,
        **{k: v for k, v in resource_data.items() if k != "uri"},
    }
    if action is ACTIONS.READ:
        impacted: list[Any] = [_strip_permissions(o) for o in (data or [])]
    elif action is ACTIONS.CREATE:
        impacted = [{"new": _strip_permissions(data)}]
    else:
        impacted = [{"new": _strip_permissions(data), "old": _strip_permissions(old)}]

    events = request.bound_data.setdefault(_EVENTS_KEY, {})
    key = (resource_name, parent_id, action.value)
    if key in events:
        existing_payload, objects = events[key]
        existing_payload["timestamp"] = max(existing_payload["timestamp"], timestamp)
        objects.extend(impacted)
    else:
        events[key] = (payload, impacted)


def _resource_data(request: Request, resource_name: str) -> dict[str, Any]:
    matchdict = dict(request.matchdict or {})
    if "id" in matchdict:
        matchdict[f"{resource_name}_id"] = matchdict.pop("id")
    prefix = "/" + request.registry.settings.get("route_prefix_path", "").strip("/")
    path = request.path
    uri = path
    if prefix != "/" and path.startswith(prefix):
        uri = path[len(prefix) :]
    else:
        parts = path.split("/", 2)
        if len(parts) > 2 and parts[1][:1] == "v" and parts[1][1:].isdigit():
            uri = "/" + parts[2]
    return {"uri": uri, **matchdict}


def _build(request: Request, after: bool) -> list[_ResourceEvent]:
    built: list[_ResourceEvent] = []
    for (_, _, action), (payload, objects) in request.bound_data.get(_EVENTS_KEY, {}).items():
        if action == ACTIONS.READ.value:
            cls: Any = AfterResourceRead if after else ResourceRead
        else:
            cls = AfterResourceChanged if after else ResourceChanged
        built.append(cls(dict(payload), list(objects), request))
    return built


def _events_tween_factory(handler: Callable[[Request], Response], registry: Any) -> Any:
    def tween(request: Request) -> Response:
        response = handler(request)
        if response.status_code >= 400 or not request.bound_data.get(_EVENTS_KEY):
            return response
        # Subscribers may stack new events (cascades); notify those too,
        # level by level, never merging them with the level above.
        notified: list[_ResourceEvent] = []
        while request.bound_data.get(_EVENTS_KEY):
            level = _build(request, after=False)
            after_level = _build(request, after=True)
            request.bound_data[_EVENTS_KEY] = {}
            for event in level:
                registry.notify(event)
            notified.extend(after_level)

        tx = transaction.current()

        def send_after(success: bool) -> None:
            for event in notified:
                try:
                    registry.notify(event)
                except Exception:
                    logger.exception("After-commit event subscriber failed")

        if tx is not None:
            tx.add_after_commit_hook(send_after)
        return response

    return tween


class _ForActions:
    """Subscriber predicate ``for_actions=(ACTIONS.CREATE, ...)``."""

    def __init__(self, actions: Iterable[ACTIONS | str], config: Configurator) -> None:
        self.actions = tuple(ACTIONS(a) for a in actions)

    def text(self) -> str:
        return f"for_actions = {sorted(a.value for a in self.actions)}"

    phash = text

    def __call__(self, event: Any) -> bool:
        payload = getattr(event, "payload", None) or {}
        return payload.get("action") in {a.value for a in self.actions}


class _ForResources:
    """Subscriber predicate ``for_resources=("mushroom", ...)``."""

    def __init__(self, names: Iterable[str], config: Configurator) -> None:
        self.names = tuple(names)

    def text(self) -> str:
        return f"for_resources = {sorted(self.names)}"

    phash = text

    def __call__(self, event: Any) -> bool:
        payload = getattr(event, "payload", None) or {}
        return payload.get("resource_name") in self.names


def setup(config: Configurator) -> None:
    """Install the events tween (under the exception view: errors roll back).

    Also offers ``request.notify_resource_event()`` and the subscriber
    predicates ``for_actions`` and ``for_resources``::

        config.add_subscriber(on_change, ResourceChanged,
                              for_actions=(ACTIONS.CREATE,), for_resources=("food",))
    """
    from pyramid.tweens import EXCVIEW

    config.add_tween("strato.events._events_tween_factory", under=EXCVIEW)
    config.add_request_method(notify_resource_event, name="notify_resource_event")
    config.add_subscriber_predicate("for_actions", _ForActions)
    config.add_subscriber_predicate("for_resources", _ForResources)
