"""``/accounts``: user accounts with a password, for the ``account`` auth policy.

Who sees what:

- anyone in ``account_create_principals`` may create an account (often
  ``system.Everyone``: self sign-up); an authenticated caller may only
  create or edit the account of its own user id;
- an account owner (principal ``account:<id>``) reads, changes and deletes
  their own account, and lists only it;
- administrators (``account_write_principals``) read, create, change and
  delete every account, and list them all.

Passwords are stored as bcrypt hashes, in a hidden field
(:attr:`strato.resource.Resource.hidden_fields`): they never appear in
responses and cannot be filtered, sorted, asked for with ``_fields`` or
read by JSON Patch operations. Deleting an account removes the permissions
and group memberships of its principal, so that a new account reusing the
id inherits nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

import colander
from pyramid import httpexceptions
from pyramid.authorization import Everyone
from pyramid.events import subscriber
from pyramid.request import Request

from storage_service.accounts.passwords import hash_password, password_problem
from strato import resource
from strato.components import get_components
from strato.errors import raise_invalid
from strato.events import ACTIONS, ResourceChanged
from strato.settings import as_list
from strato.storage.generators import Generator, NameGenerator

__all__ = ["ACCOUNT_PREFIX", "Account", "AccountIdGenerator"]

#: Accounts authenticate as ``account:<id>``.
ACCOUNT_PREFIX = "account"
PASSWORD_FIELD = "password"


class AccountIdGenerator(NameGenerator):
    """Account ids may look like e-mail addresses (``+``, ``.`` and ``@`` allowed)."""

    regexp: ClassVar[str] = r"^[a-zA-Z0-9][+.@a-zA-Z0-9_-]*$"


_ID_GENERATOR = AccountIdGenerator()


def _check_password(node: colander.SchemaNode, value: str) -> None:
    problem = password_problem(value)
    if problem is not None:
        raise colander.Invalid(node, problem)


class AccountSchema(resource.ResourceSchema):
    password = colander.SchemaNode(colander.String(), validator=_check_password)


def is_administrator(request: Request) -> bool:
    """Is the caller one of ``account_write_principals``?"""
    admins = as_list(request.registry.settings.get("account_write_principals"))
    return bool(set(admins) & set(request.prefixed_principals))


@resource.register(name="account", plural_path="/accounts", object_path="/accounts/{id}")
class Account(resource.ShareableResource):
    """Each account is alone in its collection (parent id = account id)."""

    schema = AccountSchema
    hidden_fields = (PASSWORD_FIELD,)

    def __init__(self, request: Request, context: Any = None) -> None:
        self.is_administrator = is_administrator(request)
        super().__init__(request, context)
        if self.model.current_principal == Everyone or self.is_administrator:
            # The account's owner becomes its writer, not whoever created it.
            self.model.current_principal = f"{ACCOUNT_PREFIX}:{self.model.parent_id}"

    @property
    def id_generator(self) -> Generator:
        return _ID_GENERATOR

    def _checked_id(self, object_id: Any) -> str:
        if not _ID_GENERATOR.match(object_id):
            raise_invalid(self.request, location="path", description="Invalid object id")
        return str(object_id)

    def _posted_id(self, request: Request) -> str:
        try:
            data = request.json_body.get("data")
            object_id = data["id"]
        except (ValueError, AttributeError, KeyError, TypeError):
            if request.method.upper() == "POST":
                raise_invalid(request, name="data.id", description="data.id in body: Required")
            raise httpexceptions.HTTPForbidden() from None
        return self._checked_id(object_id)

    def get_parent_id(self, request: Request) -> str:
        object_id = (request.matchdict or {}).get("id")
        if self.is_administrator:
            if object_id is not None:
                return self._checked_id(object_id)
            return self._posted_id(request) if request.method.upper() == "POST" else "*"
        identity = request.identity
        if identity is not None:
            return str(identity.userid)
        if object_id is not None:
            return self._checked_id(object_id)
        return self._posted_id(request)

    def process_object(
        self, new: dict[str, Any], old: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        new = super().process_object(new, old)
        if old is None or new.get(PASSWORD_FIELD) != old.get(PASSWORD_FIELD):
            new[PASSWORD_FIELD] = hash_password(new[PASSWORD_FIELD])
        identity = self.request.identity
        own_only = not self.is_administrator and identity is not None
        if own_only and new[self.model.id_field] != identity.userid:
            raise_invalid(
                self.request, name="data.id", description="Username and account ID do not match."
            )
        return new


@subscriber(ResourceChanged, for_resources=("account",), for_actions=(ACTIONS.DELETE,))
def on_accounts_deleted(event: ResourceChanged) -> None:
    """A deleted account's principal loses its permissions and groups."""
    permission = get_components(event.request).permission
    assert permission is not None
    for change in event.impacted_objects:
        permission.purge_principal(f"{ACCOUNT_PREFIX}:{change['old']['id']}")
