"""``/buckets/{bucket_id}/groups``: named sets of principals.

A group's URI (``/buckets/blog/groups/editors``) is a principal: its
``members`` hold it, so granting a permission to the group grants it to
them. Members are user principals (``account:alice``,
``basicauth:<hmac>``, ``system.Authenticated``); ``system.Everyone`` and
other groups cannot be members.
"""

from __future__ import annotations

from typing import Any

import colander
from pyramid.events import subscriber

from storage_service.views.base import BucketChild
from strato import resource
from strato.components import get_components
from strato.events import ACTIONS, ResourceChanged


def _check_member(node: colander.SchemaNode, member: str) -> None:
    if member == "system.Everyone" or member.startswith("/buckets/"):
        raise colander.Invalid(
            node, f"{member!r} cannot be a member: only user principals can join a group"
        )


class GroupSchema(resource.ResourceSchema):
    members = colander.SchemaNode(
        colander.Sequence(),
        colander.SchemaNode(
            colander.String(), validator=colander.All(colander.Length(min=1), _check_member)
        ),
        missing=[],
    )


@resource.register(
    name="group",
    plural_path="/buckets/{bucket_id}/groups",
    object_path="/buckets/{bucket_id}/groups/{id}",
)
class Group(BucketChild):
    schema = GroupSchema


def _group_uri(event: ResourceChanged, group: dict[str, Any]) -> str:
    return f"/buckets/{event.payload['bucket_id']}/groups/{group['id']}"


@subscriber(
    ResourceChanged, for_resources=("group",), for_actions=(ACTIONS.CREATE, ACTIONS.UPDATE)
)
def on_groups_changed(event: ResourceChanged) -> None:
    """Give the group's principal to new members, take it from removed ones."""
    permission = get_components(event.request).permission
    assert permission is not None
    for change in event.impacted_objects:
        group = change["new"]
        uri = _group_uri(event, group)
        before = set((change.get("old") or {}).get("members", []))
        after = set(group.get("members", []))
        for member in sorted(after - before):
            permission.add_user_principal(member, uri)
        for member in sorted(before - after):
            permission.remove_user_principal(member, uri)


@subscriber(ResourceChanged, for_resources=("group",), for_actions=(ACTIONS.DELETE,))
def on_groups_deleted(event: ResourceChanged) -> None:
    """A deleted group stops being a principal anywhere."""
    permission = get_components(event.request).permission
    assert permission is not None
    for change in event.impacted_objects:
        permission.purge_principal(_group_uri(event, change["old"]))
