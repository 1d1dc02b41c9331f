"""Removing a principal everywhere, when the group or account it names is gone.

Without this, whoever later creates a group or account with the same URI
or id would inherit every permission granted to the old one.
"""

from __future__ import annotations

from strato.permission import PermissionBase

__all__ = ["revoke_principal", "revoke_user"]


def revoke_principal(permission: PermissionBase, principal: str) -> None:
    """Take ``principal`` from every user holding it and from every ACE naming it."""
    permission.remove_principal(principal)
    for object_id, permissions in permission.get_accessible_objects([principal]).items():
        for name in permissions:
            permission.remove_principal_from_ace(object_id, name, principal)


def revoke_user(permission: PermissionBase, userid: str) -> None:
    """Forget ``userid``: its ACEs and the principals (groups) it was given."""
    for principal in permission.get_user_principals(userid):
        permission.remove_user_principal(userid, principal)
    revoke_principal(permission, userid)
