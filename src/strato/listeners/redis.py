"""Event listener appending resource events to a Redis stream.

Enable it in the settings::

    event_listeners = redis
    event_listeners.redis.use = strato.listeners.redis
    event_listeners.redis.url = redis://127.0.0.1:6379/0
    event_listeners.redis.stream = strato.events
    event_listeners.redis.maxlen = 100000

Each event becomes one stream entry with two fields, both JSON text:
``payload`` (the event's payload dict) and ``impacted_objects`` (the list of
objects, ``read_objects`` for read events). Consumers read the stream with
``XREAD`` or a consumer group (``XREADGROUP``) and may be written in any
language.

Settings, all under the listener's prefix:

- ``url`` (default ``redis://127.0.0.1:6379/0``);
- ``stream`` (default ``strato.events``): the stream key;
- ``maxlen`` (default: none): when set, older entries are trimmed so the
  stream keeps at most this many;
- ``pool_size`` and ``pool_timeout``: as for the Redis cache.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from pyramid.config import Configurator

from strato.cache.redis import RedisClient
from strato.errors import ConfigurationError
from strato.settings import as_optional_int

if TYPE_CHECKING:
    from redis.typing import EncodableT, FieldT

__all__ = ["DEFAULT_STREAM", "RedisStreamListener", "load_from_config"]

#: Stream key used when ``<prefix>stream`` is not set.
DEFAULT_STREAM = "strato.events"


class RedisStreamListener:
    """Callable appending each event it receives to one Redis stream.

    Call it with an event object exposing ``payload`` (a JSON-serializable
    dict) and ``impacted_objects`` or ``read_objects`` (a JSON-serializable
    list). It writes one entry per call, with ``XADD``, and returns the
    entry id. Redis failures raise :class:`~strato.storage.errors.BackendError`;
    values JSON cannot encode raise :class:`TypeError` before anything is
    written.
    """

    def __init__(
        self, client: RedisClient, stream: str = DEFAULT_STREAM, maxlen: int | None = None
    ) -> None:
        if not stream:
            raise ValueError("stream must be a non-empty key name")
        if maxlen is not None and (isinstance(maxlen, bool) or maxlen < 1):
            raise ValueError(f"maxlen must be a positive integer or None, got {maxlen!r}")
        self.client = client
        self.stream = stream
        self.maxlen = maxlen

    def __call__(self, event: Any) -> str:
        objects = getattr(event, "impacted_objects", None)
        if objects is None:
            objects = getattr(event, "read_objects", [])
        fields: dict[FieldT, EncodableT] = {
            "payload": json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False),
            "impacted_objects": json.dumps(
                list(objects), separators=(",", ":"), ensure_ascii=False
            ),
        }
        with self.client.translate_errors() as conn:
            # Exact trimming: consumers can rely on the stream holding at
            # most ``maxlen`` entries after each write.
            entry_id = cast(
                str, conn.xadd(self.stream, fields, maxlen=self.maxlen, approximate=False)
            )
        return entry_id

    def __repr__(self) -> str:
        return f"<RedisStreamListener {self.client.location} stream={self.stream!r}>"


def _listener_settings(settings: Mapping[str, Any], prefix: str) -> tuple[str, int | None]:
    stream = settings.get(f"{prefix}stream") or DEFAULT_STREAM
    maxlen = as_optional_int(settings.get(f"{prefix}maxlen"), f"{prefix}maxlen")
    if maxlen is not None and maxlen < 1:
        raise ConfigurationError(
            f"Setting '{prefix}maxlen': expected a positive integer or nothing, got {maxlen!r}"
        )
    return str(stream), maxlen


def load_from_config(config: Configurator, prefix: str = "") -> RedisStreamListener:
    """Build the listener from the settings under ``prefix``.

    ``prefix`` is the listener's settings namespace, such as
    ``"event_listeners.redis."`` (with the trailing dot). Nothing connects
    until the first event. Raises :class:`~strato.errors.ConfigurationError`
    for an unusable value.
    """
    settings = config.get_settings() or {}
    stream, maxlen = _listener_settings(settings, prefix)
    client = RedisClient.from_settings(settings, prefix, label="Redis listener")
    return RedisStreamListener(client, stream=stream, maxlen=maxlen)
