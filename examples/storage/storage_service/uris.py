"""Object URIs of this service, and what kind of object each one names.

Permissions are granted on URIs such as ``/buckets/blog/collections/posts``.
Both the inheritance rules (:mod:`storage_service.authorization`) and the
``/permissions`` endpoint need to read a URI back into its parts: which
kind of object it names, whether it is a list, and its ancestors.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CHILD_CREATE_PERMISSIONS", "Node", "Target", "parse_uri"]

#: Under each kind of object (``""`` is the root), the plural path segments
#: and the kind of object they list.
_CHILDREN: dict[str, dict[str, str]] = {
    "": {"buckets": "bucket", "accounts": "account"},
    "bucket": {"groups": "group", "collections": "collection"},
    "collection": {"records": "record"},
}

#: The ``<child>:create`` permissions each kind of object accepts.
CHILD_CREATE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "bucket": ("collection:create", "group:create"),
    "collection": ("record:create",),
}


@dataclass(frozen=True)
class Node:
    """One object on the way down a URI: its kind, id and URI."""

    resource_name: str
    object_id: str
    uri: str


@dataclass(frozen=True)
class Target:
    """What a URI names.

    ``lineage`` lists the objects from the top-most one down to the object
    itself; for a list URI (``plural``) it stops at the parent of the
    listed objects, and ``resource_name`` is the kind of those objects.
    """

    resource_name: str
    plural: bool
    lineage: tuple[Node, ...]

    @property
    def node(self) -> Node | None:
        """The object itself (None for a list)."""
        return None if self.plural else self.lineage[-1]

    @property
    def ancestors(self) -> tuple[Node, ...]:
        """The objects above: for a list, every object of the lineage."""
        return self.lineage if self.plural else self.lineage[:-1]

    def ids(self) -> dict[str, str]:
        """``{"bucket_id": ..., "collection_id": ...}`` for every object of the lineage."""
        return {f"{node.resource_name}_id": node.object_id for node in self.lineage}


def parse_uri(uri: str) -> Target | None:
    """Read ``uri`` (ids may be ``*`` patterns); None when it names nothing here.

    The root URI ``""`` names nothing: it has no kind and no ancestors.
    """
    if not uri.startswith("/"):
        return None
    segments = uri[1:].split("/")
    lineage: list[Node] = []
    parent_kind = ""
    prefix = ""
    for index in range(0, len(segments), 2):
        kind = _CHILDREN.get(parent_kind, {}).get(segments[index])
        if kind is None:
            return None
        if index + 1 == len(segments):
            return Target(kind, True, tuple(lineage))
        object_id = segments[index + 1]
        if not object_id:
            return None
        prefix = f"{prefix}/{segments[index]}/{object_id}"
        lineage.append(Node(kind, object_id, prefix))
        parent_kind = kind
    return Target(parent_kind, False, tuple(lineage))
