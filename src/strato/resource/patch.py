"""The three PATCH dialects, applied to an object and its permissions.

- ``application/json``: shallow merge of ``data`` keys (``null`` stores
  null, sub-objects are replaced); each given permission replaces that ACE.
- ``application/merge-patch+json`` (RFC 7396): recursive merge where
  ``null`` removes a key; ``{"read": null}`` removes that ACE.
- ``application/json-patch+json`` (RFC 6902): a list of operations on
  ``/data/...`` and ``/permissions/<perm>/<principal>`` paths; principals
  behave like set members, so their value is implied.

All functions are pure: they return new structures and raise
:class:`PatchError` with a message for the client.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["PatchError", "apply_json_patch", "merge_patch", "reads_any", "shallow_merge"]

_OPERATIONS = {"test", "add", "remove", "replace", "move", "copy"}
_OPERATION_KEYS = {"op", "path", "from", "value"}


class PatchError(ValueError):
    """A patch cannot be applied."""


def shallow_merge(target: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``application/json`` PATCH: top-level keys replaced."""
    result = dict(target)
    result.update(copy.deepcopy(dict(changes)))
    return result


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 merge patch: recursive, ``null`` removes."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _split(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise PatchError(f"Invalid path {path!r}")
    if path == "":
        return []
    return [_unescape(p) for p in path.split("/")[1:]]


def _resolve_parent(doc: Any, tokens: list[str]) -> tuple[Any, str]:
    if not tokens:
        raise PatchError("The document root cannot be patched")
    current = doc
    for token in tokens[:-1]:
        current = _child(current, token)
    return current, tokens[-1]


def _child(container: Any, token: str) -> Any:
    if isinstance(container, dict):
        if token not in container:
            raise PatchError(f"Path member {token!r} does not exist")
        return container[token]
    if isinstance(container, list):
        index = _index(container, token, allow_end=False)
        return container[index]
    raise PatchError(f"Path member {token!r} does not exist")


def _index(container: list[Any], token: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (token.startswith("0") and token != "0"):
        raise PatchError(f"Invalid array index {token!r}")
    index = int(token)
    limit = len(container) if allow_end else len(container) - 1
    if index > limit:
        raise PatchError(f"Array index {token} is out of range")
    return index


def _get(doc: Any, tokens: list[str]) -> Any:
    current = doc
    for token in tokens:
        current = _child(current, token)
    return current


def _add(doc: Any, tokens: list[str], value: Any) -> None:
    parent, last = _resolve_parent(doc, tokens)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, allow_end=True), value)
    else:
        raise PatchError("Cannot add to a scalar value")


def _remove(doc: Any, tokens: list[str]) -> Any:
    parent, last = _resolve_parent(doc, tokens)
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"Path member {last!r} does not exist")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, allow_end=False))
    raise PatchError("Cannot remove from a scalar value")


def reads_any(operations: Any, paths: Iterable[Sequence[str]]) -> bool:
    """Would RFC 6902 ``operations`` read the value at one of ``paths``?

    ``paths`` are token lists (``("data", "password")``). The ``from`` of
    ``copy`` and ``move`` and the ``path`` of ``test`` are reads; reading a
    parent (``/data``, or the root) reads its children too. Malformed
    operations are skipped here: :func:`apply_json_patch` reports them.
    """
    wanted = [list(path) for path in paths]
    for operation in operations if isinstance(operations, list) else ():
        if not isinstance(operation, dict):
            continue
        pointers = [operation.get("from")] if operation.get("op") in ("copy", "move") else []
        if operation.get("op") == "test":
            pointers.append(operation.get("path"))
        for pointer in pointers:
            try:
                tokens = _split(pointer)
            except PatchError:
                continue
            for path in wanted:
                shortest = min(len(tokens), len(path))
                if tokens[:shortest] == path[:shortest]:
                    return True
    return False


def apply_json_patch(
    data: Mapping[str, Any], permissions: Mapping[str, list[str]], operations: Any
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Apply RFC 6902 ``operations`` to ``{"data", "permissions"}``.

    Returns the new data and permissions. Permission paths
    ``/permissions/<perm>/<principal>`` add or remove one principal.
    """
    if not isinstance(operations, list):
        raise PatchError("A JSON patch must be a list of operations")
    doc: dict[str, Any] = {
        "data": copy.deepcopy(dict(data)),
        "permissions": {k: sorted(set(v)) for k, v in permissions.items()},
    }
    for number, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise PatchError(f"Operation {number} must be an object")
        unknown = set(operation) - _OPERATION_KEYS
        if unknown:
            raise PatchError(f"Operation {number} has unknown keys: {', '.join(sorted(unknown))}")
        op = operation.get("op")
        if op not in _OPERATIONS:
            raise PatchError(f"Operation {number}: unknown op {op!r}")
        tokens = _split(operation.get("path"))
        if tokens[:1] == ["permissions"] and len(tokens) == 3:
            _patch_permission(doc["permissions"], op, tokens[1], tokens[2], number)
            continue
        if tokens[:1] not in (["data"], ["permissions"]):
            raise PatchError(f"Operation {number}: path must start with /data or /permissions")
        if "value" not in operation and op in ("add", "replace", "test"):
            raise PatchError(f"Operation {number}: missing value")
        value = copy.deepcopy(operation.get("value"))
        if op == "add":
            _add(doc, tokens, value)
        elif op == "remove":
            _remove(doc, tokens)
        elif op == "replace":
            _remove(doc, tokens)
            _add(doc, tokens, value)
        elif op == "test":
            if _get(doc, tokens) != value:
                raise PatchError(f"Operation {number}: test failed")
        else:
            source = _split(operation.get("from"))
            if tokens[: len(source)] == source and op == "move" and tokens != source:
                raise PatchError(f"Operation {number}: cannot move a value into itself")
            moved = _get(doc, source)
            if op == "move":
                _remove(doc, source)
            _add(doc, tokens, copy.deepcopy(moved))
    new_data = doc.get("data")
    if not isinstance(new_data, dict):
        raise PatchError("data must remain an object")
    new_permissions = doc.get("permissions")
    if not isinstance(new_permissions, dict):
        raise PatchError("permissions must remain an object")
    return new_data, new_permissions


def _patch_permission(
    permissions: dict[str, list[str]], op: str, perm: str, principal: str, number: int
) -> None:
    members = set(permissions.get(perm, []))
    if op == "add":
        members.add(principal)
    elif op == "remove":
        members.discard(principal)
    elif op == "test":
        if principal not in members:
            raise PatchError(f"Operation {number}: test failed")
    else:
        raise PatchError(f"Operation {number}: {op} is not supported on permissions")
    permissions[perm] = sorted(members)
