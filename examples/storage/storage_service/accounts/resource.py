"""``/accounts``: user accounts with a password, for the ``account`` auth policy.

Who sees what:

- anyone in ``account_create_principals`` may create an account (often
  ``system.Everyone``: self sign-up); an authenticated caller may only
  create or edit the account of its own user id;
- an account owner (principal ``account:<id>``) reads, changes and deletes
  their own account, and lists only it;
- administrators (``account_write_principals``) read, create, change and
  delete every account, and list them all.

Passwords are stored as bcrypt hashes and never appear in responses,
filters, sorts or ``_fields``. Deleting an account removes the permissions
and group memberships of its principal, so that a new account reusing the
id inherits nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

import colander
from pyramid import httpexceptions
from pyramid.authorization import Everyone
from pyramid.events import subscriber
from pyramid.request import Request

from storage_service.accounts.passwords import hash_password, password_problem
from storage_service.cleanup import revoke_user
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
_JSON_PATCH = "application/json-patch+json"


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


def _without_password(body: Any) -> Any:
    data = body.get("data") if isinstance(body, dict) else None
    for item in data if isinstance(data, list) else [data]:
        if isinstance(item, dict):
            item.pop(PASSWORD_FIELD, None)
    return body


def _scrub_error(error: httpexceptions.HTTPException) -> None:
    # A 412 carries the current object in ``details.existing``.
    if error.content_type != "application/json" or not error.body:
        return
    try:
        body = json.loads(error.body)
    except ValueError:
        return
    details = body.get("details") if isinstance(body, dict) else None
    existing = details.get("existing") if isinstance(details, dict) else None
    if isinstance(existing, dict) and PASSWORD_FIELD in existing:
        existing.pop(PASSWORD_FIELD)
        error.body = json.dumps(body).encode("utf-8")


@resource.register(name="account", plural_path="/accounts", object_path="/accounts/{id}")
class Account(resource.ShareableResource):
    """Each account is alone in its collection (parent id = account id)."""

    schema = AccountSchema

    def __init__(self, request: Request, context: Any = None) -> None:
        self.is_administrator = is_administrator(request)
        super().__init__(request, context)
        if self.model.current_principal == Everyone or self.is_administrator:
            # The account's owner becomes its writer, not whoever created it.
            self.model.current_principal = f"{ACCOUNT_PREFIX}:{self.model.parent_id}"

    @property
    def id_generator(self) -> Generator:
        return _ID_GENERATOR

    def is_known_field(self, field: str) -> bool:
        return field.split(".")[0] != PASSWORD_FIELD and super().is_known_field(field)

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

    # Responses never carry the password hash.

    def _hidden(self, view: Callable[[], Any]) -> Any:
        try:
            return _without_password(view())
        except httpexceptions.HTTPException as error:
            _scrub_error(error)
            raise

    def plural_get(self) -> Any:
        return self._hidden(super().plural_get)

    def plural_post(self) -> Any:
        return self._hidden(super().plural_post)

    def plural_delete(self) -> Any:
        return self._hidden(super().plural_delete)

    def get(self) -> Any:
        return self._hidden(super().get)

    def put(self) -> Any:
        return self._hidden(super().put)

    def delete(self) -> Any:
        return self._hidden(super().delete)

    def patch(self) -> Any:
        if (self.request.content_type or "").lower() == _JSON_PATCH:
            self._refuse_password_reads()
        return self._hidden(super().patch)

    def _refuse_password_reads(self) -> None:
        # ``copy``/``move`` from the password (or from an object holding it)
        # would store the hash where it can be read; ``test`` would probe it.
        try:
            operations = self.request.json_body
        except ValueError:
            return
        for operation in operations if isinstance(operations, list) else ():
            if not isinstance(operation, dict):
                continue
            reads = [operation.get("from")]
            if operation.get("op") == "test":
                reads.append(operation.get("path"))
            if any(_reaches_password(pointer) for pointer in reads):
                raise_invalid(
                    self.request,
                    name=None,
                    description="JSON Patch operations cannot read the password",
                )


def _reaches_password(pointer: Any) -> bool:
    """Does reading the JSON pointer ``pointer`` read the password?"""
    if not isinstance(pointer, str):
        return False
    segments = pointer.split("/")[1:] if pointer else []
    password = ["data", PASSWORD_FIELD]
    shortest = min(len(segments), len(password))
    return segments[:shortest] == password[:shortest]


@subscriber(ResourceChanged, for_resources=("account",), for_actions=(ACTIONS.DELETE,))
def on_accounts_deleted(event: ResourceChanged) -> None:
    """A deleted account's principal loses its permissions and groups."""
    permission = get_components(event.request).permission
    assert permission is not None
    for change in event.impacted_objects:
        revoke_user(permission, f"{ACCOUNT_PREFIX}:{change['old']['id']}")
