"""How permissions flow down the bucket hierarchy.

strato asks :func:`bound_permissions` which ``(uri, permission)`` pairs
grant a permission on a URI (see
:func:`strato.authorization.set_bound_permissions`). The rules:

- ``write`` on an object is granted by ``write`` on it or on any ancestor
  (bucket write ⇒ write on everything below it);
- ``read`` on an object is granted by ``read`` or ``write`` on it or on any
  ancestor; holding a ``<child>:create`` permission on an object also lets
  you read that object's attributes (not its children);
- ``<child>:create`` on an object is granted by itself, or by ``write`` on
  the object or on an ancestor;
- listing the children of an object (a list URI) needs ``read`` (or
  ``write``) on the parent or above; deleting them all needs ``write``.
  Callers lacking it see only the children they hold a permission on.
- root-level lists (``/buckets``, ``/accounts``) and the root itself are
  granted only by settings (``bucket_create_principals``, ...).
"""

from __future__ import annotations

from storage_service.uris import CHILD_CREATE_PERMISSIONS, parse_uri
from strato.authorization import default_bound_permissions

__all__ = ["bound_permissions"]


def _granting_on_object(resource_name: str, permission: str) -> tuple[str, ...]:
    if permission == "read":
        return ("read", "write", *CHILD_CREATE_PERMISSIONS.get(resource_name, ()))
    if permission == "write":
        return ("write",)
    return (permission, "write")


def bound_permissions(object_id: str, permission: str) -> list[tuple[str, str]]:
    """Every ``(uri, permission)`` pair whose holders get ``permission`` on ``object_id``."""
    target = parse_uri(object_id)
    if target is None or not target.lineage:
        # The root, root-level lists and URIs of other services: the
        # permission itself (and write for read), which settings may grant.
        return default_bound_permissions(object_id, permission)
    pairs: list[tuple[str, str]] = []
    node = target.node
    if node is not None:
        pairs += [(node.uri, p) for p in _granting_on_object(node.resource_name, permission)]
    from_above = ("read", "write") if permission == "read" else ("write",)
    for ancestor in reversed(target.ancestors):
        pairs += [(ancestor.uri, p) for p in from_above]
    return pairs
