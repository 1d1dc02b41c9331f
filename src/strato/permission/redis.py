"""Permission backend stored in Redis.

Select it with ``permission_backend = strato.permission.redis``. State lives
on the Redis server, shared by every process pointed at the same server and
database. Requires Redis 6.2 or later and the ``redis`` extra.

Settings read by :func:`load_from_config`:

- ``permission_url`` (default ``redis://127.0.0.1:6379/0``);
- ``permission_pool_size`` (default 25) and ``permission_pool_timeout``
  (default 5 seconds), as for the Redis cache.

Layout of the keys, all under a key prefix (default ``permission:``):

- ``user:<user_id>``: set of the principals a user holds;
- ``holders:<principal>``: set of the users holding a principal;
- ``acl:<object_id>``: set of ``<permission>\\n<principal>`` entries;
- ``grants:<principal>``: set of ``<permission>\\n<object_id>`` entries;
- ``objects``: sorted set of object ids, ordered by name, used to find the
  objects matching a pattern without scanning the keyspace.

The ``holders`` and ``grants`` sets mirror ``user`` and ``acl``; each write
updates both sides in one ``MULTI`` transaction, so they never disagree.
Permission names therefore may not contain a newline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, cast

from pyramid.config import Configurator

from strato.cache.redis import DEFAULT_POOL_SIZE, DEFAULT_POOL_TIMEOUT, DEFAULT_URL, RedisClient
from strato.permission import PermissionBase, _as_principal_set, compile_object_id_pattern

__all__ = ["DEFAULT_KEY_PREFIX", "RedisPermission", "load_from_config"]

#: Namespace of every key written by :class:`RedisPermission` by default.
DEFAULT_KEY_PREFIX = "permission:"

_AUTHENTICATED = "system.Authenticated"
_SEPARATOR = "\n"
# Objects deleted per script call: bounds the time the server is blocked.
_DELETE_BATCH = 200

# Deletes the ACEs of the objects whose ``acl:`` keys are KEYS, together
# with their mirror entries in ``grants:`` and the ``objects`` index. Run
# as a script because the entries to unmirror are only known once the ACL
# is read, and a concurrent grant must not slip in between.
# ARGV[1] is the key prefix, ARGV[2..] the object ids in KEYS order.
_DELETE_OBJECTS_SCRIPT = """
local prefix = ARGV[1]
for i, acl_key in ipairs(KEYS) do
  local object_id = ARGV[i + 1]
  for _, entry in ipairs(redis.call('SMEMBERS', acl_key)) do
    local cut = string.find(entry, '\\n', 1, true)
    local permission = string.sub(entry, 1, cut - 1)
    local principal = string.sub(entry, cut + 1)
    redis.call('SREM', prefix .. 'grants:' .. principal, permission .. '\\n' .. object_id)
  end
  redis.call('DEL', acl_key)
  redis.call('ZREM', prefix .. 'objects', object_id)
end
return #KEYS
"""

# Forgets one principal: takes it from the users holding it (``holders:``),
# takes back what it holds as a user (``user:``) and removes it from every
# ACE naming it (``grants:``), keeping the mirrors in step and pruning the
# ``objects`` index of ACLs left empty. A script, so that it is atomic and
# costs one round trip. KEYS are the principal's ``holders:``, ``user:`` and
# ``grants:`` keys; ARGV[1] is the key prefix, ARGV[2] the principal.
_PURGE_PRINCIPAL_SCRIPT = """
local prefix = ARGV[1]
local principal = ARGV[2]
for _, user_id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('SREM', prefix .. 'user:' .. user_id, principal)
end
for _, held in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('SREM', prefix .. 'holders:' .. held, principal)
end
local grants = redis.call('SMEMBERS', KEYS[3])
for _, entry in ipairs(grants) do
  local cut = string.find(entry, '\\n', 1, true)
  local permission = string.sub(entry, 1, cut - 1)
  local object_id = string.sub(entry, cut + 1)
  local acl_key = prefix .. 'acl:' .. object_id
  redis.call('SREM', acl_key, permission .. '\\n' .. principal)
  if redis.call('SCARD', acl_key) == 0 then
    redis.call('ZREM', prefix .. 'objects', object_id)
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return #grants
"""


def _entry(permission: str, other: str) -> str:
    return f"{permission}{_SEPARATOR}{other}"


def _split(entry: str) -> tuple[str, str]:
    permission, _, other = entry.partition(_SEPARATOR)
    return permission, other


def _check_permission_name(permission: str) -> None:
    if _SEPARATOR in permission:
        raise ValueError(f"permission names may not contain a newline, got {permission!r}")


def _lex_range(head: str) -> tuple[Any, Any]:
    """Bounds of ``ZRANGEBYLEX`` selecting every member that starts with ``head``."""
    if not head:
        return "-", "+"
    raw = head.encode()
    # Valid UTF-8 never holds the byte 0xff, so bumping the last byte gives
    # the first string after every extension of ``head``.
    return b"[" + raw, b"(" + raw[:-1] + bytes([raw[-1] + 1])


class RedisPermission(PermissionBase):
    """:class:`~strato.permission.PermissionBase` on a Redis server.

    Each call is atomic on the server (``MULTI``, optimistic ``WATCH`` or a
    script). ``get_accessible_objects`` reads only the grants of the given
    principals, then applies the patterns, so its cost follows what those
    principals were granted, not the size of the database.

    The ``objects`` index is pruned when objects are deleted with
    :meth:`delete_object_permissions` and when :meth:`purge_principal`
    empties an ACL; an object whose last ACE was removed one by one stays
    listed there, which costs only a little work in later pattern
    deletions.

    :meth:`flush` deletes only the keys under ``key_prefix`` (the whole
    database when the prefix is empty).
    """

    persistent: ClassVar[bool] = True
    transactional: ClassVar[bool] = False

    def __init__(
        self,
        *,
        url: str = DEFAULT_URL,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        pool_size: int = DEFAULT_POOL_SIZE,
        pool_timeout: float = DEFAULT_POOL_TIMEOUT,
        client: RedisClient | None = None,
    ) -> None:
        if client is None:
            client = RedisClient(
                url, pool_size=pool_size, pool_timeout=pool_timeout, label="Redis permission"
            )
        #: The connection helper; shared only if passed in explicitly.
        self.client = client
        self.key_prefix = key_prefix
        self._objects_key = f"{key_prefix}objects"

    # Key names.

    def _user_key(self, user_id: str) -> str:
        return f"{self.key_prefix}user:{user_id}"

    def _holders_key(self, principal: str) -> str:
        return f"{self.key_prefix}holders:{principal}"

    def _acl_key(self, object_id: str) -> str:
        return f"{self.key_prefix}acl:{object_id}"

    def _grants_key(self, principal: str) -> str:
        return f"{self.key_prefix}grants:{principal}"

    # Life cycle.

    def flush(self) -> None:
        self.client.delete_prefixed(self.key_prefix)

    # User principals.

    def add_user_principal(self, user_id: str, principal: str) -> None:
        with self.client.translate_errors() as conn:
            pipe = conn.pipeline(transaction=True)
            pipe.sadd(self._user_key(user_id), principal)
            pipe.sadd(self._holders_key(principal), user_id)
            pipe.execute()

    def remove_user_principal(self, user_id: str, principal: str) -> None:
        with self.client.translate_errors() as conn:
            pipe = conn.pipeline(transaction=True)
            pipe.srem(self._user_key(user_id), principal)
            pipe.srem(self._holders_key(principal), user_id)
            pipe.execute()

    def remove_principal(self, principal: str) -> None:
        holders_key = self._holders_key(principal)

        def take_from_everyone(pipe: Any) -> None:
            users = pipe.smembers(holders_key)
            pipe.multi()
            for user_id in users:
                pipe.srem(self._user_key(user_id), principal)
            pipe.delete(holders_key)

        with self.client.translate_errors() as conn:
            conn.transaction(take_from_everyone, holders_key)

    def purge_principal(self, principal: str) -> None:
        keys = [
            self._holders_key(principal),
            self._user_key(principal),
            self._grants_key(principal),
        ]
        with self.client.translate_errors() as conn:
            conn.register_script(_PURGE_PRINCIPAL_SCRIPT)(
                keys=keys, args=[self.key_prefix, principal]
            )

    def get_user_principals(self, user_id: str) -> set[str]:
        with self.client.translate_errors() as conn:
            members = cast(
                "set[str]",
                conn.sunion([self._user_key(user_id), self._user_key(_AUTHENTICATED)]),
            )
        return set(members)

    # Access control entries.

    def add_principal_to_ace(self, object_id: str, permission: str, principal: str) -> None:
        _check_permission_name(permission)
        with self.client.translate_errors() as conn:
            pipe = conn.pipeline(transaction=True)
            pipe.sadd(self._acl_key(object_id), _entry(permission, principal))
            pipe.sadd(self._grants_key(principal), _entry(permission, object_id))
            pipe.zadd(self._objects_key, {object_id: 0})
            pipe.execute()

    def remove_principal_from_ace(self, object_id: str, permission: str, principal: str) -> None:
        if _SEPARATOR in permission:
            return  # such an ACE cannot have been stored
        with self.client.translate_errors() as conn:
            pipe = conn.pipeline(transaction=True)
            pipe.srem(self._acl_key(object_id), _entry(permission, principal))
            pipe.srem(self._grants_key(principal), _entry(permission, object_id))
            pipe.execute()

    def get_object_permission_principals(self, object_id: str, permission: str) -> set[str]:
        with self.client.translate_errors() as conn:
            entries = cast("set[str]", conn.smembers(self._acl_key(object_id)))
        return {other for name, other in map(_split, entries) if name == permission}

    def get_accessible_objects(
        self,
        principals: Iterable[str],
        bound_permissions: Iterable[tuple[str, str]] | None = None,
        with_children: bool = True,
    ) -> dict[str, set[str]]:
        wanted = _as_principal_set(principals)
        bounds = None if bound_permissions is None else list(bound_permissions)
        if not wanted or bounds == []:
            return {}
        with self.client.translate_errors() as conn:
            entries = cast(
                "set[str]", conn.sunion([self._grants_key(principal) for principal in wanted])
            )
        grants = [_split(entry) for entry in entries]
        found: dict[str, set[str]] = {}
        if bounds is None:
            for permission, object_id in grants:
                found.setdefault(object_id, set()).add(permission)
            return found
        patterns: dict[str, list[Any]] = {}
        for pattern, permission in bounds:
            regex = compile_object_id_pattern(pattern, with_children=with_children)
            patterns.setdefault(permission, []).append(regex)
        for permission, object_id in grants:
            if any(regex.fullmatch(object_id) for regex in patterns.get(permission, ())):
                found.setdefault(object_id, set()).add(permission)
        return found

    def get_authorized_principals(self, bound_permissions: Iterable[tuple[str, str]]) -> set[str]:
        bounds = list(bound_permissions)
        if not bounds:
            return set()
        acls = self._read_acls(object_id for object_id, _ in bounds)
        authorized: set[str] = set()
        for object_id, permission in bounds:
            authorized |= acls[object_id].get(permission, set())
        return authorized

    def get_objects_permissions(
        self, object_ids: Iterable[str], permissions: Iterable[str] | None = None
    ) -> list[dict[str, set[str]]]:
        ids = list(object_ids)
        only = None if permissions is None else set(permissions)
        acls = self._read_acls(ids)
        return [
            {
                permission: set(principals)
                for permission, principals in acls[object_id].items()
                if only is None or permission in only
            }
            for object_id in ids
        ]

    def replace_object_permissions(
        self, object_id: str, permissions: Mapping[str, Iterable[str]]
    ) -> None:
        # Validate everything before touching storage so a bad entry
        # cannot leave the object half-replaced.
        replacements = {
            permission: _as_principal_set(principals)
            for permission, principals in permissions.items()
        }
        for permission in replacements:
            _check_permission_name(permission)
        if not replacements:
            return
        acl_key = self._acl_key(object_id)

        def replace(pipe: Any) -> None:
            current: dict[str, set[str]] = {}
            for name, principal in map(_split, pipe.smembers(acl_key)):
                current.setdefault(name, set()).add(principal)
            pipe.multi()
            for permission, principals in replacements.items():
                before = current.get(permission, set())
                for principal in before - principals:
                    pipe.srem(acl_key, _entry(permission, principal))
                    pipe.srem(self._grants_key(principal), _entry(permission, object_id))
                for principal in principals - before:
                    pipe.sadd(acl_key, _entry(permission, principal))
                    pipe.sadd(self._grants_key(principal), _entry(permission, object_id))
            if any(replacements.values()):
                pipe.zadd(self._objects_key, {object_id: 0})

        with self.client.translate_errors() as conn:
            conn.transaction(replace, acl_key)

    def delete_object_permissions(self, *object_ids: str) -> None:
        if not object_ids:
            return
        with self.client.translate_errors() as conn:
            doomed: set[str] = set()
            for pattern in object_ids:
                if "*" not in pattern:
                    doomed.add(pattern)
                    continue
                regex = compile_object_id_pattern(pattern)
                low, high = _lex_range(pattern.split("*", 1)[0])
                candidates = cast("list[str]", conn.zrangebylex(self._objects_key, low, high))
                doomed.update(c for c in candidates if regex.fullmatch(c))
            ordered = sorted(doomed)
            script = conn.register_script(_DELETE_OBJECTS_SCRIPT)
            for start in range(0, len(ordered), _DELETE_BATCH):
                batch = ordered[start : start + _DELETE_BATCH]
                script(keys=[self._acl_key(o) for o in batch], args=[self.key_prefix, *batch])

    def _read_acls(self, object_ids: Iterable[str]) -> dict[str, dict[str, set[str]]]:
        """Map each distinct id to ``{permission: principals}``, in one round trip."""
        unique = list(dict.fromkeys(object_ids))
        if not unique:
            return {}
        with self.client.translate_errors() as conn:
            pipe = conn.pipeline(transaction=False)
            for object_id in unique:
                pipe.smembers(self._acl_key(object_id))
            replies = pipe.execute()
        acls: dict[str, dict[str, set[str]]] = {}
        for object_id, entries in zip(unique, replies, strict=True):
            acl: dict[str, set[str]] = {}
            for permission, principal in map(_split, entries):
                acl.setdefault(permission, set()).add(principal)
            acls[object_id] = acl
        return acls

    def __repr__(self) -> str:
        return f"<RedisPermission {self.client.location} key_prefix={self.key_prefix!r}>"


def load_from_config(config: Configurator) -> RedisPermission:
    """Build the backend for ``permission_backend = strato.permission.redis``.

    Reads ``permission_url``, ``permission_pool_size`` and
    ``permission_pool_timeout``; connects lazily, on first use. Raises
    :class:`~strato.errors.ConfigurationError` for an unusable value.
    """
    settings = config.get_settings() or {}
    client = RedisClient.from_settings(settings, "permission_", label="Redis permission")
    return RedisPermission(client=client)
