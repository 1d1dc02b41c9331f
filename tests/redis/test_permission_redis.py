"""Behaviour of the Redis permission backend beyond the conformance suite.

Uses database 6 with a key prefix per xdist worker, flushing only that
prefix. Tests needing a server skip without one, except under ``CI``.
"""

import threading
from collections.abc import Iterator

import pytest
import redis
from pyramid.config import Configurator

from strato.errors import ConfigurationError
from strato.initialization import load_backend
from strato.permission import PermissionBase
from strato.permission.redis import RedisPermission, load_from_config
from strato.storage.errors import BackendError
from tests.services import REDIS_SERVER, WORKER, unavailable

SERVER = REDIS_SERVER
REDIS_URL = f"{SERVER}/6"
REFUSED_URL = "redis://:hunter2@127.0.0.1:1/0"


def _make(suffix: str = "") -> RedisPermission:
    return RedisPermission(url=REDIS_URL, key_prefix=f"test-redis-permission-{WORKER}{suffix}:")


@pytest.fixture
def permission() -> Iterator[RedisPermission]:
    backend = _make()
    try:
        backend.flush()
    except BackendError as exc:
        unavailable("Redis", exc)
    yield backend
    backend.flush()
    backend.client.close()


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.get_user_principals("alice"),
        lambda p: p.add_user_principal("alice", "group:a"),
        lambda p: p.remove_principal("group:a"),
        lambda p: p.purge_principal("group:a"),
        lambda p: p.add_principal_to_ace("/buckets/b1", "read", "alice"),
        lambda p: p.get_accessible_objects(["alice"], [("/buckets/*", "read")]),
        lambda p: p.get_objects_permissions(["/buckets/b1"]),
        lambda p: p.replace_object_permissions("/buckets/b1", {"read": ["alice"]}),
        lambda p: p.delete_object_permissions("/buckets/b1/*"),
        lambda p: p.flush(),
    ],
    ids=[
        "get_user_principals",
        "add_user_principal",
        "remove_principal",
        "purge_principal",
        "add_principal_to_ace",
        "get_accessible_objects",
        "get_objects_permissions",
        "replace_object_permissions",
        "delete_object_permissions",
        "flush",
    ],
)
def test_connection_refused_raises_backend_error(call) -> None:
    backend = RedisPermission(url=REFUSED_URL)
    with pytest.raises(BackendError) as info:
        call(backend)
    assert isinstance(info.value.original, redis.ConnectionError)
    assert info.value.__cause__ is info.value.original
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(backend)


def test_load_backend_builds_a_redis_permission() -> None:
    config = Configurator(
        settings={
            "permission_backend": "strato.permission.redis",
            "permission_url": REDIS_URL,
            "permission_pool_size": "3",
            "permission_pool_timeout": "1.5",
        }
    )
    backend = load_backend(config, "permission", PermissionBase)
    assert isinstance(backend, RedisPermission)
    assert backend.client.location == REDIS_URL


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({"permission_url": "mysql://example.com"}, "permission_url"),
        ({"permission_pool_size": "-2"}, "permission_pool_size"),
        ({"permission_pool_timeout": "soon"}, "permission_pool_timeout"),
    ],
)
def test_bad_settings_name_the_setting(settings, name) -> None:
    with pytest.raises(ConfigurationError, match=name):
        load_from_config(Configurator(settings=settings))


def test_state_is_shared_between_instances(permission: RedisPermission) -> None:
    other = _make()
    permission.add_user_principal("alice", "group:a")
    permission.add_principal_to_ace("/buckets/b1", "read", "group:a")
    assert other.get_user_principals("alice") == {"group:a"}
    assert other.get_accessible_objects(["group:a"]) == {"/buckets/b1": {"read"}}
    other.client.close()


def test_flush_keeps_other_prefixes(permission: RedisPermission) -> None:
    other = _make("-other")
    other.add_user_principal("alice", "group:a")
    permission.add_user_principal("alice", "group:b")
    permission.flush()
    assert other.get_user_principals("alice") == {"group:a"}
    other.flush()
    other.client.close()


def test_permission_names_with_a_newline_are_refused(permission: RedisPermission) -> None:
    permission.add_principal_to_ace("/buckets/b1", "read", "alice\nwrite")
    with pytest.raises(ValueError):
        permission.add_principal_to_ace("/buckets/b1", "read\nalice", "write")
    with pytest.raises(ValueError):
        permission.replace_object_permissions("/buckets/b1", {"read\nalice": ["write"]})
    # Such an ACE cannot exist, so removing it must not remove a lookalike.
    permission.remove_principal_from_ace("/buckets/b1", "read\nalice", "write")
    assert permission.get_object_permissions("/buckets/b1") == {"read": {"alice\nwrite"}}


def test_newlines_in_ids_and_principals_round_trip(permission: RedisPermission) -> None:
    permission.add_principal_to_ace("/buckets/a\nb", "read", "group:x\ny")
    assert permission.get_accessible_objects(["group:x\ny"]) == {"/buckets/a\nb": {"read"}}
    assert permission.get_object_permissions("/buckets/a\nb") == {"read": {"group:x\ny"}}
    permission.delete_object_permissions("/buckets/a\nb")
    assert permission.get_accessible_objects(["group:x\ny"]) == {}
    permission.add_principal_to_ace("/buckets/a\nb", "read", "group:x\ny")
    permission.add_principal_to_ace("/buckets/a\nb", "read", "group:x")
    permission.purge_principal("group:x\ny")
    assert permission.get_object_permissions("/buckets/a\nb") == {"read": {"group:x"}}


def test_purge_leaves_no_key_and_no_index_entry_behind(permission: RedisPermission) -> None:
    permission.add_user_principal("alice", "group:a")
    permission.add_user_principal("group:a", "role:x")
    permission.add_principal_to_ace("/buckets/b1", "read", "group:a")
    permission.add_principal_to_ace("/buckets/b2", "read", "group:a")
    permission.add_principal_to_ace("/buckets/b2", "write", "bob")
    permission.purge_principal("group:a")
    prefix = permission.key_prefix
    conn = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        assert set(conn.scan_iter(match=f"{prefix}*")) == {
            f"{prefix}acl:/buckets/b2",
            f"{prefix}grants:bob",
            f"{prefix}objects",
        }
        assert conn.zrange(f"{prefix}objects", 0, -1) == ["/buckets/b2"]
    finally:
        conn.close()


def test_pattern_delete_beyond_one_batch(permission: RedisPermission) -> None:
    for index in range(450):
        permission.add_principal_to_ace(f"/buckets/b1/records/r{index}", "read", "alice")
    permission.add_principal_to_ace("/buckets/b1", "write", "alice")
    permission.add_principal_to_ace("/buckets/b10/records/r1", "read", "alice")
    permission.delete_object_permissions("/buckets/b1/*")
    assert permission.get_accessible_objects(["alice"]) == {
        "/buckets/b1": {"write"},
        "/buckets/b10/records/r1": {"read"},
    }


def test_pattern_delete_with_non_ascii_prefix(permission: RedisPermission) -> None:
    for object_id in ("/buckets/é1", "/buckets/é2/c", "/buckets/e1", "/buckets/f1", "/buckets/ê"):
        permission.add_principal_to_ace(object_id, "read", "alice")
    permission.delete_object_permissions("/buckets/é*")
    assert set(permission.get_accessible_objects(["alice"])) == {
        "/buckets/e1",
        "/buckets/f1",
        "/buckets/ê",
    }


def test_pattern_delete_starting_with_a_wildcard(permission: RedisPermission) -> None:
    permission.add_principal_to_ace("/buckets/b1/collections/c1", "read", "alice")
    permission.add_principal_to_ace("/buckets/b2/groups/g1", "read", "alice")
    permission.delete_object_permissions("*/collections/*")
    assert permission.get_accessible_objects(["alice"]) == {"/buckets/b2/groups/g1": {"read"}}


def test_object_emptied_ace_by_ace_can_be_deleted_and_reused(
    permission: RedisPermission,
) -> None:
    permission.add_principal_to_ace("/buckets/b1/collections/c1", "read", "alice")
    permission.remove_principal_from_ace("/buckets/b1/collections/c1", "read", "alice")
    permission.delete_object_permissions("/buckets/b1/*")
    permission.add_principal_to_ace("/buckets/b1/collections/c1", "write", "bob")
    assert permission.get_accessible_objects(["alice", "bob"]) == {
        "/buckets/b1/collections/c1": {"write"}
    }


def test_replace_races_with_concurrent_grants(permission: RedisPermission) -> None:
    # Every grant added while replacements run on another ACE must survive.
    stop = threading.Event()

    def replace_forever() -> None:
        flip = 0
        while not stop.is_set():
            flip ^= 1
            permission.replace_object_permissions("/buckets/b1", {"write": [f"user{flip}"]})

    worker = threading.Thread(target=replace_forever)
    worker.start()
    try:
        for index in range(200):
            permission.add_principal_to_ace("/buckets/b1", "read", f"reader{index}")
    finally:
        stop.set()
        worker.join()
    readers = permission.get_object_permission_principals("/buckets/b1", "read")
    assert readers == {f"reader{index}" for index in range(200)}
    assert len(permission.get_object_permission_principals("/buckets/b1", "write")) == 1
    accessible = permission.get_accessible_objects([f"reader{index}" for index in range(200)])
    assert accessible == {"/buckets/b1": {"read"}}


def test_remove_principal_races_with_new_members(permission: RedisPermission) -> None:
    # A user added to a group concurrently is either removed or kept
    # consistently: get_user_principals agrees with a later remove_principal.
    threads = [
        threading.Thread(target=permission.add_user_principal, args=(f"user{i}", "group:a"))
        for i in range(50)
    ]
    for thread in threads:
        thread.start()
    permission.remove_principal("group:a")
    for thread in threads:
        thread.join()
    permission.remove_principal("group:a")
    assert all(permission.get_user_principals(f"user{i}") == set() for i in range(50))
