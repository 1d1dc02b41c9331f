"""The Redis stream listener, checked against a real server (database 7).

Each test writes to its own stream and deletes it afterwards. Tests needing
a server skip without one, except under ``CI``.
"""

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from pyramid.config import Configurator

from strato.errors import ConfigurationError
from strato.listeners.redis import DEFAULT_STREAM, RedisStreamListener, load_from_config
from strato.storage.errors import BackendError
from tests.services import REDIS_SERVER, unavailable

SERVER = REDIS_SERVER
REDIS_URL = f"{SERVER}/7"
PREFIX = "event_listeners.redis."


@dataclass
class ChangeEvent:
    payload: dict[str, Any]
    impacted_objects: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReadEvent:
    payload: dict[str, Any]
    read_objects: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def raw() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        unavailable("Redis", exc)
    yield client
    client.close()


@pytest.fixture
def stream(raw: redis.Redis) -> Iterator[str]:
    name = f"test-events-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{uuid.uuid4().hex}"
    yield name
    raw.delete(name)


def _listener(**settings: Any) -> RedisStreamListener:
    config = Configurator(settings={f"{PREFIX}{k}": v for k, v in settings.items()})
    return load_from_config(config, PREFIX)


def _entries(raw: redis.Redis, stream: str) -> list[dict[str, Any]]:
    return [
        {name: json.loads(value) for name, value in fields.items()}
        for _, fields in raw.xrange(stream)
    ]


def test_event_becomes_one_stream_entry(raw: redis.Redis, stream: str) -> None:
    listener = _listener(url=REDIS_URL, stream=stream)
    payload = {"action": "create", "resource_name": "record", "uri": "/buckets/b1", "n": "é"}
    objects = [{"new": {"id": "r1", "last_modified": 42}}]
    entry_id = listener(ChangeEvent(payload, objects))
    assert raw.xlen(stream) == 1
    assert raw.xrange(stream)[0][0] == entry_id
    assert _entries(raw, stream) == [{"payload": payload, "impacted_objects": objects}]


def test_entries_keep_the_order_of_events(raw: redis.Redis, stream: str) -> None:
    listener = _listener(url=REDIS_URL, stream=stream)
    for index in range(3):
        listener(ChangeEvent({"action": "update", "index": index}))
    assert [e["payload"]["index"] for e in _entries(raw, stream)] == [0, 1, 2]


def test_read_events_carry_their_read_objects(raw: redis.Redis, stream: str) -> None:
    listener = _listener(url=REDIS_URL, stream=stream)
    listener(ReadEvent({"action": "read"}, [{"id": "r1"}]))
    assert _entries(raw, stream)[0]["impacted_objects"] == [{"id": "r1"}]


def test_maxlen_trims_old_entries(raw: redis.Redis, stream: str) -> None:
    listener = _listener(url=REDIS_URL, stream=stream, maxlen="2")
    for index in range(5):
        listener(ChangeEvent({"index": index}))
    assert [e["payload"]["index"] for e in _entries(raw, stream)] == [3, 4]


def test_unserializable_payload_writes_nothing(raw: redis.Redis, stream: str) -> None:
    listener = _listener(url=REDIS_URL, stream=stream)
    with pytest.raises(TypeError):
        listener(ChangeEvent({"when": object()}))
    assert raw.exists(stream) == 0


def test_defaults() -> None:
    listener = _listener()
    assert listener.stream == DEFAULT_STREAM == "strato.events"
    assert listener.maxlen is None
    assert listener.client.location == "redis://127.0.0.1:6379/0"


def test_settings_are_read_under_the_prefix_only() -> None:
    config = Configurator(
        settings={"event_listeners.other.stream": "wrong", "event_listeners.mine.stream": "s"}
    )
    assert load_from_config(config, "event_listeners.mine.").stream == "s"


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"maxlen": "0"}, "maxlen"),
        ({"maxlen": "lots"}, "maxlen"),
        ({"url": "http://example.com"}, "url"),
        ({"pool_size": "0"}, "pool_size"),
    ],
)
def test_bad_settings_name_the_setting(settings, name) -> None:
    with pytest.raises(ConfigurationError, match=f"{PREFIX}{name}"):
        _listener(**settings)


def test_unreachable_server_raises_backend_error() -> None:
    listener = _listener(url="redis://:hunter2@127.0.0.1:1/0")
    with pytest.raises(BackendError) as info:
        listener(ChangeEvent({"action": "create"}))
    assert isinstance(info.value.original, redis.ConnectionError)
    assert "hunter2" not in str(info.value)
